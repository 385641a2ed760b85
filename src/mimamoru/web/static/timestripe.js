"use strict";
// Reads the time stripe of the test pattern (test://pattern?...&clock=1) from a playing
// <video> and, on a page opened with ?latency=1, shows the live latency in a small overlay.
// The layout is defined in media/timestripe.py; keep the two readers in step.

const TIMESTRIPE_STRINGS = {
  latency: (ms) => t("Latency: {ms} ms", { ms: formatNumber(ms) }),
  latencyWaiting: t("Latency: reading the time stripe…"),
  latencyNoStripe: t("Latency: no time stripe in this picture (use a test pattern with clock=1)"),
};

const TIMESTRIPE = {
  guard: [1, 0, 1],
  timeBits: 48,
  checkBits: 8,
  minBlock: 8,
  low: 96,   // a block at or below this is black
  high: 160, // at or above this, white; anything between is refused
};
TIMESTRIPE.blocks = 2 * TIMESTRIPE.guard.length + TIMESTRIPE.timeBits + TIMESTRIPE.checkBits;

let timestripeCanvas = null;

function timestripeGeometry(width) {
  if (width < TIMESTRIPE.blocks * TIMESTRIPE.minBlock) return null;
  const block = Math.floor(width / TIMESTRIPE.blocks) & ~1;
  const left = Math.floor((width - block * TIMESTRIPE.blocks) / 2) & ~1;
  return { block, left };
}

function timestripeCrc8(bytes) {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
  }
  return crc;
}

// bits -> UTC milliseconds since the epoch, or null if the guards or the CRC disagree.
// 48 bits exceed JavaScript's 32-bit bitwise operators, so the value is built by arithmetic
// (exact: a Number holds integers up to 2^53).
function timestripeDecodeBits(bits) {
  const guard = TIMESTRIPE.guard;
  const n = guard.length;
  if (bits.length !== TIMESTRIPE.blocks) return null;
  for (let i = 0; i < n; i += 1) {
    if (bits[i] !== guard[i] || bits[bits.length - n + i] !== guard[i]) return null;
  }
  let value = 0;
  const bytes = [];
  let byte = 0;
  for (let i = 0; i < TIMESTRIPE.timeBits; i += 1) {
    const bit = bits[n + i];
    value = value * 2 + bit;
    byte = byte * 2 + bit;
    if (i % 8 === 7) { bytes.push(byte); byte = 0; }
  }
  let check = 0;
  for (let i = 0; i < TIMESTRIPE.checkBits; i += 1) check = check * 2 + bits[n + TIMESTRIPE.timeBits + i];
  return timestripeCrc8(bytes) === check ? value : null;
}

// The capture time (UTC ms) burned into the video's current frame, or null.
function readTimeStripe(video) {
  const width = video.videoWidth;
  const height = video.videoHeight;
  const shape = timestripeGeometry(width);
  if (!shape || height < shape.block || video.readyState < 2) return null;
  if (!timestripeCanvas) timestripeCanvas = document.createElement("canvas");
  timestripeCanvas.width = width;
  timestripeCanvas.height = shape.block;
  const context = timestripeCanvas.getContext("2d", { willReadFrequently: true });
  // Only the band is copied, at the video's own size so the geometry matches.
  context.drawImage(video, 0, 0, width, shape.block, 0, 0, width, shape.block);
  const pixels = context.getImageData(0, 0, width, shape.block).data;
  const quarter = Math.max(1, Math.floor(shape.block / 4));
  const bits = [];
  for (let index = 0; index < TIMESTRIPE.blocks; index += 1) {
    const x0 = shape.left + index * shape.block;
    let sum = 0;
    let count = 0;
    for (let y = quarter; y < shape.block - quarter; y += 1) {
      for (let x = x0 + quarter; x < x0 + shape.block - quarter; x += 1) {
        const at = (y * width + x) * 4;
        sum += (pixels[at] + pixels[at + 1] + pixels[at + 2]) / 3;
        count += 1;
      }
    }
    const level = sum / count;
    if (level >= TIMESTRIPE.high) bits.push(1);
    else if (level <= TIMESTRIPE.low) bits.push(0);
    else return null;
  }
  return timestripeDecodeBits(bits);
}

// Latency samples (ms) of one video: page clock minus stripe time, taken as each frame is
// presented when the browser says so (requestVideoFrameCallback), else every 200 ms.
function measureLatency(video, onSample) {
  let stopped = false;
  function sample() {
    const stamp = readTimeStripe(video);
    onSample(stamp === null ? null : Date.now() - stamp);
  }
  if ("requestVideoFrameCallback" in HTMLVideoElement.prototype) {
    const onFrame = () => {
      if (stopped) return;
      sample();
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  } else {
    const timer = setInterval(() => { if (!stopped) sample(); }, 200);
    return () => { stopped = true; clearInterval(timer); };
  }
  return () => { stopped = true; };
}

// On ?latency=1: a small overlay with the median of the last samples; its data-latency-ms
// attribute carries the number for scripts and tests.
function showLatencyOverlay(video) {
  const params = new URLSearchParams(window.location.search);
  if (params.get("latency") !== "1") return null;
  const overlay = document.createElement("p");
  overlay.id = "latency-overlay";
  overlay.className = "latency-overlay";
  overlay.setAttribute("aria-live", "off");
  overlay.textContent = TIMESTRIPE_STRINGS.latencyWaiting;
  video.insertAdjacentElement("afterend", overlay);
  const recent = [];
  let misses = 0;
  measureLatency(video, (latency) => {
    if (latency === null) {
      misses += 1;
      if (misses > 50 && recent.length === 0) overlay.textContent = TIMESTRIPE_STRINGS.latencyNoStripe;
      return;
    }
    recent.push(latency);
    if (recent.length > 15) recent.shift();
    const median = [...recent].sort((a, b) => a - b)[Math.floor(recent.length / 2)];
    overlay.dataset.latencyMs = String(median);
    overlay.textContent = TIMESTRIPE_STRINGS.latency(median);
  });
  return overlay;
}
