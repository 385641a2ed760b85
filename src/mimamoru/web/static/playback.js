"use strict";
// The playback page: a day of one camera on a timeline, played through SegmentPlayer.

const PLAYBACK_STRINGS = {
  noCamera: t("No camera selected."),
  loading: t("Loading recordings…"),
  notFound: t("This camera does not exist, or you have no access to it."),
  noPlayback: t("You may not play back this camera's recordings."),
  failed: (detail) => t("Could not load the recordings: {detail}", { detail }),
  noRecordings: t("No recordings on this day."),
  outOfWindow: t("This day lies beyond how far back you may play recordings."),
  noneAt: t("No recording at or after that time on this day."),
  noMse: t("This browser cannot play recordings (no Media Source Extensions)."),
  paused: t("Paused"),
  playing: (rate) => t("Playing at {rate}×", { rate: formatNumber(rate) }),
  end: t("End of the recordings. New ones appear here as they are made."),
  play: t("Play"),
  pause: t("Pause"),
  zone: (zone) => t("Times in {zone}", { zone }),
  badTime: t("Enter a time as HH:MM:SS."),
};

const SEEK_STEP_MS = 5000;
const NOW_LEAD_MS = 5000; // "Now" starts this much before the newest recorded picture
const TODAY_REFRESH_MS = 10000;

function toMs(iso) { return Date.parse(iso); }

function dayOf(json) {
  const ranges = json.ranges.map((range) => ({
    startMs: toMs(range.start), endMs: toMs(range.end),
    segments: range.segments.map((s) => ({
      id: s.id, startMs: toMs(s.start), endMs: toMs(s.end), frameCount: s.frame_count,
    })),
  }));
  return {
    day: json.day, startMs: toMs(json.start), endMs: toMs(json.end),
    reachableMs: toMs(json.reachable_from), nowMs: toMs(json.now), ranges,
    gaps: json.gaps.map((gap) => ({ startMs: toMs(gap.start), endMs: toMs(gap.end) })),
    holds: json.holds.map((hold) => ({ startMs: toMs(hold.start), endMs: toMs(hold.end) })),
    pieces: ranges.flatMap((range) => range.segments),
  };
}

function shiftDay(day, days) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

