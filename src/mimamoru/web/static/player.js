"use strict";
// Recorded playback through Media Source Extensions. Each recorded segment is a complete
// fragmented MP4 (its own init segment and fragments); the player appends them one after
// another into ONE SourceBuffer in "sequence" mode, each at the media time where the
// previous one ended (timestampOffset), and keeps PLAYER_AHEAD_S seconds appended ahead of
// the playhead. The decoder therefore never waits at a segment boundary: the next
// segment is already buffered, joined without a gap. A gap in the recording itself is
// skipped the same way (the next range follows at once); the wall-clock time shown is
// mapped back from the media time through the table of appended segments.
// See docs/ARCHITECTURE.md, "Playback in the browser".

const PLAYER_STRINGS = {
  segmentFailed: (start, reason) => t("A recording at {start} could not be played ({reason}); skipped.",
    { start, reason: apiMessage(reason) }),
};

const PLAYER_AHEAD_S = 20; // appended ahead of the playhead
const PLAYER_BEHIND_S = 60; // kept behind it before trimming (for stepping back)
const CODEC_SEARCH_BYTES = 64 * 1024; // the init segment is at the start of each file

// The RFC 6381 codec string of an MP4 (avc1.PPCCLL from its avcC box).
function mp4Codec(bytes) {
  const limit = Math.min(bytes.length - 8, CODEC_SEARCH_BYTES);
  const hex = (value) => value.toString(16).padStart(2, "0");
  for (let i = 0; i < limit; i += 1) {
    if (bytes[i] === 0x61 && bytes[i + 1] === 0x76 && bytes[i + 2] === 0x63 && bytes[i + 3] === 0x43) {
      return `avc1.${hex(bytes[i + 5])}${hex(bytes[i + 6])}${hex(bytes[i + 7])}`;
    }
  }
  return "avc1.42E01E"; // constrained baseline: what every browser accepts for H.264
}

function whenUpdated(sourceBuffer) {
  return new Promise((resolve, reject) => {
    const done = () => { cleanup(); resolve(); };
    const failed = () => { cleanup(); reject(new Error("media append failed")); };
    function cleanup() {
      sourceBuffer.removeEventListener("updateend", done);
      sourceBuffer.removeEventListener("error", failed);
    }
    sourceBuffer.addEventListener("updateend", done);
    sourceBuffer.addEventListener("error", failed);
  });
}

class SegmentPlayer {
  // `pieces`: [{ id, startMs, endMs, frameCount }] sorted; `onProblem(message)` hears skips.
  constructor(video, onProblem) {
    this.video = video;
    this.onProblem = onProblem;
    this.pieces = [];
    this.generation = 0; // bumped by every restart: older loads give up
    this.loaded = []; // appended in this MediaSource: { piece, mediaStart, mediaEnd }
    this.nextIndex = 0;
    this.busy = false;
    this.sourceBuffer = null;
    this.mimeType = null;
    video.addEventListener("timeupdate", () => this.fill());
  }

  setPieces(pieces) {
    this.pieces = pieces;
    if (this.loaded.length) {
      const lastId = this.loaded[this.loaded.length - 1].piece.id;
      const index = pieces.findIndex((piece) => piece.id === lastId);
      this.nextIndex = index >= 0 ? index + 1 : pieces.length;
    }
    this.fill();
  }

  // Everything available has been appended and the playhead is at its end.
  atEnd() {
    if (this.busy || this.nextIndex < this.pieces.length || !this.loaded.length) return false;
    return this.video.currentTime >= this.loaded[this.loaded.length - 1].mediaEnd - 0.1;
  }

  // The piece holding `ms`, or the first one after it (`ms` in a gap); -1 if none.
  indexAt(ms) {
    return this.pieces.findIndex((piece) => piece.endMs > ms);
  }

  entryAt(mediaTime) {
    let found = null;
    for (const entry of this.loaded) {
      if (mediaTime >= entry.mediaStart - 0.001) found = entry;
    }
    return found;
  }

  // The wall-clock time (epoch ms) of the picture shown, or null before anything loaded.
  wallTime() {
    const entry = this.entryAt(this.video.currentTime);
    if (!entry) return null;
    const into = Math.max(0, this.video.currentTime - entry.mediaStart) * 1000;
    // Whole milliseconds: float noise must not show 10:00:00 as 09:59:59.
    return Math.round(entry.piece.startMs + Math.min(into, entry.piece.endMs - entry.piece.startMs));
  }

  current() { return this.entryAt(this.video.currentTime); }

  fps(entry) {
    const seconds = (entry.piece.endMs - entry.piece.startMs) / 1000;
    return entry.piece.frameCount > 0 && seconds > 0 ? entry.piece.frameCount / seconds : 10;
  }

  // Show the picture at wall time `ms` (the next recording if `ms` falls in a gap).
  async seek(ms) {
    const index = this.indexAt(ms);
    if (index < 0) return false;
    const piece = this.pieces[index];
    const into = Math.max(0, ms - piece.startMs) / 1000;
    const entry = this.loaded.find((candidate) => candidate.piece.id === piece.id);
    if (entry) {
      this.video.currentTime = entry.mediaStart + into;
      this.fill();
      return true;
    }
    await this.restart(index, into);
    return true;
  }

