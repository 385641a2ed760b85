"use strict";
// The exports page: order a signed export, watch its progress, download the package.
// Uses api(), text(), formatTime(), legalBasisName() from app.js; times typed in the form
// are the site's (siteTimeToIso), as the table shows them.

// Names of an export's states and of the reasons of gaps, as the page shows them.
const EXPORT_STATE_NAMES = {
  queued: t("queued"), running: t("running"), done: t("done"), failed: t("failed"),
  expired: t("expired"),
};
function exportStateName(state) { return EXPORT_STATE_NAMES[state] || state; }
const GAP_REASONS = { "no recording": t("no recording") };

function range(start, end) {
  return t("{start} – {end}", { start: formatTime(start), end: formatTime(end) });
}

function exportRow(item) {
  const row = document.createElement("tr");
  row.dataset.exportId = String(item.id);
  row.dataset.state = item.state;
  const cells = [
    String(item.id),
    item.camera_name,
    range(item.start, item.end),
    item.recipient,
    item.reference ? t("{basis} ({reference})", { basis: legalBasisName(item.legal_basis), reference: item.reference }) :
      legalBasisName(item.legal_basis),
  ];
  for (const value of cells) {
    const cell = document.createElement("td");
    text(cell, value);
    row.append(cell);
  }
  const state = document.createElement("td");
  state.className = "export-state";
  state.dataset.state = item.state;
  if (item.state === "queued" || item.state === "running") {
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = item.progress;
    bar.setAttribute("aria-label", t("Export {id} progress", { id: item.id }));
    state.append(bar, " ", t("{percent} {state}", {
      percent: formatNumber(item.progress, { style: "percent" }), state: exportStateName(item.state),
    }));
  } else if (item.error) {
    text(state, t("{state}: {error}", { state: exportStateName(item.state), error: apiMessage(item.error) }));
  } else {
    text(state, exportStateName(item.state));
  }
  row.append(state);
  const gaps = document.createElement("td");
  text(gaps, item.gaps.length ? item.gaps.map((gap) => t("{range} ({reason})", {
    range: range(gap.start, gap.end), reason: GAP_REASONS[gap.reason] || gap.reason,
  })).join(t("; ")) : t("none"));
  row.append(gaps);
  const downloads = document.createElement("td");
  downloads.className = "downloads";
  text(downloads, formatNumber(item.download_count));
  row.append(downloads);
  const action = document.createElement("td");
  if (item.state === "done") {
    const link = document.createElement("a");
    link.href = `/api/v1/exports/${item.id}/download`;
    link.setAttribute("download", `mimamoru-export-${item.id}.zip`);
    link.dataset.action = "download";
    text(link, item.size ? t("Download package ({size})", { size: formatSize(item.size) }) : t("Download package"));
    action.append(link);
  }
  row.append(action);
  return row;
}

// A package's size in the language's number format.
function formatSize(bytes) {
  if (bytes < 1024 * 1024) return t("{n} KB", { n: formatNumber(bytes / 1024, { maximumFractionDigits: 0 }) });
  return t("{n} MB", { n: formatNumber(bytes / 1024 / 1024, { maximumFractionDigits: 1 }) });
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
      text(state, items.length ? tn("{n} export.", "{n} exports.", items.length) : t("No exports yet."));
      state.dataset.ready = "true";
      const busy = items.some((item) => item.state === "queued" || item.state === "running");
      clearTimeout(timer);
      if (busy) timer = setTimeout(refresh, 1000);
    } catch (problem) {
      text(state, t("Exports not available: {error}", { error: problem.message }));
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
    text(state, t("Cameras not available: {error}", { error: problem.message }));
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
      start: siteTimeToIso(String(data.get("start"))),
      end: siteTimeToIso(String(data.get("end"))),
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
      text(error, t("Not exported: {error}", { error: problem.message }));
      error.hidden = false;
    }
  });
  await refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page === "exports") exportsPage();
});
