"use strict";
// mimamoru browser UI. No framework, no build step: pages are shells and all
// camera data comes from the gated JSON API and the live WebSocket.

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// The API speaks English to integrators; the pages translate the fixed messages they know
// and show any other message as the server sent it (docs/i18n.md).
const API_MESSAGES = {
  "password must not start or end with whitespace": t("password must not start or end with whitespace"),
  "password is too repetitive: use more different characters":
    t("password is too repetitive: use more different characters"),
  "password must not contain the user name": t("password must not contain the user name"),
  "user name may hold only letters, digits and . _ - @": t("user name may hold only letters, digits and . _ - @"),
  "a token name is 1 to 64 printable characters": t("a token name is 1 to 64 printable characters"),
  "two-factor authentication is already on": t("two-factor authentication is already on"),
  "two-factor authentication is already on; turn it off first to enrol again":
    t("two-factor authentication is already on; turn it off first to enrol again"),
  "two-factor authentication is not on": t("two-factor authentication is not on"),
  "enrol first: no two-factor secret is waiting": t("enrol first: no two-factor secret is waiting"),
  "the code does not match; check the app's clock": t("the code does not match; check the app's clock"),
  "the code does not match": t("the code does not match"),
  "Forbidden": t("Forbidden"),
  "Not Found": t("Not Found"),
  "Conflict": t("Conflict"),
  "Service Unavailable": t("Service Unavailable"),
  "Internal Server Error": t("Internal Server Error"),
  // Access requests and exports (requests.js, exports.js, verify.js).
  "start must be before end": t("start must be before end"),
  "start and end need a time zone (or a Z for UTC)": t("start and end need a time zone (or a Z for UTC)"),
  "only the requester can withdraw a request": t("only the requester can withdraw a request"),
  "you cannot decide your own request (four-eyes rule)": t("you cannot decide your own request (four-eyes rule)"),
  "only a manager or an administrator decides requests": t("only a manager or an administrator decides requests"),
  "access requests are not available on this installation":
    t("access requests are not available on this installation"),
  "not a mimamoru export: not a zip file": t("not a mimamoru export: not a zip file"),
  "not a mimamoru export: it has no manifest.json": t("not a mimamoru export: it has no manifest.json"),
  "not a mimamoru export: its manifest.json is not a mimamoru manifest":
    t("not a mimamoru export: its manifest.json is not a mimamoru manifest"),
  "signature: manifest.sig does not match manifest.json (the manifest was changed, or signed with another key)":
    t("signature: manifest.sig does not match manifest.json (the manifest was changed, or signed with another key)"),
  "manifest field public_key_sha256 does not match the public key used":
    t("manifest field public_key_sha256 does not match the public key used"),
  "manifest field video.file is missing": t("manifest field video.file is missing"),
  // Camera states' reasons the server gives in fixed words (api/cameras.py, cameras.py,
  // media/recorder.py) and why it ended a live view (api/live.py); errors are shown as sent.
  "no purpose of use registered": t("no purpose of use registered"),
  "not running": t("not running"),
  "connecting": t("connecting"),
  "connecting to the camera": t("connecting to the camera"),
  "the camera cannot be reached; an administrator can see why":
    t("the camera cannot be reached; an administrator can see why"),
  "recording failed; an administrator can see why": t("recording failed; an administrator can see why"),
  "session ended": t("session ended"),
  "permission withdrawn": t("permission withdrawn"),
  "viewer stalled": t("viewer stalled"),
};

function apiMessage(detail) {
  return typeof detail === "string" && Object.hasOwn(API_MESSAGES, detail) ? API_MESSAGES[detail] : detail;
}

// Names of the operations a grant or token allows, as the pages show them.
const OPERATION_NAMES = {
  live: t("live"), playback: t("playback"), export: t("export"), ptz: t("ptz"), configure: t("configure"),
};
function operationName(op) { return OPERATION_NAMES[op] || op; }

// Names of the roles, as the pages show them (the API and the select's values keep the codes).
const ROLE_NAMES = {
  admin: t("admin"), manager: t("manager"), operator: t("operator"), viewer: t("viewer"), auditor: t("auditor"),
};
function roleName(role) { return ROLE_NAMES[role] || role; }

