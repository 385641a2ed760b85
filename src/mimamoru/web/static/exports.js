"use strict";
// The exports page: order a signed export, watch its progress, download the package.
// Uses api(), text() and formatTime() from app.js.

function exportRow(item) {
  const row = document.createElement("tr");
  row.dataset.exportId = String(item.id);
  const cells = [
    String(item.id),
    item.camera_name,
    `${formatTime(item.start)} – ${formatTime(item.end)}`,
    item.recipient,
    item.legal_basis + (item.reference ? ` (${item.reference})` : ""),
  ];
  for (const value of cells) {
    const cell = document.createElement("td");
    text(cell, value);
    row.append(cell);
  }
  const state = document.createElement("td");
  state.className = "export-state";
  if (item.state === "queued" || item.state === "running") {
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = item.progress;
    bar.setAttribute("aria-label", `Export ${item.id} progress`);
    state.append(bar, ` ${Math.round(item.progress * 100)} % ${item.state}`);
  } else {
    text(state, item.state + (item.error ? `: ${item.error}` : ""));
  }
  row.append(state);
  const gaps = document.createElement("td");
  text(gaps, item.gaps.length ? item.gaps.map((gap) =>
    `${formatTime(gap.start)} – ${formatTime(gap.end)} (${gap.reason})`).join("; ") : "none");
  row.append(gaps);
  const downloads = document.createElement("td");
  text(downloads, String(item.download_count));
  row.append(downloads);
  const action = document.createElement("td");
  if (item.state === "done") {
    const link = document.createElement("a");
    link.href = `/api/v1/exports/${item.id}/download`;
    link.setAttribute("download", `mimamoru-export-${item.id}.zip`);
    text(link, "Download package");
    action.append(link);
  }
  row.append(action);
  return row;
}

async function exportsPage() {
  const state = document.getElementById("exports-state");
  const body = document.querySelector("#exports tbody");
  const form = document.getElementById("export-form");
  const error = document.getElementById("export-error");
  let timer = null;

  async function refresh() {
    try {
      const items = await api("/api/v1/exports");
      body.replaceChildren(...items.map(exportRow));
      text(state, items.length ? `${items.length} export(s)` : "No exports yet.");
      const busy = items.some((item) => item.state === "queued" || item.state === "running");
      clearTimeout(timer);
      if (busy) timer = setTimeout(refresh, 1000);
    } catch (problem) {
      text(state, `Exports not available: ${problem.message}`);
    }
  }

  try {
    const cameras = await api("/api/v1/cameras");
    const select = document.getElementById("export-camera");
    select.replaceChildren(...cameras.map((camera) => {
      const option = document.createElement("option");
      option.value = String(camera.id);
      text(option, camera.name);
      return option;
    }));
  } catch (problem) {
    text(state, `Cameras not available: ${problem.message}`);
  }
  try {
    const key = await api("/api/v1/exports/public-key");
    text(document.getElementById("key-fingerprint"), key.fingerprint_sha256);
    text(document.getElementById("key-pem"), key.public_key_pem);
  } catch (problem) { /* shown as … */ }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const data = new FormData(form);
    const order = {
      camera_id: Number(data.get("camera_id")),
      start: new Date(String(data.get("start"))).toISOString(),
      end: new Date(String(data.get("end"))).toISOString(),
      purpose: String(data.get("purpose")),
      recipient: String(data.get("recipient")),
      legal_basis: String(data.get("legal_basis")),
      reference: String(data.get("reference") || ""),
    };
    if (data.get("request_id")) order.request_id = Number(data.get("request_id"));
    try {
      await api("/api/v1/exports", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(order),
      });
      await refresh();
    } catch (problem) {
      text(error, `Not exported: ${problem.message}`);
      error.hidden = false;
    }
  });
  await refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page === "exports") exportsPage();
});