  // ±`frames` frames from the picture shown; pauses first (stepping is for a still picture).
  async step(frames) {
    this.video.pause();
    const entry = this.current();
    if (!entry) return;
    const fps = this.fps(entry);
    // The frame shown is the one whose slot holds the playhead.
    const frame = Math.floor((this.video.currentTime - entry.mediaStart) * fps + 1e-6);
    const target = entry.mediaStart + (frame + frames) / fps;
    if (target < this.loaded[0].mediaStart) {
      // Before what is loaded: start again from the previous piece.
      await this.seek(entry.piece.startMs + (frame + frames) * 1000 / fps);
      return;
    }
    // A millisecond into the frame, so that rounding never shows the one before.
    this.video.currentTime = target + 0.001;
  }

  async restart(index, intoSeconds) {
    const generation = ++this.generation;
    const playing = !this.video.paused;
    this.loaded = [];
    this.nextIndex = index;
    this.sourceBuffer = null;
    this.mimeType = null;
    this.busy = false;
    const mediaSource = new MediaSource();
    const previous = this.video.src;
    this.video.src = URL.createObjectURL(mediaSource);
    if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
    await new Promise((resolve) => mediaSource.addEventListener("sourceopen", resolve, { once: true }));
    if (generation !== this.generation) return;
    this.mediaSource = mediaSource;
    while (generation === this.generation && !this.loaded.length && this.nextIndex < this.pieces.length) {
      if (!(await this.appendNext(generation))) break;
    }
    if (generation !== this.generation || !this.loaded.length) return;
    this.video.currentTime = this.loaded[0].mediaStart + intoSeconds;
    if (playing) this.video.play().catch(() => null);
    this.fill();
  }

  async fill() {
    if (this.busy || !this.sourceBuffer) return;
    const generation = this.generation;
    try {
      await this.trim(generation);
      while (generation === this.generation && this.nextIndex < this.pieces.length && !this.busy) {
        const last = this.loaded[this.loaded.length - 1];
        // Faster play eats the buffer faster: keep more ahead, up to 4 times as much.
        const ahead = PLAYER_AHEAD_S * Math.min(4, Math.max(1, this.video.playbackRate));
        if (last && last.mediaEnd - this.video.currentTime >= ahead) break;
        if (!(await this.appendNext(generation))) break; // full: wait for the playhead to move
      }
    } catch (error) {
      this.onProblem(error.message);
    }
  }

  // Drop whole segments well behind the playhead, so memory stays bounded on long plays.
  async trim(generation) {
    const keepFrom = this.video.currentTime - PLAYER_BEHIND_S;
    let cut = 0;
    while (cut < this.loaded.length - 1 && this.loaded[cut].mediaEnd < keepFrom) cut += 1;
    if (cut === 0 || this.busy) return;
    this.busy = true;
    try {
      const end = this.loaded[cut - 1].mediaEnd;
      this.sourceBuffer.remove(0, end);
      await whenUpdated(this.sourceBuffer);
      if (generation === this.generation) this.loaded.splice(0, cut);
    } finally {
      this.busy = false;
    }
  }

  // Appends the next piece; false only when the browser's buffer is full.
  async appendNext(generation) {
    const piece = this.pieces[this.nextIndex];
    this.nextIndex += 1;
    this.busy = true;
    try {
      const response = await fetch(`/api/v1/recordings/${piece.id}`, { credentials: "same-origin" });
      if (!response.ok) {
        let detail = response.statusText;
        try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
        this.onProblem(PLAYER_STRINGS.segmentFailed(formatDateTime(piece.startMs), detail));
        return true; // skipped; go on with the next one
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (generation !== this.generation) return;
      const mimeType = `video/mp4; codecs="${mp4Codec(bytes)}"`;
      if (!this.sourceBuffer) {
        this.sourceBuffer = this.mediaSource.addSourceBuffer(mimeType);
        this.sourceBuffer.mode = "sequence";
      } else if (mimeType !== this.mimeType) {
        this.sourceBuffer.changeType(mimeType); // e.g. copy -> re-encode after a mask change
      }
      this.mimeType = mimeType;
      const last = this.loaded[this.loaded.length - 1];
      const mediaStart = last ? last.mediaEnd : 0;
      this.sourceBuffer.timestampOffset = mediaStart;
      try {
        this.sourceBuffer.appendBuffer(bytes);
      } catch (error) {
        if (error.name !== "QuotaExceededError") throw error;
        // The browser's buffer is full: try this segment again after the next trim.
        this.nextIndex -= 1;
        return false;
      }
      await whenUpdated(this.sourceBuffer);
      if (generation !== this.generation) return;
      const buffered = this.video.buffered;
      const mediaEnd = buffered.length ? buffered.end(buffered.length - 1) : mediaStart;
      this.loaded.push({ piece, mediaStart, mediaEnd });
      return true;
    } finally {
      if (generation === this.generation) this.busy = false;
    }
  }
}