// Names of the legal bases of an export (exports.js, verify.js); the API keeps the codes.
const LEGAL_BASIS_NAMES = {
  law: t("Law (police inquiry 捜査関係事項照会, warrant)"),
  consent: t("Consent of the person"),
  protection: t("Protection of life, body or property"),
  internal: t("Internal use (no third party)"),
};
function legalBasisName(basis) { return LEGAL_BASIS_NAMES[basis] || basis; }

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  // Cookie-authenticated changes must carry the session's CSRF token (docs/security.md).
  if (UNSAFE_METHODS.has((options.method || "GET").toUpperCase())) {
    headers.set("X-CSRF-Token", csrfToken());
  }
  const response = await fetch(path, { credentials: "same-origin", ...options, headers });
  if (response.status === 401) {
    window.location.assign("/login");
    throw new Error(t("Not logged in."));
  }
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
    const error = new Error(apiMessage(detail));
    error.status = response.status; // 403: no rights, 404: not there, 409/422: refused
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

function text(element, value) { element.textContent = value; }

// A time from the API (UTC) in the site's time zone, the page's language (i18n.js).
function formatTime(iso) {
  return iso ? formatDate(iso) : "—";
}

// The site's time zone (settings: site.timezone), as i18n.js reads it; times are stored in UTC.
// formatDay/formatClock/formatDateTime are i18n.js's (the language and the site's zone).
function siteZone() {
  const meta = document.querySelector('meta[name="site-timezone"]');
  return I18N.timeZone || (meta ? meta.content : "UTC");
}

function formatDay(ms) { return siteDay(ms); }

// Page entry points by <body data-page>: the page scripts (live.js, grid.js, ...) add theirs.
const PAGES = {};

// Links to the administration pages, by role; the API decides, these only save a detour.
const ROLE_NAV = {
  admin: [["/admin/users", t("Users")], ["/admin/permissions", t("Permissions")], ["/audit", t("Audit")],
    ["/compliance", t("Compliance")], ["/admin/compliance", t("Privacy records")]],
  manager: [["/compliance", t("Compliance")]],
  auditor: [["/audit", t("Audit")], ["/compliance", t("Compliance")]],
};

let mePromise = null;

// The caller's user name and role (GET /auth/me), asked once per page.
function whoAmI() {
  if (!mePromise) mePromise = api("/api/v1/auth/me");
  return mePromise;
}

async function setupNav() {
  const nav = document.getElementById("role-nav");
  if (!nav || !document.getElementById("logout")) return; // not on the login page
  let me;
  try { me = await whoAmI(); } catch (error) { return; }
  const links = ROLE_NAV[me.role] || [];
  nav.replaceChildren(...links.map(([href, label]) => {
    const link = document.createElement("a");
    link.href = href;
    link.textContent = label;
    if (window.location.pathname === href) link.setAttribute("aria-current", "page");
    return link;
  }));
  nav.hidden = links.length === 0;
}

function setupLogout() {
  const button = document.getElementById("logout");
  if (!button) return;
  button.addEventListener("click", async () => {
    await api("/api/v1/auth/logout", { method: "POST" }).catch(() => null);
    window.location.assign("/login");
  });
}

function loginPage() {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const code = form.totp_code.value.trim();
    const body = JSON.stringify({
      username: form.username.value, password: form.password.value,
      ...(code ? { totp_code: code } : {}),
    });
    const response = await fetch("/api/v1/auth/login", {
      method: "POST", headers: { "Content-Type": "application/json" }, body,
    });
    if (response.ok) {
      const session = await response.json();
      window.location.assign(session.must_enrol_totp ? "/account" : "/cameras");
    } else if (response.status === 429) {
      text(error, t("Too many failed logins. Wait a while, or ask an administrator to unlock."));
      error.hidden = false;
    } else {
      text(error, response.status === 401 ? t("Wrong user name, password or one-time code.") : t("Login failed."));
      error.hidden = false;
    }
  });
}

// Camera states in words (the camera list, the grid, the live and playback pages).
const STATE_WORDS = {
  recording: t("Recording"), starting: t("Starting"), offline: t("Offline"), error: t("Error"),
  stopped: t("Stopped"),
};
function stateWord(status) { return STATE_WORDS[status] || status; }

// "Offline since Nov 29, 2026, 10:15:03 AM: the camera cannot be reached", or "" while recording.
// Fixed reasons are translated (API_MESSAGES); an error's own text is shown as sent.
function cameraStateText(camera) {
  if (camera.status === "recording") return "";
  const word = stateWord(camera.status);
  const state = camera.status_since
    ? t("{state} since {time}", { state: word, time: formatTime(camera.status_since) }) : word;
  return camera.status_reason ? t("{state}: {reason}", { state, reason: apiMessage(camera.status_reason) }) : state;
}

function statusBadge(camera) {
  const badge = document.createElement("span");
  badge.className = `badge ${camera.status}`;
  badge.dataset.status = camera.status;
  badge.textContent = stateWord(camera.status);
  if (camera.status_reason) badge.title = apiMessage(camera.status_reason);
  return badge;
}

