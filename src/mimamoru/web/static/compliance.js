"use strict";
// Compliance pages: the dashboard, the privacy records (admins) and a sign's preview. Loaded
// after app.js, whose api(), text() and formatTime() it uses. The pages are shells: the API
// decides who may see or change what, and a refusal (403) is shown as such.

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function showDenied(error) {
  const denied = document.getElementById("admin-denied");
  text(denied, error.status === 403 ? t("Not allowed: {detail}.", { detail: error.message })
    : t("Could not load: {detail}", { detail: error.message }));
  denied.hidden = false;
}

// A calendar date from the API ("2026-11-29") the language's way; it is a date, not a moment,
// so no time zone moves it.
function formatDay(isoDate) {
  if (!isoDate) return "—";
  const date = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return String(isoDate);
  return new Intl.DateTimeFormat(document.documentElement.lang || "ja", { dateStyle: "medium", timeZone: "UTC" })
    .format(date);
}

// A list of data (names) the language's way.
function joinNames(names) {
  return names.join(t(", "));
}

// The fields of the operator profile, as the form names them (the API lists missing ones by
// field name).
const PROFILE_FIELDS = {
  business_name: t("Business name"),
  address: t("Address"),
  representative: t("Representative"),
  contact_department: t("Privacy contact (department)"),
  contact_phone: t("Phone"),
  contact_email: t("E-mail"),
  contact_postal: t("Postal address for requests"),
  request_procedure: t("How to make a request"),
  security_measures: t("Security measures"),
  "contact (phone, e-mail or postal address)": t("contact (phone, e-mail or postal address)"),
};

// The camera's recording states (CameraState) and the plain reasons the API gives.
const CAMERA_STATES = {
  starting: t("starting"), recording: t("recording"), offline: t("offline"), error: t("error"),
  stopped: t("stopped"),
};
const CAMERA_REASONS = {
  "not running": t("not running"),
  "no purpose of use registered": t("no purpose of use registered"),
  "connecting to the camera": t("connecting to the camera"),
  "the camera cannot be reached; an administrator can see why":
    t("the camera cannot be reached; an administrator can see why"),
  "recording failed; an administrator can see why": t("recording failed; an administrator can see why"),
};

// The dashboard's items by key: the API's English label and detail are for scripts and the
// PDF; the page says them from the item's key, note and values (compliance/dashboard.py).
function itemLabel(item) {
  const values = item.values || {};
  const labels = {
    profile: () => t("Operator profile complete"),
    storage_recorded: () => t("Storage locations recorded"),
    storage_abroad: () => t("Storage outside Japan disclosed"),
    permissions_review: () => t("Permissions reviewed within {months} months", { months: formatNumber(values.months) }),
    inactive_accounts: () => t("No account unused for {days} days", { days: formatNumber(values.days) }),
    access_requests: () => t("No pending access requests"),
    purpose: () => t("Purpose of use set"),
    sign: () => t("Sign attested"),
    retention: () => t("Retention within policy"),
    masks_review: () => t("Masks reviewed within {months} months", { months: formatNumber(values.months) }),
  };
  return Object.hasOwn(labels, item.key) ? labels[item.key]() : item.label;
}

function itemDetail(item) {
  const values = item.values || {};
  const places = (list) => joinNames((list || []).map((row) => t("{name} ({country})", row)));
  const details = {
    complete: () => t("Complete."),
    missing: () => t("Missing: {fields}", { fields: joinNames(values.fields.map((name) => PROFILE_FIELDS[name] || name)) }),
    locations: () => places(values.locations),
    no_location: () => t("No storage location recorded: the notice cannot name the countries."),
    outside: () => t("Outside Japan: {places}", { places: places(values.locations) }),
    all_in_japan: () => t("All storage is in Japan."),
    reviewed: () => t("Last reviewed {time} by {name}.", { time: formatTime(values.reviewed_at), name: values.by }),
    never_reviewed: () => t("Never reviewed."),
    unused: () => t("Unused: {names}", { names: joinNames(values.users) }),
    all_in_use: () => t("Every account is in use."),
    pending: () => values.requests.map((request) => t("#{id}: {operation} of {camera}, asked by {name} on {time}", {
      id: request.id, operation: operationName(request.operation), camera: request.camera,
      name: request.requester, time: formatTime(request.created_at),
    })).join(t("; ")),
    none_pending: () => t("None pending."),
    purposes: () => joinNames(values.purposes),
    no_purpose: () => t("No purpose of use registered: not recording."),
    no_sign: () => t("No sign attested."),
    reprint: () => t("Purposes changed since the sign of {date}: reprint it and attest again.", { date: formatDay(values.installed_on) }),
    installed: () => t("Put up {date} by {name}.", { date: formatDay(values.installed_on), name: values.installed_by }),
    within: () => t("{hours} h", { hours: formatNumber(values.hours) }),
    justified: () => t("{hours} h (over {limit} h, justified: {justification})", {
      hours: formatNumber(values.hours), limit: formatNumber(values.limit), justification: values.justification,
    }),
    unjustified: () => t("{hours} h (over {limit} h without a written justification)", {
      hours: formatNumber(values.hours), limit: formatNumber(values.limit),
    }),
  };
  return Object.hasOwn(details, item.note) ? details[item.note]() : item.detail;
}

