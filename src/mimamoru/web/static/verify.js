"use strict";
// The public /verify page: the chosen package is sent as the raw body of
// POST /api/v1/exports/verify and checked on the server; nothing is stored. The server names
// each problem in English (docs/api.md): fixed ones are translated through apiMessage() in
// app.js, the ones naming a file or a value through PROBLEMS below (each pattern is the
// server's text in exports/verify.py, checked by tests/web/test_i18n.py); anything else is
// shown as sent.

const PROBLEMS = [
  [/^missing member (?<name>.+)$/, (p) => t("missing member {name}", p)],
  [/^unexpected member (?<name>.+)$/, (p) => t("unexpected member {name}", p)],
  [/^manifest field format is not (?<format>.+)$/, (p) => t("manifest field format is not {format}", p)],
  [/^(?<name>.+) is not an Ed25519 public key$/, (p) => t("{name} is not an Ed25519 public key", p)],
  [/^(?<name>.+) in the package is not the public key given for the check$/,
    (p) => t("{name} in the package is not the public key given for the check", p)],
  [/^(?<name>.+) cannot be read: (?<error>.+)$/, (p) => t("{name} cannot be read: {error}", p)],
  [/^manifest field video\.sha256 \((?<recorded>.*)\) does not match (?<name>.+) \(SHA-256 (?<actual>\w+)\)$/,
    (p) => t("manifest field video.sha256 ({recorded}) does not match {name} (SHA-256 {actual})", p)],
  [/^manifest field video\.size \((?<recorded>.*)\) does not match (?<name>.+) \((?<size>\d+) bytes\)$/,
    (p) => t("manifest field video.size ({recorded}) does not match {name} ({size} bytes)",
      { ...p, size: formatNumber(Number(p.size)) })],
];

function problemText(problem) {
  const fixed = apiMessage(problem);
  if (fixed !== problem) return fixed;
  for (const [pattern, translate] of PROBLEMS) {
    const match = pattern.exec(problem);
    if (match) return translate({ ...match.groups });
  }
  return problem;
}

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
    text(result, t("Checking…"));
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
      if (!response.ok) throw new Error(apiMessage(answer.detail || response.statusText));
    } catch (problem) {
      result.className = "error";
      text(result, t("Could not check the file: {error}", { error: problem.message }));
      return;
    }
    if (answer.ok) {
      result.className = "ok";
      text(result, t("Intact: the signature is valid and the video matches the manifest."));
    } else if (answer.not_an_export) {
      result.className = "error";
      text(result, t("Not a mimamoru export."));
    } else {
      result.className = "error";
      text(result, t("NOT intact: this package was changed or is not signed by this installation."));
    }
    problems.replaceChildren(...answer.problems.map((problem) => {
      const item = document.createElement("li");
      text(item, problemText(problem));
      return item;
    }));
    const manifest = answer.manifest;
    if (manifest && answer.ok) {
      const rows = [
        [t("Export No."), String(manifest.export_id)],
        [t("Camera"), t("{name} (camera No. {id})", { name: manifest.camera.name, id: manifest.camera.id })],
        [t("Range"), t("{start} – {end}",
          { start: formatDate(manifest.range.start), end: formatDate(manifest.range.end) })],
        [t("Recipient"), manifest.recipient],
        [t("Legal basis"), manifest.reference ?
          t("{basis} ({reference})", { basis: legalBasisName(manifest.legal_basis), reference: manifest.reference }) :
          legalBasisName(manifest.legal_basis)],
        [t("Exported by"), manifest.exporter],
        [t("Approved by"), (manifest.approvers || []).join(t(", ")) || "—"],
        [t("Video SHA-256"), manifest.video.sha256],
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
