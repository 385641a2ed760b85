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
  text(denied, error.status === 403 ? `Not allowed: ${error.message}.` : `Could not load: ${error.message}`);
  denied.hidden = false;
}

function say(message, isError = false) {
  const status = document.getElementById("records-status") || document.getElementById("review-status");
  text(status, message);
  status.className = isError ? "error" : "";
}

function itemRow(item) {
  const state = el("td", { class: item.ok ? "item-ok" : "item-problem", text: item.ok ? "OK" : "Needs attention" });
  return el("tr", { "data-key": item.key, "data-ok": String(item.ok) },
    el("td", { text: item.label }), state, el("td", { text: item.detail }),
    el("td", {}, el("a", { href: item.fix, text: "Fix" })));
}

// --- Dashboard ------------------------------------------------------------------------------

async function dashboardPage() {
  const root = document.getElementById("dashboard");
  let data;
  try { data = await api("/api/v1/compliance/dashboard"); } catch (error) { showDenied(error); return; }
  root.hidden = false;
  text(document.getElementById("dashboard-summary"),
    data.problems ? `${data.problems} item(s) need attention.` : "Everything checked is in order.");
  document.querySelector("#installation-items tbody").replaceChildren(...data.installation.map(itemRow));
  const sections = document.getElementById("site-sections");
  sections.replaceChildren(...data.sites.map((site) => {
    const rows = [];
    for (const camera of site.cameras) {
      rows.push(el("tr", { class: "subrow" }, el("td", { colspan: "4" },
        el("strong", { text: camera.name }), " ",
        el("a", { href: `/signage?camera=${camera.id}`, text: "Sign" }))));
      rows.push(...camera.items.map(itemRow));
    }
    return el("section", { class: "card", "data-site": String(site.id ?? "") },
      el("h2", { text: site.name }),
      el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: "Check" }), el("th", { text: "State" }),
        el("th", { text: "Detail" }), el("th", { text: "Fix" }))), el("tbody", {}, ...rows)));
  }));
  for (const kind of ["masks", "permissions"]) {
    document.getElementById(`review-${kind}`).onclick = async () => {
      try {
        const review = await api(`/api/v1/compliance/reviews/${kind}`, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
        });
        say(`${kind} review recorded by ${review.reviewed_by} at ${formatTime(review.reviewed_at)}.`);
        await dashboardPage();
      } catch (error) { say(`Not recorded: ${error.message}`, true); }
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
      value.missing.length ? `Still missing: ${value.missing.join(", ")}` : "Complete.");
  };
  showProfile(profile);
  profileForm.onsubmit = async (event) => {
    event.preventDefault();
    try { showProfile(await send("/api/v1/compliance/profile", "PUT", formValues(profileForm))); say("Profile saved."); }
    catch (error) { say(`Not saved: ${error.message}`, true); }
  };
  const reloadAll = async () => {
    const [locations, sites, purposes, cameras] = await Promise.all([
      api("/api/v1/compliance/storage-locations"), api("/api/v1/sites"),
      api("/api/v1/purposes"), api("/api/v1/cameras")]);
    document.querySelector("#locations tbody").replaceChildren(...locations.map((item) => {
      const remove = el("button", { type: "button", class: "secondary", text: "Remove" });
      remove.onclick = () => act(() => api(`/api/v1/compliance/storage-locations/${item.id}`, { method: "DELETE" }), "Removed.");
      return el("tr", {}, el("td", { text: item.name }), el("td", { text: item.country }),
        el("td", { text: item.regime_note }), el("td", {}, remove));
    }));
    document.querySelector("#site-list tbody").replaceChildren(...sites.map((site) => {
      const remove = el("button", { type: "button", class: "secondary", text: "Remove" });
      remove.onclick = () => act(() => api(`/api/v1/sites/${site.id}`, { method: "DELETE" }), "Removed.");
      return el("tr", {}, el("td", { text: site.name }), el("td", { text: site.address }),
        el("td", { text: site.public ? "by name" : "as “Site N”" }), el("td", {}, remove));
    }));
    document.querySelector("#purpose-list tbody").replaceChildren(...purposes.map((item) => {
      const remove = el("button", { type: "button", class: "secondary", text: "Remove" });
      remove.onclick = () => act(() => api(`/api/v1/purposes/${item.id}`, { method: "DELETE" }), "Removed.");
      return el("tr", {}, el("td", { text: item.code }), el("td", { text: item.name_ja }),
        el("td", { text: item.name_en }), el("td", {}, remove));
    }));
    const siteOf = new Map();
    for (const site of sites) for (const id of site.camera_ids) siteOf.set(id, site.id);
    const sections = [];
    for (const camera of cameras) sections.push(await cameraSection(camera, sites, purposes, siteOf));
    document.getElementById("camera-sections").replaceChildren(...sections);
    document.getElementById("admin-content").dataset.ready = "true";
  };
  const act = async (action, message) => {
    try { await action(); say(message); await reloadAll(); } catch (error) { say(`Not done: ${error.message}`, true); }
  };
  const bind = (id, path, reset = true) => {
    const form = document.getElementById(id);
    form.onsubmit = (event) => {
      event.preventDefault();
      act(async () => { await send(path, "POST", formValues(form)); if (reset) form.reset(); }, "Added.");
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
  const savePurposes = el("button", { type: "button", text: "Save purposes" });
  const siteSelect = el("select", { "aria-label": `Site of ${camera.name}` },
    el("option", { value: "", text: "No site" }),
    ...sites.map((site) => Object.assign(el("option", { value: String(site.id), text: site.name }),
      { selected: siteOf.get(camera.id) === site.id })));
  const saveSite = el("button", { type: "button", class: "secondary", text: "Save site" });
  const hours = el("input", { type: "number", min: "1", max: "87600", value: String(camera.retention_hours),
    "aria-label": `Retention in hours (${camera.name})` });
  const reason = el("input", { maxlength: "2000", value: camera.retention_justification || "",
    placeholder: "Why longer than 72 h", "aria-label": `Retention justification (${camera.name})` });
  const saveRetention = el("button", { type: "button", class: "secondary", text: "Save retention" });
  saveRetention.onclick = async () => {
    try {
      await send(`/api/v1/cameras/${camera.id}`, "PATCH",
        { retention_hours: Number(hours.value), retention_justification: reason.value || null });
      await window.reloadRecords();
      say(`Retention of ${camera.name} saved.`);
    } catch (error) { report(`Not saved: ${error.message}`, true); }
  };
  const signText = sign ? `Sign put up ${sign.installed_on} by ${sign.installed_by}` +
    (sign.needs_reprint ? " — purposes changed since: reprint and attest again." : " (current).") : "No sign attested.";
  const date = el("input", { type: "date", "aria-label": `Sign put up on (${camera.name})` });
  date.valueAsDate = new Date();
  const who = el("input", { "aria-label": `Sign put up by (${camera.name})`, maxlength: "100", placeholder: "Who put it up" });
  const photo = el("input", { type: "file", accept: "image/jpeg,image/png", "aria-label": `Photo of the sign (${camera.name})` });
  const attest = el("button", { type: "button", text: "Sign is up" });
  const status = el("p", { role: "status", class: "small" });
  const report = (message, isError = false) => { text(status, message); status.className = isError ? "small error" : "small"; };
  savePurposes.onclick = async () => {
    const codes = boxes.map((box) => box.querySelector("input")).filter((box) => box.checked).map((box) => box.value);
    try {
      await send(`/api/v1/cameras/${camera.id}/purposes`, "PUT", { purposes: codes });
      await window.reloadRecords();
      say(`Purposes of ${camera.name} saved.`);
    }
    catch (error) { report(`Not saved: ${error.message}`, true); }
  };
  saveSite.onclick = async () => {
    try {
      await send(`/api/v1/cameras/${camera.id}/site`, "PUT", { site_id: siteSelect.value ? Number(siteSelect.value) : null });
      await window.reloadRecords();
      say(`Site of ${camera.name} saved.`);
    }
    catch (error) { report(`Not saved: ${error.message}`, true); }
  };
  attest.onclick = async () => {
    const query = new URLSearchParams({ installed_on: date.value, installed_by: who.value });
    const file = photo.files[0];
    try {
      await api(`/api/v1/cameras/${camera.id}/sign-attestations?${query}`, {
        method: "POST", headers: file ? { "Content-Type": file.type } : {}, body: file || null,
      });
      await window.reloadRecords();
      say(`Sign of ${camera.name} attested.`);
    } catch (error) { report(`Not recorded: ${error.message}`, true); }
  };
  return el("div", { class: "camera-record", id: `camera-${camera.id}` },
    el("h3", { text: `${camera.name} — ${camera.status}` }),
    el("p", { class: "muted small", text: camera.status_reason || "" }),
    el("div", { class: "checks" }, ...boxes), el("div", { class: "toolbar" }, savePurposes, siteSelect, saveSite,
      el("a", { href: `/signage?camera=${camera.id}`, text: "Sign preview" })),
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
  if (!base) { showDenied({ message: "no camera or site chosen" }); return; }
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