function say(message, isError = false) {
  const status = document.getElementById("records-status") || document.getElementById("review-status");
  text(status, message);
  status.className = isError ? "error" : "";
}

function itemRow(item) {
  const state = el("td", { class: item.ok ? "item-ok" : "item-problem", text: item.ok ? t("In order") : t("Needs attention") });
  return el("tr", { "data-key": item.key, "data-ok": String(item.ok) },
    el("td", { text: itemLabel(item) }), state, el("td", { text: itemDetail(item) }),
    el("td", {}, el("a", { href: item.fix, text: t("Fix it") })));
}

// --- Dashboard ------------------------------------------------------------------------------

async function dashboardPage() {
  const root = document.getElementById("dashboard");
  let data;
  try { data = await api("/api/v1/compliance/dashboard"); } catch (error) { showDenied(error); return; }
  root.hidden = false;
  text(document.getElementById("dashboard-summary"),
    data.problems ? tn("{n} item needs attention.", "{n} items need attention.", data.problems)
      : t("Everything checked is in order."));
  document.querySelector("#installation-items tbody").replaceChildren(...data.installation.map(itemRow));
  const sections = document.getElementById("site-sections");
  sections.replaceChildren(...data.sites.map((site) => {
    const rows = [];
    for (const camera of site.cameras) {
      rows.push(el("tr", { class: "subrow" }, el("td", { colspan: "4" },
        el("strong", { text: camera.name }), " ",
        el("a", { href: `/signage?camera=${camera.id}`, text: t("Sign") }))));
      rows.push(...camera.items.map(itemRow));
    }
    return el("section", { class: "card", "data-site": String(site.id ?? "") },
      el("h2", { text: site.id === null ? t("No site") : site.name }),
      el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: t("Check") }), el("th", { text: t("State") }),
        el("th", { text: t("Detail") }), el("th", { text: t("Fix") }))), el("tbody", {}, ...rows)));
  }));
  const recorded = {
    masks: (params) => t("Mask review recorded by {name} at {time}.", params),
    permissions: (params) => t("Permission review recorded by {name} at {time}.", params),
  };
  for (const kind of ["masks", "permissions"]) {
    document.getElementById(`review-${kind}`).onclick = async () => {
      try {
        const review = await api(`/api/v1/compliance/reviews/${kind}`, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
        });
        say(recorded[kind]({ name: review.reviewed_by, time: formatTime(review.reviewed_at) }));
        await dashboardPage();
      } catch (error) { say(t("Not recorded: {detail}", { detail: error.message }), true); }
    };
  }
  root.dataset.ready = "true";
}

// --- Privacy records (admins) ---------------------------------------------------------------

