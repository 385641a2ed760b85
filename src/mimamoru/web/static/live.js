"use strict";
// Live video: the recorder's fMP4 fragments over the gated WebSocket into Media Source
// Extensions (api/live.py), for the live page and every tile of the grid.

const LIVE_STRINGS = {
  noCamera: t("No camera selected."),
  connecting: t("Connecting…"),
  live: t("Live"),
  reconnecting: t("Connection lost. Reconnecting…"),
  ended: (reason) => t("The live view was ended by the server: {reason}", { reason }),
  notAvailable: (detail) => t("Camera not available: {detail}", { detail }),
  notFound: t("This camera does not exist, or you have no access to it."),
  noLive: t("You may not watch this camera live."),
  requestAccess: t("Request access"),
  noMse: t("This browser cannot play live video."),
  snapshotTaking: t("Taking a snapshot…"),
  snapshotTaken: (time) => t("Snapshot taken at {time}", { time }),
  snapshotNone: t("No picture from this camera yet; try again in a few seconds."),
  snapshotFailed: (detail) => t("Snapshot failed: {detail}", { detail }),
  snapshotDownload: t("Download snapshot"),
  snapshotAlt: (name) => t("Snapshot of {name}", { name }),
  recording: (start, end) => t("{start} – {end}", { start, end }),
  recordingsNone: t("No recordings in the last hour."),
  recordingsCount: (n) => tn("{n} segment; newest first.", "{n} segments; newest first.", n),
  recordingsFailed: (detail) => t("Could not load recordings: {detail}", { detail }),
  noPlayback: t("You may not play back this camera's recordings."),
};

const LIVE_BEHIND_LIMIT_S = 30; // buffer kept behind the playhead before trimming
const LIVE_MAX_LAG_S = 3; // further behind the newest fragment than this: jump ahead

// Plays camera `cameraId` live in `video`; `onState(state, detail)` hears "live",
// "disconnected" and "ended" (the server closed the view: logged out or grant withdrawn).
// Returns a function that stops the view.
function playLive(video, cameraId, onState) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  let socket = null;
  let closedByUs = false;
  let retry = null;
  function connect() {
    const mediaSource = new MediaSource();
    let sourceBuffer = null;
    let codec = null;
    const pending = [];
    const previous = video.src;
    video.src = URL.createObjectURL(mediaSource);
    if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
    function pump() {
      if (!sourceBuffer || sourceBuffer.updating || pending.length === 0) return;
      // Keep only a short buffer behind the playhead: this is live, not playback.
      if (video.buffered.length && video.currentTime - video.buffered.start(0) > LIVE_BEHIND_LIMIT_S) {
        sourceBuffer.remove(video.buffered.start(0), video.currentTime - 10);
        return;
      }
      sourceBuffer.appendBuffer(pending.shift());
    }
    mediaSource.addEventListener("sourceopen", () => {
      if (closedByUs) return;
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
                if (end - video.currentTime > LIVE_MAX_LAG_S) video.currentTime = end - 0.5;
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
      socket.addEventListener("close", (event) => {
        if (closedByUs) return;
        if (event.code === 1008) { // policy: the session ended or the grant was withdrawn
          onState("ended", event.reason);
          return;
        }
        onState("disconnected");
        retry = setTimeout(connect, 2000);
      });
    }, { once: true });
  }
  connect();
  return () => {
    closedByUs = true;
    clearTimeout(retry);
    if (socket) socket.close();
    if (video.src.startsWith("blob:")) URL.revokeObjectURL(video.src);
    video.removeAttribute("src");
    video.load();
  };
}

// "Request access" link for a camera and operation (the requests page handles the rest).
function requestLink(cameraId, operation) {
  const link = document.createElement("a");
  link.href = `/requests?camera=${cameraId}&operation=${operation}`;
  link.className = "button";
  link.textContent = LIVE_STRINGS.requestAccess;
  return link;
}

// Replaces `element`'s content with a refusal message and a request link.
function showDenied(element, message, cameraId, operation) {
  element.replaceChildren(message, " ", requestLink(cameraId, operation));
  element.dataset.state = "denied";
  element.classList.add("denied");
}