async function playbackPage() {
  const params = new URLSearchParams(window.location.search);
  const cameraId = Number.parseInt(params.get("camera") || "", 10);
  const state = document.getElementById("playback-state");
  const video = document.getElementById("playback-video");
  const clock = document.getElementById("playback-time");
  const dayInput = document.getElementById("day");
  const playButton = document.getElementById("play");
  const speed = document.getElementById("speed");
  const zoom = document.getElementById("zoom");
  const gotoInput = document.getElementById("goto-time");
  const controls = document.getElementById("playback-controls");
  const say = (message, kind = "info") => { text(state, message); state.dataset.state = kind; };
  text(document.getElementById("zone"), PLAYBACK_STRINGS.zone(siteZone()));

  if (!Number.isInteger(cameraId)) { say(PLAYBACK_STRINGS.noCamera, "error"); return; }
  let camera;
  try {
    camera = await api(`/api/v1/cameras/${cameraId}`);
  } catch (error) {
    controls.hidden = true;
    if (error.status === 404) showDenied(state, PLAYBACK_STRINGS.notFound, cameraId, "playback");
    else say(PLAYBACK_STRINGS.failed(error.message), "error");
    return;
  }
  text(document.getElementById("camera-name"), camera.name);
  // Recordings play whatever the camera does now; its state (offline since when) is shown too.
  const detail = document.getElementById("camera-detail");
  text(detail, cameraStateText(camera));
  detail.dataset.state = camera.status;
  const liveLink = document.getElementById("live-link");
  liveLink.href = `/live?camera=${cameraId}`;
  liveLink.hidden = !camera.operations.includes("live");
  if (!camera.operations.includes("playback")) {
    controls.hidden = true;
    showDenied(state, PLAYBACK_STRINGS.noPlayback, cameraId, "playback");
    return;
  }
  if (!("MediaSource" in window)) { say(PLAYBACK_STRINGS.noMse, "error"); return; }

  let day = null;
  const player = new SegmentPlayer(video, (message) => say(message, "error"));
  const timeline = createTimeline(document.getElementById("timeline"), (ms) => seekTo(ms));

  async function loadDay(wanted) {
    say(PLAYBACK_STRINGS.loading, "loading");
    try {
      day = dayOf(await api(`/api/v1/cameras/${cameraId}/timeline?day=${wanted}`));
    } catch (error) {
      // The camera allows playback, so a refusal here is the grant's playback window.
      if (error.status === 404) showDenied(state, PLAYBACK_STRINGS.outOfWindow, cameraId, "playback");
      else say(PLAYBACK_STRINGS.failed(error.message), "error");
      return false;
    }
    dayInput.value = day.day;
    timeline.show(day);
    player.setPieces(day.pieces);
    if (day.pieces.length === 0) say(PLAYBACK_STRINGS.noRecordings, "empty");
    else say(PLAYBACK_STRINGS.paused, "ready");
    const url = new URL(window.location.href);
    url.searchParams.set("day", day.day);
    window.history.replaceState(null, "", url);
    return true;
  }

  async function seekTo(ms) {
    if (!day || !day.pieces.length) return;
    if (!(await player.seek(ms))) say(PLAYBACK_STRINGS.noneAt, "empty");
    else if (state.dataset.state !== "error") showPlaying();
  }

  async function openDay(wanted) {
    video.pause();
    if (await loadDay(wanted) && day.pieces.length) await seekTo(day.pieces[0].startMs);
  }

  async function jumpToNow() {
    const today = formatDay(Date.now());
    if (!day || day.day !== today) { if (!(await loadDay(today))) return; }
    else await refreshToday();
    if (!day.pieces.length) { say(PLAYBACK_STRINGS.noRecordings, "empty"); return; }
    const last = day.ranges[day.ranges.length - 1];
    await seekTo(Math.max(last.startMs, last.endMs - NOW_LEAD_MS));
    video.play().catch(() => null);
  }

  async function refreshToday() {
    if (!day || day.day !== formatDay(Date.now())) return;
    try {
      day = dayOf(await api(`/api/v1/cameras/${cameraId}/timeline?day=${day.day}`));
      timeline.show(day);
      player.setPieces(day.pieces);
    } catch (error) { /* the next refresh tries again; playback goes on */ }
  }

  function showPlaying() {
    if (player.atEnd()) say(PLAYBACK_STRINGS.end, "end");
    else say(video.paused ? PLAYBACK_STRINGS.paused : PLAYBACK_STRINGS.playing(video.playbackRate),
      video.paused ? "paused" : "playing");
  }

  function togglePlay() {
    if (video.paused) video.play().catch(() => null); else video.pause();
  }

  // The clock and the timeline follow the picture, every animation frame.
  function follow() {
    const ms = player.wallTime();
    const entry = player.current();
    if (ms !== null) {
      text(clock, formatDateTime(ms));
      clock.dataset.wallMs = String(Math.round(ms));
      timeline.setCursor(ms);
    }
    if (entry) {
      video.dataset.segment = String(entry.piece.id);
      video.dataset.segmentOffset = (video.currentTime - entry.mediaStart).toFixed(3);
    }
    window.requestAnimationFrame(follow);
  }
  window.requestAnimationFrame(follow);

  video.addEventListener("play", () => { text(playButton, PLAYBACK_STRINGS.pause); showPlaying(); });
  video.addEventListener("pause", () => { text(playButton, PLAYBACK_STRINGS.play); showPlaying(); });
  video.addEventListener("waiting", () => { if (player.atEnd()) showPlaying(); });
  video.addEventListener("ratechange", showPlaying);
  playButton.addEventListener("click", togglePlay);
  speed.addEventListener("change", () => { video.playbackRate = Number(speed.value); });
  const relative = (deltaMs) => { const ms = player.wallTime(); if (ms !== null) seekTo(ms + deltaMs); };
  document.getElementById("seek-back").addEventListener("click", () => relative(-SEEK_STEP_MS));
  document.getElementById("seek-forward").addEventListener("click", () => relative(SEEK_STEP_MS));
  document.getElementById("frame-back").addEventListener("click", () => player.step(-1));
  document.getElementById("frame-forward").addEventListener("click", () => player.step(1));
  document.getElementById("now").addEventListener("click", jumpToNow);
  document.getElementById("day-previous").addEventListener("click", () => openDay(shiftDay(dayInput.value, -1)));
  document.getElementById("day-next").addEventListener("click", () => openDay(shiftDay(dayInput.value, 1)));
  dayInput.addEventListener("change", () => { if (dayInput.value) openDay(dayInput.value); });
  zoom.addEventListener("change", () => timeline.zoom(Number(zoom.value) * 1000));
  document.getElementById("goto-form").addEventListener("submit", (event) => {
    event.preventDefault();
    // The 24-hour clock the page shows (the time input's value is always that, whatever the
    // browser displays); compared with the language-independent site wall clock.
    const match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(gotoInput.value.trim());
    if (!match || !day || Number(match[1]) > 23) { say(PLAYBACK_STRINGS.badTime, "error"); return; }
    const wanted = `${day.day} ${match[1].padStart(2, "0")}:${match[2]}:${match[3] || "00"}`;
    // The zone's wall time: find the instant of the day that formats as the wanted time.
    const seconds = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3] || 0);
    let ms = day.startMs + seconds * 1000;
    for (const shift of [0, -HOUR_MS, HOUR_MS]) { // daylight saving time moves it by an hour
      if (siteWallClock(ms + shift) === wanted) { ms += shift; break; }
    }
    seekTo(ms);
  });
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement ||
        target instanceof HTMLTextAreaElement) return;
    const onControl = target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement;
    if (event.key === " " && !onControl) { event.preventDefault(); togglePlay(); }
    else if (event.key === "ArrowLeft") { event.preventDefault(); relative(-SEEK_STEP_MS); }
    else if (event.key === "ArrowRight") { event.preventDefault(); relative(SEEK_STEP_MS); }
    else if (event.key === ",") player.step(-1);
    else if (event.key === ".") player.step(1);
  });
  setInterval(refreshToday, TODAY_REFRESH_MS);

  const at = params.get("t") ? Date.parse(params.get("t")) : Number.NaN;
  const wantedDay = params.get("day") || (Number.isFinite(at) ? formatDay(at) : formatDay(Date.now()));
  if (!(await loadDay(wantedDay)) || !day.pieces.length) return;
  if (Number.isFinite(at)) await seekTo(at);
  else if (day.day === formatDay(Date.now())) {
    const last = day.ranges[day.ranges.length - 1];
    await seekTo(Math.max(last.startMs, last.endMs - NOW_LEAD_MS));
  } else await seekTo(day.pieces[0].startMs);
}

PAGES.playback = playbackPage;