async function camerasPage() {
  const state = document.getElementById("cameras-state");
  const table = document.getElementById("cameras");
  const body = table.querySelector("tbody");
  async function refresh() {
    try {
      const cameras = await api("/api/v1/cameras");
      body.replaceChildren(...cameras.map((camera) => {
        const row = document.createElement("tr");
        row.dataset.cameraId = camera.id;
        const cells = [camera.name, null, formatTime(camera.last_frame_at),
          formatNumber(camera.fps, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
          formatNumber(camera.bitrate_kbps, { maximumFractionDigits: 0 })];
        cells.forEach((value) => {
          const cell = document.createElement("td");
          if (value === null) cell.append(statusBadge(camera)); else cell.textContent = value;
          row.append(cell);
        });
        const linkCell = document.createElement("td");
        for (const [href, label] of [[`/live?camera=${camera.id}`, t("Live")],
          [`/playback?camera=${camera.id}`, t("Playback")], [`/masks?camera=${camera.id}`, t("Masks")]]) {
          const link = document.createElement("a");
          link.href = href;
          link.textContent = label;
          linkCell.append(link, " ");
        }
        row.append(linkCell);
        return row;
      }));
      table.hidden = cameras.length === 0;
      table.dataset.ready = "true";
      text(state, cameras.length === 0 ? t("No cameras yet. Add one with {command}.", { command: "mimamoru camera add" }) : "");
    } catch (error) {
      text(state, t("Could not load cameras: {detail}", { detail: error.message }));
    }
  }
  await refresh();
  setInterval(refresh, 3000);
}

const SVG = "http://www.w3.org/2000/svg";

async function loadSnapshot(cameraId, image) {
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const response = await fetch(`/api/v1/cameras/${cameraId}/snapshot`, { credentials: "same-origin" });
    if (response.ok) {
      const previous = image.src;
      image.src = URL.createObjectURL(await response.blob());
      if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
      await image.decode().catch(() => null);
      return true;
    }
    if (response.status !== 503) throw new Error(apiMessage((await response.json()).detail || response.statusText));
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return false;
}

async function maskEditorPage() {
  const params = new URLSearchParams(window.location.search);
  const cameraId = Number.parseInt(params.get("camera") || "", 10);
  const status = document.getElementById("mask-status");
  const svg = document.getElementById("mask-canvas");
  const image = document.getElementById("mask-snapshot");
  const fill = document.getElementById("mask-fill");
  const block = document.getElementById("mask-block");
  const buttons = {
    create: document.getElementById("mask-new"),
    finish: document.getElementById("mask-finish"),
    remove: document.getElementById("mask-delete"),
    save: document.getElementById("mask-save"),
  };
  let masks = [];
  let selected = -1;
  let draft = null;
  let dragging = null;

  function point(event) {
    const box = svg.getBoundingClientRect();
    const clamp = (value) => Math.min(1, Math.max(0, value));
    return [clamp((event.clientX - box.left) / box.width), clamp((event.clientY - box.top) / box.height)];
  }

  function render() {
    svg.replaceChildren();
    masks.forEach((mask, index) => {
      const polygon = document.createElementNS(SVG, "polygon");
      polygon.setAttribute("points", mask.points.map((p) => p.join(",")).join(" "));
      polygon.setAttribute("class", `mask ${mask.fill}${index === selected ? " selected" : ""}`);
      polygon.dataset.index = String(index);
      polygon.addEventListener("pointerdown", (event) => {
        if (draft) return;
        event.stopPropagation();
        selected = index;
        render();
      });
      svg.append(polygon);
    });
    masks.forEach((mask, index) => mask.points.forEach((p, corner) => {
      const handle = document.createElementNS(SVG, "circle");
      handle.setAttribute("cx", p[0]);
      handle.setAttribute("cy", p[1]);
      handle.setAttribute("r", "0.012");
      handle.setAttribute("class", "vertex");
      handle.dataset.mask = String(index);
      handle.dataset.corner = String(corner);
      handle.addEventListener("pointerdown", (event) => {
        if (draft) return;
        event.stopPropagation();
        selected = index;
        dragging = { index, corner, pointerId: event.pointerId };
        svg.setPointerCapture(event.pointerId);
      });
      svg.append(handle);
    }));
    if (draft && draft.length) {
      const outline = document.createElementNS(SVG, "polygon");
      outline.setAttribute("points", draft.map((p) => p.join(",")).join(" "));
      outline.setAttribute("class", "draft");
      svg.append(outline);
    }
    const current = masks[selected];
    fill.disabled = !current;
    block.disabled = !current || current.fill !== "mosaic";
    buttons.remove.disabled = !current;
    buttons.finish.disabled = !draft || draft.length < 3;
    if (current) {
      fill.value = current.fill;
      block.value = String(current.block_size || 16);
    }
  }

  svg.addEventListener("pointerdown", (event) => {
    if (draft) {
      draft.push(point(event));
      text(status, draft.length >= 3
        ? t("Corner {n} placed. Finish the mask or add more corners.", { n: draft.length })
        : t("Corner {n} placed.", { n: draft.length }));
    } else {
      selected = -1;
    }
    render();
  });
  svg.addEventListener("pointermove", (event) => {
    if (!dragging || event.pointerId !== dragging.pointerId) return;
    masks[dragging.index].points[dragging.corner] = point(event);
    render();
  });
  const stopDrag = (event) => {
    if (dragging && event.pointerId === dragging.pointerId) {
      dragging = null;
      text(status, t("Corner moved. Save to apply."));
    }
  };
  svg.addEventListener("pointerup", stopDrag);
  svg.addEventListener("pointercancel", stopDrag);

  buttons.create.addEventListener("click", () => {
    draft = [];
    selected = -1;
    text(status, t("Click or tap the corners of the area to hide."));
    render();
  });
  function finish() {
    if (!draft || draft.length < 3) return;
    masks.push({ points: draft, fill: "gray" });
    selected = masks.length - 1;
    draft = null;
    text(status, t("Mask added. Save to apply."));
    render();
  }
  buttons.finish.addEventListener("click", finish);
  function removeSelected() {
    if (selected < 0) return;
    masks.splice(selected, 1);
    selected = -1;
    text(status, t("Mask deleted. Save to apply."));
    render();
  }
  buttons.remove.addEventListener("click", removeSelected);
  fill.addEventListener("change", () => {
    if (selected < 0) return;
    masks[selected].fill = fill.value;
    render();
  });
  block.addEventListener("change", () => {
    if (selected >= 0) masks[selected].block_size = Number.parseInt(block.value, 10);
  });
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    if (event.key === "Enter") finish();
    else if (event.key === "Escape") { draft = null; render(); }
    else if (event.key === "Delete" || event.key === "Backspace") removeSelected();
  });
  buttons.save.addEventListener("click", async () => {
    const body = masks.map((mask) => {
      const item = { points: mask.points, fill: mask.fill };
      if (mask.fill === "mosaic") item.block_size = mask.block_size || 16;
      return item;
    });
    try {
      const camera = await api(`/api/v1/cameras/${cameraId}`, {
        method: "PATCH", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ masks: body }),
      });
      text(status, t("Saved (mask version {version}). Updating the preview…", { version: camera.mask_version }));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await loadSnapshot(cameraId, image);
      text(status, t("Saved (mask version {version}). The picture shows the masks as recorded.",
        { version: camera.mask_version }));
      status.dataset.version = String(camera.mask_version);
    } catch (error) {
      text(status, t("Not saved: {detail}", { detail: error.message }));
    }
  });

  if (!Number.isInteger(cameraId)) { text(status, t("No camera selected.")); return; }
  try {
    const camera = await api(`/api/v1/cameras/${cameraId}`);
    text(document.getElementById("camera-name"), camera.name);
    masks = camera.masks.map((mask) => ({ ...mask, points: mask.points.map((p) => [...p]) }));
    render();
    const loaded = await loadSnapshot(cameraId, image);
    text(status, loaded ? tn("{n} mask. The picture shows the saved masks.",
      "{n} masks. The picture shows the saved masks.", masks.length) :
      t("No picture from this camera yet; you can still draw masks."));
    status.dataset.ready = "true";
  } catch (error) {
    text(status, t("Camera not available: {detail}", { detail: error.message }));
  }
}

// The "Requests" link's badge: how many access requests wait for this caller's decision.
async function setupRequestsBadge() {
  const badge = document.getElementById("requests-badge");
  if (!badge) return;
  try {
    const { to_decide: count } = await api("/api/v1/requests/pending-count");
    text(badge, formatNumber(count));
    badge.title = tn("{n} request waiting for your decision", "{n} requests waiting for your decision", count);
    badge.hidden = count === 0;
  } catch (error) { badge.hidden = true; }
}

document.addEventListener("DOMContentLoaded", () => {
  setupLogout();
  setupNav();
  setupRequestsBadge();
  const page = document.body.dataset.page;
  if (page === "login") loginPage();
  else if (page === "cameras") camerasPage();
  else if (PAGES[page]) PAGES[page]();
  else if (page === "masks") maskEditorPage();
});
