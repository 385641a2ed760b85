"use strict";
// The public /verify page: the chosen package is sent as the raw body of
// POST /api/v1/exports/verify and checked on the server; nothing is stored.

async function verifyPage() {
  const form = document.getElementById("verify-form");
  const result = document.getElementById("verify-result");
  const problems = document.getElementById("verify-problems");
  const details = document.getElementById("verify-manifest");
  try {
    const response = await fetch("/api/v1/exports/public-key");
    const key = await response.json();
    text(document.getElementById("key-fingerprint"), key.fingerprint_sha256);
  } catch (problem) { /* shown as … */ }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = document.getElementById("verify-file").files[0];
    if (!file) return;
    result.hidden = false;
    result.className = "";
    text(result, "Checking…");
    problems.replaceChildren();
    details.hidden = true;
    let answer;
    try {
      const response = await fetch("/api/v1/exports/verify", {
        method: "POST",
        headers: { "Content-Type": "application/octet-stream" },
        body: file,
      });
      answer = await response.json();
      if (!response.ok) throw new Error(answer.detail || response.statusText);
    } catch (problem) {
      result.className = "error";
      text(result, `Could not check the file: ${problem.message}`);
      return;
    }
    if (answer.ok) {
      result.className = "ok";
      text(result, "Intact: the signature is valid and the video matches the manifest.");
    } else if (answer.not_an_export) {
      result.className = "error";
      text(result, "Not a mimamoru export.");
    } else {
      result.className = "error";
      text(result, "NOT intact: this package was changed or is not signed by this installation.");
    }
    problems.replaceChildren(...answer.problems.map((problem) => {
      const item = document.createElement("li");
      text(item, problem);
      return item;
    }));
    const manifest = answer.manifest;
    if (manifest && answer.ok) {
      const rows = [
        ["Export", String(manifest.export_id)],
        ["Camera", `${manifest.camera.name} (${manifest.camera.id})`],
        ["Range", `${manifest.range.start} – ${manifest.range.end}`],
        ["Recipient", manifest.recipient],
        ["Legal basis", `${manifest.legal_basis} ${manifest.reference || ""}`],
        ["Exported by", manifest.exporter],
        ["Approved by", (manifest.approvers || []).join(", ") || "—"],
        ["Video SHA-256", manifest.video.sha256],
      ];
      details.replaceChildren(...rows.flatMap(([name, value]) => {
        const term = document.createElement("dt");
        text(term, name);
        const description = document.createElement("dd");
        text(description, value);
        return [term, description];
      }));
      details.hidden = false;
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page === "verify") verifyPage();
});