async function takeSnapshot(cameraId, cameraName) {
  const state = document.getElementById("snapshot-state");
  const figure = document.getElementById("snapshot");
  text(state, LIVE_STRINGS.snapshotTaking);
  try {
    const response = await fetch(`/api/v1/cameras/${cameraId}/snapshot`, { credentials: "same-origin" });
    if (response.status === 503) { text(state, LIVE_STRINGS.snapshotNone); return; }
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
      throw new Error(detail);
    }
    const taken = Date.now();
    const url = URL.createObjectURL(await response.blob());
    const image = figure.querySelector("img");
    const link = figure.querySelector("a");
    if (image.src.startsWith("blob:")) URL.revokeObjectURL(image.src);
    image.src = url;
    image.alt = LIVE_STRINGS.snapshotAlt(cameraName);
    link.href = url;
    link.download = `${cameraName}-${siteWallClock(taken).replace(/[: ]/g, "-")}.jpg`;
    link.textContent = LIVE_STRINGS.snapshotDownload;
    figure.hidden = false;
    text(state, LIVE_STRINGS.snapshotTaken(formatDateTime(taken)));
    state.dataset.state = "taken";
  } catch (error) {
    text(state, LIVE_STRINGS.snapshotFailed(error.message));
    state.dataset.state = "error";
  }
}

async function livePage() {
  const params = new URLSearchParams(window.location.search);
  const cameraId = Number.parseInt(params.get("camera") || "", 10);
  const status = document.getElementById("camera-status");
  const video = document.getElementById("live-video");
  if (!Number.isInteger(cameraId)) { text(status, LIVE_STRINGS.noCamera); return; }
  let camera;
  try {
    camera = await api(`/api/v1/cameras/${cameraId}`);
  } catch (error) {
    video.hidden = true;
    if (error.status === 404) showDenied(status, LIVE_STRINGS.notFound, cameraId, "live");
    else text(status, LIVE_STRINGS.notAvailable(error.message));
    status.dataset.state = error.status === 404 ? "denied" : "error";
    return;
  }
  text(document.getElementById("camera-name"), camera.name);
  const playbackLink = document.getElementById("playback-link");
  playbackLink.href = `/playback?camera=${cameraId}`;
  playbackLink.hidden = !camera.operations.includes("playback");
  // The recordings of the last hour, for whoever may play them back (with or without live).
  const showRecordings = async () => {
    if (!camera.operations.includes("playback")) {
      const state = document.getElementById("recordings-state");
      text(state, LIVE_STRINGS.noPlayback);
      state.dataset.ready = "true";
      return;
    }
    await loadRecordings(cameraId);
    // New segments are finished every few seconds; keep the list current while the page is open.
    setInterval(() => loadRecordings(cameraId), RECORDINGS_REFRESH_MS);
  };
  if (!camera.operations.includes("live")) {
    video.hidden = true;
    showDenied(status, LIVE_STRINGS.noLive, cameraId, "live");
    await showRecordings();
    return;
  }
  const snapshotButton = document.getElementById("snapshot-button");
  snapshotButton.hidden = false;
  snapshotButton.addEventListener("click", () => takeSnapshot(cameraId, camera.name));
  const detail = document.getElementById("camera-detail");
  const showCamera = (current) => {
    text(detail, cameraStateText(current));
    detail.dataset.state = current.status;
  };
  showCamera(camera);
  if (!("MediaSource" in window)) { text(status, LIVE_STRINGS.noMse); return; }
  text(status, LIVE_STRINGS.connecting);
  playLive(video, cameraId, (state, reason) => {
    if (state === "live") text(status, LIVE_STRINGS.live);
    else if (state === "ended") text(status, LIVE_STRINGS.ended(apiMessage(reason || "")));
    else text(status, LIVE_STRINGS.reconnecting);
    video.dataset.state = state;
    status.dataset.state = state;
  });
  // ?latency=1: live latency from the test pattern's time stripe (static/timestripe.js).
  if (typeof showLatencyOverlay === "function") showLatencyOverlay(video);
  // The camera's state (offline, and since when) is polled; the video says the rest.
  setInterval(() => api(`/api/v1/cameras/${cameraId}`).then(showCamera).catch(() => null), 5000);
  await showRecordings();
}

const RECORDINGS_REFRESH_MS = 5000;

async function loadRecordings(cameraId) {
  const state = document.getElementById("recordings-state");
  const list = document.getElementById("recordings");
  const end = new Date();
  const start = new Date(end.getTime() - 3600 * 1000);
  const query = new URLSearchParams({ start: start.toISOString(), end: end.toISOString() });
  try {
    const recordings = await api(`/api/v1/cameras/${cameraId}/recordings?${query}`);
    list.replaceChildren(...recordings.slice(-10).reverse().map((recording) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/playback?camera=${cameraId}&t=${encodeURIComponent(recording.start)}`;
      link.textContent = LIVE_STRINGS.recording(formatDateTime(Date.parse(recording.start)), formatClock(Date.parse(recording.end)));
      item.append(link);
      return item;
    }));
    text(state, recordings.length ? LIVE_STRINGS.recordingsCount(recordings.length) : LIVE_STRINGS.recordingsNone);
    state.dataset.ready = "true";
  } catch (error) {
    text(state, LIVE_STRINGS.recordingsFailed(error.message));
    state.dataset.ready = "true";
  }
}

PAGES.live = livePage;