async function send(path, method, body) {
  return api(path, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

function formValues(form) {
  const values = {};
  for (const field of form.elements) {
    if (!field.name) continue;
    values[field.name] = field.type === "checkbox" ? field.checked : field.value;
  }
  return values;
}

async function recordsPage() {
  let profile;
  try { profile = await api("/api/v1/compliance/profile"); } catch (error) { showDenied(error); return; }
  document.getElementById("admin-content").hidden = false;
  const profileForm = document.getElementById("profile-form");
  const showProfile = (value) => {
    for (const field of profileForm.elements) if (field.name) field.value = value[field.name] || "";
    if (!value.security_measures) profileForm.elements.security_measures.value = value.security_measures_suggestion;
    text(document.getElementById("profile-missing"),
      value.missing.length ? t("Still missing: {fields}", { fields: joinNames(value.missing.map((name) => PROFILE_FIELDS[name] || name)) })
        : t("Complete."));
  };
  showProfile(profile);
  profileForm.onsubmit = async (event) => {
    event.preventDefault();
    try { showProfile(await send("/api/v1/compliance/profile", "PUT", formValues(profileForm))); say(t("Profile saved.")); }
    catch (error) { say(t("Not saved: {detail}", { detail: error.message }), true); }
  };
  const reloadAll = async () => {
    const [locations, sites, purposes, cameras] = await Promise.all([
      api("/api/v1/compliance/storage-locations"), api("/api/v1/sites"),
      api("/api/v1/purposes"), api("/api/v1/cameras")]);
    // The cameras' records first: the whole page then changes at once, so that nothing on it
    // (a ticked purpose, say) belongs to the previous load while the rest is new.
    const siteOf = new Map();
    for (const site of sites) for (const id of site.camera_ids) siteOf.set(id, site.id);
    const sections = [];
    for (const camera of cameras) sections.push(await cameraSection(camera, sites, purposes, siteOf));
    document.querySelector("#locations tbody").replaceChildren(...locations.map((item) => {
      const remove = el("button", { type: "button", class: "secondary", text: t("Remove") });
      remove.onclick = () => act(() => api(`/api/v1/compliance/storage-locations/${item.id}`, { method: "DELETE" }), t("Removed."));
      return el("tr", {}, el("td", { text: item.name }), el("td", { text: item.country }),
        el("td", { text: item.regime_note }), el("td", {}, remove));
    }));
    document.querySelector("#site-list tbody").replaceChildren(...sites.map((site) => {
      const remove = el("button", { type: "button", class: "secondary", text: t("Remove") });
      remove.onclick = () => act(() => api(`/api/v1/sites/${site.id}`, { method: "DELETE" }), t("Removed."));
      return el("tr", {}, el("td", { text: site.name }), el("td", { text: site.address }),
        el("td", { text: site.public ? t("by name") : t("as “Site N”") }), el("td", {}, remove));
    }));
    document.querySelector("#purpose-list tbody").replaceChildren(...purposes.map((item) => {
      const remove = el("button", { type: "button", class: "secondary", text: t("Remove") });
      remove.onclick = () => act(() => api(`/api/v1/purposes/${item.id}`, { method: "DELETE" }), t("Removed."));
      return el("tr", {}, el("td", { text: item.code }), el("td", { text: item.name_ja }),
        el("td", { text: item.name_en }), el("td", {}, remove));
    }));
    document.getElementById("camera-sections").replaceChildren(...sections);
    document.getElementById("admin-content").dataset.ready = "true";
  };
  const act = async (action, message) => {
    try { await action(); say(message); await reloadAll(); } catch (error) { say(t("Not done: {detail}", { detail: error.message }), true); }
  };
  const bind = (id, path, reset = true) => {
    const form = document.getElementById(id);
    form.onsubmit = (event) => {
      event.preventDefault();
      act(async () => { await send(path, "POST", formValues(form)); if (reset) form.reset(); }, t("Added."));
    };
  };
  bind("location-form", "/api/v1/compliance/storage-locations");
  bind("site-form", "/api/v1/sites");
  bind("purpose-form", "/api/v1/purposes");
  window.reloadRecords = reloadAll;
  await reloadAll();
}

async function cameraSection(camera, sites, purposes, siteOf) {
  const mine = await api(`/api/v1/cameras/${camera.id}/purposes`);
  const sign = await api(`/api/v1/cameras/${camera.id}/sign-attestation`);
  const chosen = new Set(mine.purposes.map((item) => item.code));
  const boxes = purposes.map((item) => el("label", {},
    Object.assign(el("input", { type: "checkbox", value: item.code }), { checked: chosen.has(item.code) }),
    ` ${item.name_ja} / ${item.name_en}`));
  const name = camera.name;
  const savePurposes = el("button", { type: "button", text: t("Save purposes") });
  const siteSelect = el("select", { "aria-label": t("Site of {name}", { name }) },
    el("option", { value: "", text: t("No site") }),
    ...sites.map((site) => Object.assign(el("option", { value: String(site.id), text: site.name }),
      { selected: siteOf.get(camera.id) === site.id })));
  const saveSite = el("button", { type: "button", class: "secondary", text: t("Save site") });
  const hours = el("input", { type: "number", min: "1", max: "87600", value: String(camera.retention_hours),
    "aria-label": t("Retention in hours ({name})", { name }) });
  const reason = el("input", { maxlength: "2000", value: camera.retention_justification || "",
    placeholder: t("Why longer than 72 h"), "aria-label": t("Retention justification ({name})", { name }) });
  const saveRetention = el("button", { type: "button", class: "secondary", text: t("Save retention") });
  saveRetention.onclick = async () => {
    try {
      await send(`/api/v1/cameras/${camera.id}`, "PATCH",
        { retention_hours: Number(hours.value), retention_justification: reason.value || null });
      await window.reloadRecords();
      say(t("Retention of {name} saved.", { name }));
    } catch (error) { report(t("Not saved: {detail}", { detail: error.message }), true); }
  };
  const signParams = sign ? { date: formatDay(sign.installed_on), name: sign.installed_by } : {};
  const signText = !sign ? t("No sign attested.")
    : sign.needs_reprint ? t("Sign put up {date} by {name} — purposes changed since: reprint and attest again.", signParams)
      : t("Sign put up {date} by {name} (current).", signParams);
  const date = el("input", { type: "date", "aria-label": t("Sign put up on ({name})", { name }) });
  date.valueAsDate = new Date();
  const who = el("input", { "aria-label": t("Sign put up by ({name})", { name }), maxlength: "100", placeholder: t("Who put it up") });
  const photo = el("input", { type: "file", accept: "image/jpeg,image/png", "aria-label": t("Photo of the sign ({name})", { name }) });
  const attest = el("button", { type: "button", text: t("Sign is up") });
  const status = el("p", { role: "status", class: "small" });
  const report = (message, isError = false) => { text(status, message); status.className = isError ? "small error" : "small"; };
  savePurposes.onclick = async () => {
    const codes = boxes.map((box) => box.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
    try {
      await send(`/api/v1/cameras/${camera.id}/purposes`, "PUT", { purposes: codes });
      await window.reloadRecords();
      say(t("Purposes of {name} saved.", { name }));
    }
    catch (error) { report(t("Not saved: {detail}", { detail: error.message }), true); }
  };
  saveSite.onclick = async () => {
    try {
      await send(`/api/v1/cameras/${camera.id}/site`, "PUT", { site_id: siteSelect.value ? Number(siteSelect.value) : null });
      await window.reloadRecords();
      say(t("Site of {name} saved.", { name }));
    }
    catch (error) { report(t("Not saved: {detail}", { detail: error.message }), true); }
  };
  attest.onclick = async () => {
    const query = new URLSearchParams({ installed_on: date.value, installed_by: who.value });
    const file = photo.files[0];
    try {
      await api(`/api/v1/cameras/${camera.id}/sign-attestations?${query}`, {
        method: "POST", headers: file ? { "Content-Type": file.type } : {}, body: file || null,
      });
      await window.reloadRecords();
      say(t("Sign of {name} attested.", { name }));
    } catch (error) { report(t("Not recorded: {detail}", { detail: error.message }), true); }
  };
  return el("div", { class: "camera-record", id: `camera-${camera.id}` },
    el("h3", { text: t("{name} — {state}", { name, state: CAMERA_STATES[camera.status] || camera.status }) }),
    el("p", { class: "muted small", text: CAMERA_REASONS[camera.status_reason] || camera.status_reason || "" }),
    el("div", { class: "checks" }, ...boxes), el("div", { class: "toolbar" }, savePurposes, siteSelect, saveSite,
      el("a", { href: `/signage?camera=${camera.id}`, text: t("Sign preview") })),
    el("div", { class: "toolbar" }, hours, reason, saveRetention),
    el("p", { class: sign && !sign.needs_reprint ? "item-ok" : "item-problem", text: signText }),
    el("div", { class: "toolbar" }, date, who, photo, attest), status);
}

// --- Sign preview ---------------------------------------------------------------------------

async function signagePage() {
  const params = new URLSearchParams(window.location.search);
  const camera = Number.parseInt(params.get("camera") || "", 10);
  const site = Number.parseInt(params.get("site") || "", 10);
  const base = Number.isInteger(camera) ? `/api/v1/cameras/${camera}/signage.pdf`
    : Number.isInteger(site) ? `/api/v1/sites/${site}/signage.pdf` : null;
  if (!base) { showDenied({ message: t("no camera or site chosen") }); return; }
  const image = document.getElementById("signage-preview");
  image.addEventListener("load", () => { document.getElementById("signage").dataset.ready = "true"; });
  image.addEventListener("error", async () => {
    try { await api(`${base}?format=png`); } catch (error) { showDenied(error); }
  });
  document.getElementById("signage-pdf-a4").href = base;
  document.getElementById("signage-pdf-a3").href = `${base}?size=A3`;
  document.getElementById("signage-png").href = `${base}?format=png`;
  image.src = `${base}?format=png`;
  document.getElementById("signage").hidden = false;
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  if (page === "compliance") dashboardPage();
  else if (page === "admin-compliance") recordsPage();
  else if (page === "signage") signagePage();
});
