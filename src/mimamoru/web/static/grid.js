"use strict";
// The camera grid: every camera the caller may watch live (the server asks the gate), a
// tile each, 1/4/9/16 to a page. Click or Enter enlarges a tile; Escape goes back.

const GRID_STRINGS = {
  loading: t("Loading cameras…"),
  none: t("You may not watch any camera live."),
  request: t("Request access"),
  failed: (detail) => t("Could not load cameras: {detail}", { detail }),
  page: (page, pages) => t("Page {page} of {pages}", { page: formatNumber(page), pages: formatNumber(pages) }),
  enlarge: (name) => t("{name}: press Enter to enlarge", { name }),
  shrink: (name) => t("{name}: press Enter or Escape to go back to the grid", { name }),
  connecting: t("Connecting…"),
  noPicture: t("No picture"),
  reconnecting: t("Reconnecting…"),
  ended: t("Live view ended"),
  live: t("Live"),
  playback: t("Playback"),
};

const LAYOUTS = [1, 4, 9, 16];
const LAYOUT_KEY = "mimamoru.grid.layout";
const GRID_REFRESH_MS = 5000;

function savedLayout() {
  const saved = Number.parseInt(window.localStorage.getItem(LAYOUT_KEY) || "", 10);
  return LAYOUTS.includes(saved) ? saved : 4;
}

async function gridPage() {
  const grid = document.getElementById("grid");
  const state = document.getElementById("grid-state");
  const pageLabel = document.getElementById("grid-page");
  const previous = document.getElementById("grid-previous");
  const next = document.getElementById("grid-next");
  const layoutButtons = [...document.querySelectorAll("[data-layout]")];
  let layout = savedLayout();
  let page = 0;
  let cameras = [];
  let enlarged = null;
  const tiles = new Map(); // camera id -> { element, stop }

  function pages() { return Math.max(1, Math.ceil(cameras.length / layout)); }

  function describe(tile, camera) {
    const badge = tile.querySelector(".badge");
    badge.className = `badge ${camera.status}`;
    badge.textContent = stateWord(camera.status);
    badge.dataset.status = camera.status;
    const detail = tile.querySelector(".tile-detail");
    text(detail, cameraStateText(camera));
    detail.hidden = camera.status === "recording";
    tile.dataset.status = camera.status;
    // No stream yet: say whether one is coming (the detail line below says why not).
    const overlay = tile.querySelector(".tile-state");
    if (tile.dataset.state === undefined) {
      const waiting = camera.status === "recording" || camera.status === "starting";
      text(overlay, waiting ? GRID_STRINGS.connecting : GRID_STRINGS.noPicture);
    }
  }

  function makeTile(camera) {
    const tile = document.createElement("figure");
    tile.className = "tile";
    tile.tabIndex = 0;
    tile.dataset.cameraId = String(camera.id);
    tile.setAttribute("role", "button");
    tile.setAttribute("aria-label", GRID_STRINGS.enlarge(camera.name));
    const video = document.createElement("video");
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    const overlay = document.createElement("p");
    overlay.className = "tile-state";
    overlay.textContent = GRID_STRINGS.connecting;
    const caption = document.createElement("figcaption");
    const name = document.createElement("span");
    name.className = "tile-name";
    name.textContent = camera.name;
    const badge = document.createElement("span");
    badge.className = "badge";
    const links = document.createElement("span");
    links.className = "tile-links";
    for (const [href, label] of [[`/live?camera=${camera.id}`, GRID_STRINGS.live],
      [`/playback?camera=${camera.id}`, GRID_STRINGS.playback]]) {
      if (label === GRID_STRINGS.playback && !camera.operations.includes("playback")) continue;
      const link = document.createElement("a");
      link.href = href;
      link.textContent = label;
      link.addEventListener("click", (event) => event.stopPropagation());
      links.append(link);
    }
    const detail = document.createElement("span");
    detail.className = "tile-detail";
    caption.append(name, " ", badge, links, detail);
    tile.append(video, overlay, caption);
    describe(tile, camera);
    const stop = playLive(video, camera.id, (liveState) => {
      tile.dataset.state = liveState;
      overlay.hidden = liveState === "live";
      text(overlay, liveState === "ended" ? GRID_STRINGS.ended : GRID_STRINGS.reconnecting);
    });
    tile.addEventListener("click", () => toggle(camera.id));
    tile.addEventListener("keydown", (event) => {
      if (event.target !== tile) return; // Enter on a link in the caption follows the link
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(camera.id); }
    });
    return { element: tile, stop, camera };
  }

  function toggle(cameraId) {
    enlarged = enlarged === cameraId ? null : cameraId;
    for (const [id, tile] of tiles) {
      const big = id === enlarged;
      tile.element.classList.toggle("enlarged", big);
      tile.element.setAttribute("aria-label", (big ? GRID_STRINGS.shrink : GRID_STRINGS.enlarge)(tile.camera.name));
    }
    if (enlarged === null) delete grid.dataset.enlarged; else grid.dataset.enlarged = String(enlarged);
    const current = tiles.get(cameraId);
    if (current) current.element.focus();
  }

  function render() {
    page = Math.min(page, pages() - 1);
    const shown = cameras.slice(page * layout, (page + 1) * layout);
    const wanted = new Set(shown.map((camera) => camera.id));
    // Stop the streams of tiles that left the page: only the visible ones cost bandwidth.
    for (const [id, tile] of tiles) {
      if (!wanted.has(id)) { tile.stop(); tiles.delete(id); }
    }
    if (enlarged !== null && !wanted.has(enlarged)) { enlarged = null; delete grid.dataset.enlarged; }
    grid.replaceChildren(...shown.map((camera) => {
      if (!tiles.has(camera.id)) tiles.set(camera.id, makeTile(camera));
      const tile = tiles.get(camera.id);
      tile.camera = camera;
      describe(tile.element, camera);
      return tile.element;
    }));
    grid.className = `grid layout-${layout}`;
    grid.dataset.layout = String(layout);
    layoutButtons.forEach((button) => {
      button.setAttribute("aria-pressed", String(Number(button.dataset.layout) === layout));
    });
    text(pageLabel, GRID_STRINGS.page(page + 1, pages()));
    previous.disabled = page === 0;
    next.disabled = page >= pages() - 1;
    document.getElementById("grid-paging").hidden = pages() === 1;
  }

  async function refresh() {
    try {
      cameras = await api("/api/v1/cameras?operation=live");
      if (cameras.length) text(state, "");
      else {
        const link = document.createElement("a");
        link.href = "/requests?operation=live";
        link.className = "button";
        link.textContent = GRID_STRINGS.request;
        state.replaceChildren(GRID_STRINGS.none, " ", link);
      }
      state.dataset.state = cameras.length ? "ready" : "empty";
      state.hidden = cameras.length > 0;
      render();
    } catch (error) {
      text(state, GRID_STRINGS.failed(error.message));
      state.dataset.state = "error";
      state.hidden = false;
    }
  }

  layoutButtons.forEach((button) => button.addEventListener("click", () => {
    layout = Number(button.dataset.layout);
    window.localStorage.setItem(LAYOUT_KEY, String(layout));
    render();
  }));
  previous.addEventListener("click", () => { page = Math.max(0, page - 1); render(); });
  next.addEventListener("click", () => { page = Math.min(pages() - 1, page + 1); render(); });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && enlarged !== null) toggle(enlarged);
  });
  text(state, GRID_STRINGS.loading);
  await refresh();
  setInterval(refresh, GRID_REFRESH_MS);
}

PAGES.grid = gridPage;
