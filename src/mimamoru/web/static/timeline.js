"use strict";
// The playback timeline: one day (or a zoomed part of it) with recorded ranges, gaps and
// evidence holds. Pointer events, so mouse, pen and touch all click or drag to seek.

const TIMELINE_STRINGS = {
  label: t("Timeline"),
  hold: (start, end) => t("Evidence hold {start} – {end}", { start, end }),
  recorded: (start, end) => t("Recorded {start} – {end}", { start, end }),
};

const HOUR_MS = 3600 * 1000;
// Tick spacing for the span shown: about 8 labels whatever the zoom.
const TICK_STEPS_MS = [60 * 1000, 5 * 60 * 1000, 10 * 60 * 1000, 30 * 60 * 1000, HOUR_MS, 3 * HOUR_MS];

function createTimeline(root, onSeek) {
  let day = null; // { startMs, endMs, reachableMs, ranges, gaps, holds } (epoch ms)
  let view = null; // { start, end }: the part of the day shown
  let cursorMs = null;
  let dragging = null;
  const layer = document.createElement("div");
  const cursor = document.createElement("div");
  cursor.className = "cursor";
  const preview = document.createElement("div");
  preview.className = "cursor preview";
  preview.hidden = true;
  root.append(layer, cursor, preview);
  root.setAttribute("role", "slider");
  root.setAttribute("aria-label", TIMELINE_STRINGS.label);
  root.tabIndex = 0;

  const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
  const at = (ms) => `${((ms - view.start) / (view.end - view.start)) * 100}%`;
  const width = (start, end) => `${((Math.min(end, view.end) - Math.max(start, view.start)) / (view.end - view.start)) * 100}%`;

  function msAt(clientX) {
    const box = root.getBoundingClientRect();
    return view.start + clamp((clientX - box.left) / box.width, 0, 1) * (view.end - view.start);
  }

  function bar(className, start, end, title) {
    if (end <= view.start || start >= view.end) return null;
    const element = document.createElement("div");
    element.className = className;
    element.style.left = at(Math.max(start, view.start));
    element.style.width = width(start, end);
    if (title) element.title = title;
    return element;
  }

  function ticks() {
    const span = view.end - view.start;
    const step = TICK_STEPS_MS.find((candidate) => span / candidate <= 10) || TICK_STEPS_MS[TICK_STEPS_MS.length - 1];
    const out = [];
    for (let ms = day.startMs + Math.ceil((view.start - day.startMs) / step) * step; ms <= view.end; ms += step) {
      const tick = document.createElement("span");
      tick.className = "tick";
      tick.style.left = at(ms);
      tick.textContent = ms >= day.endMs ? "24:00" : formatClock(ms).slice(0, 5);
      out.push(tick);
    }
    return out;
  }

  function render() {
    if (!day) return;
    const parts = [];
    if (day.reachableMs > day.startMs) parts.push(bar("unreachable", day.startMs, day.reachableMs));
    for (const gap of day.gaps) parts.push(bar("gap", gap.startMs, gap.endMs));
    for (const range of day.ranges) {
      parts.push(bar("range", range.startMs, range.endMs,
        TIMELINE_STRINGS.recorded(formatClock(range.startMs), formatClock(range.endMs))));
    }
    for (const hold of day.holds) {
      parts.push(bar("hold", hold.startMs, hold.endMs,
        TIMELINE_STRINGS.hold(formatDateTime(hold.startMs), formatDateTime(hold.endMs))));
    }
    layer.replaceChildren(...parts.filter(Boolean), ...ticks());
    root.setAttribute("aria-valuemin", "0");
    root.setAttribute("aria-valuemax", String(Math.round((day.endMs - day.startMs) / 1000)));
    placeCursor();
  }

  function placeCursor() {
    const shown = cursorMs !== null && cursorMs >= view.start && cursorMs <= view.end;
    cursor.hidden = !shown;
    if (shown) cursor.style.left = at(cursorMs);
    if (cursorMs !== null) {
      root.setAttribute("aria-valuenow", String(Math.round((cursorMs - day.startMs) / 1000)));
      root.setAttribute("aria-valuetext", formatDateTime(cursorMs));
    }
  }

  root.addEventListener("pointerdown", (event) => {
    if (!day || event.button > 0) return;
    dragging = event.pointerId;
    root.setPointerCapture(event.pointerId);
    preview.hidden = false;
    preview.style.left = at(msAt(event.clientX));
  });
  root.addEventListener("pointermove", (event) => {
    if (dragging !== event.pointerId) return;
    const ms = msAt(event.clientX);
    preview.style.left = at(ms);
    root.setAttribute("aria-valuetext", formatDateTime(ms));
  });
  root.addEventListener("pointerup", (event) => {
    if (dragging !== event.pointerId) return;
    dragging = null;
    preview.hidden = true;
    onSeek(msAt(event.clientX));
  });
  root.addEventListener("pointercancel", () => { dragging = null; preview.hidden = true; });
  new ResizeObserver(() => render()).observe(root);

  return {
    // `data`: the day in epoch ms. Keeps the zoom, moved to stay within the day.
    show(data) {
      const span = view ? view.end - view.start : data.endMs - data.startMs;
      day = data;
      this.zoom(span);
    },
    // Show `span` ms around the cursor (the whole day when `span` is longer).
    zoom(span) {
      if (!day) return;
      const full = day.endMs - day.startMs;
      const length = Math.min(span, full);
      const centre = cursorMs !== null ? cursorMs : day.startMs + full / 2;
      const start = clamp(centre - length / 2, day.startMs, day.endMs - length);
      view = { start, end: start + length };
      render();
    },
    setCursor(ms) {
      cursorMs = ms;
      if (!day) return;
      // Zoomed in: follow the playhead when it leaves the part shown.
      if (ms !== null && (ms < view.start || ms > view.end) && ms >= day.startMs && ms <= day.endMs) {
        this.zoom(view.end - view.start);
        return;
      }
      placeCursor();
    },
  };
}
