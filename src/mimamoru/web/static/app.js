"use strict";
// mimamoru browser UI. No framework, no build step: pages are shells and all
// camera data comes from the gated JSON API and the live WebSocket.

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", ...options });
  if (response.status === 401) {
    window.location.assign("/login");
    throw new Error("not logged in");
  }
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
    throw new Error(detail);
  }
  return response.status === 204 ? null : response.json();
}

function text(element, value) { element.textContent = value; }

function formatTime(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
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
    const body = JSON.stringify({
      username: form.username.value, password: form.password.value,
    });
    const response = await fetch("/api/v1/auth/login", {
      method: "POST", headers: { "Content-Type": "application/json" }, body,
    });
    if (response.ok) {
      window.location.assign("/cameras");
    } else {
      text(error, response.status === 401 ? "Wrong user name or password." : "Login failed.");
      error.hidden = false;
    }
  });
}

function statusBadge(camera) {
  const badge = document.createElement("span");
  badge.className = `badge ${camera.status}`;
  badge.textContent = camera.status;
  if (camera.status_reason) badge.title = camera.status_reason;
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
          camera.fps.toFixed(1), camera.bitrate_kbps.toFixed(0)];
        cells.forEach((value) => {
          const cell = document.createElement("td");
          if (value === null) cell.append(statusBadge(camera)); else cell.textContent = value;
          row.append(cell);
        });
        const link = document.createElement("a");
        link.href = `/live?camera=${camera.id}`;
        link.textContent = "Live";
        const linkCell = document.createElement("td");
        linkCell.append(link);
        row.append(linkCell);
        return row;
      }));
      table.hidden = cameras.length === 0;
      text(state, cameras.length === 0 ? "No cameras yet. Add one with `mimamoru camera add`." : "");
    } catch (error) {
      text(state, `Could not load cameras: ${error.message}`);
    }
  }
  await refresh();
  setInterval(refresh, 3000);
}

function playLive(video, cameraId, onState) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  let socket = null;
  let closedByUs = false;
  function connect() {
    const mediaSource = new MediaSource();
    let sourceBuffer = null;
    let codec = null;
    const pending = [];
    video.src = URL.createObjectURL(mediaSource);
    function pump() {
      if (!sourceBuffer || sourceBuffer.updating || pending.length === 0) return;
      // Keep only a short buffer behind the playhead: this is live, not playback.
      if (video.buffered.length && video.currentTime - video.buffered.start(0) > 30) {
        sourceBuffer.remove(video.buffered.start(0), video.currentTime - 10);
        return;
      }
      sourceBuffer.appendBuffer(pending.shift());
    }
    mediaSource.addEventListener("sourceopen", () => {
      socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/cameras/${cameraId}/live`);
      socket.binaryType = "arraybuffer";
      socket.addEventListener("message", (event) => {
        if (typeof event.data === "string") {
          const message = JSON.parse(event.data);
          if (message.type === "init" && message.codec !== codec) {
            codec = message.codec;
            if (!sourceBuffer) {
              sourceBuffer = mediaSource.addSourceBuffer(`video/mp4; codecs="${codec}"`);
              sourceBuffer.mode = "sequence";
              sourceBuffer.addEventListener("updateend", () => {
                pump();
                const end = video.buffered.length ? video.buffered.end(video.buffered.length - 1) : 0;
                if (end - video.currentTime > 3) video.currentTime = end - 0.5;
                if (video.paused) video.play().catch(() => null);
              });
            } else {
              sourceBuffer.changeType(`video/mp4; codecs="${codec}"`);
            }
          }
          return;
        }
        pending.push(event.data);
        pump();
        onState("live");
      });
      socket.addEventListener("close", () => {
        onState("disconnected");
        if (!closedByUs) setTimeout(connect, 2000);
      });
    }, { once: true });
  }
  connect();
  return () => { closedByUs = true; if (socket) socket.close(); };
}

async function livePage() {
  const params = new URLSearchParams(window.location.search);
  const cameraId = Number.parseInt(params.get("camera") || "", 10);
  const status = document.getElementById("camera-status");
  if (!Number.isInteger(cameraId)) { text(status, "No camera selected."); return; }
  try {
    const camera = await api(`/api/v1/cameras/${cameraId}`);
    text(document.getElementById("camera-name"), camera.name);
    text(status, camera.status === "recording" ? "Connecting…" :
      `Camera is ${camera.status}${camera.status_reason ? `: ${camera.status_reason}` : ""}`);
  } catch (error) {
    text(status, `Camera not available: ${error.message}`);
    return;
  }
  if (!("MediaSource" in window)) { text(status, "This browser cannot play live video."); return; }
  const video = document.getElementById("live-video");
  playLive(video, cameraId, (state) => {
    text(status, state === "live" ? "Live" : "Reconnecting…");
    video.dataset.state = state;
  });
  await loadRecordings(cameraId);
}

async function loadRecordings(cameraId) {
  const state = document.getElementById("recordings-state");
  const list = document.getElementById("recordings");
  const end = new Date();
  const start = new Date(end.getTime() - 3600 * 1000);
  const query = new URLSearchParams({ start: start.toISOString(), end: end.toISOString() });
  try {
    const recordings = await api(`/api/v1/cameras/${cameraId}/recordings?${query}`);
    list.replaceChildren(...recordings.slice(-20).reverse().map((recording) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/api/v1/recordings/${recording.id}`;
      link.textContent = `${formatTime(recording.start)} – ${formatTime(recording.end)}`;
      item.append(link, ` (${Math.round(recording.bytes / 1024)} KiB)`);
      return item;
    }));
    text(state, recordings.length ? `${recordings.length} segments; newest first.` : "No recordings in the last hour.");
  } catch (error) {
    text(state, `Could not load recordings: ${error.message}`);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setupLogout();
  const page = document.body.dataset.page;
  if (page === "login") loginPage();
  else if (page === "cameras") camerasPage();
  else if (page === "live") livePage();
});
