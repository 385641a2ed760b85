"use strict";
// The access-request page: ask, decide, and watch an approved range. Uses api(), text() and
// whoAmI() from app.js. Times are shown and entered in the site's time zone.

const SITE_ZONE = () => document.getElementById("site-timezone").dataset.timezone;

// The zone's offset from UTC (ms) at an instant: format the instant in the zone, read it back
// as if it were UTC, and compare.
function zoneOffset(instant, zone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(instant);
  const value = Object.fromEntries(parts.map((part) => [part.type, part.value]));
  const asUtc = Date.UTC(Number(value.year), Number(value.month) - 1, Number(value.day),
    Number(value.hour), Number(value.minute), Number(value.second));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

// A datetime-local value ("2026-11-28T09:00[:00]") read as wall time in the zone -> Date.
function zonedToUtc(local, zone) {
  const [date, time] = local.split("T");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute, second = 0] = time.split(":").map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  let guess = wall - zoneOffset(new Date(wall), zone);
  guess = wall - zoneOffset(new Date(guess), zone); // once more: across a DST change
  return new Date(guess);
}

function inZone(iso) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat("sv-SE", {
    timeZone: SITE_ZONE(), year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).format(new Date(iso));
}

function element(tag, properties = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, properties);
  node.append(...children);
  return node;
}

function showStatus(node, message, isError) {
  text(node, message);
  node.classList.toggle("error", isError);
  node.classList.toggle("muted", !isError);
  node.dataset.state = isError ? "error" : "ok";
}

function stateCell(request) {
  const badge = element("span", { className: `badge ${request.state}` }, request.state);
  const cell = element("td", { className: "state" }, badge);
  let detail = "";
  if (request.state === "pending") {
    detail = `${request.approvers.length} of ${request.approvals_needed} approvals; ` +
      `lapses ${inZone(request.pending_until)}`;
  } else if (request.state === "approved") {
    detail = `approved until ${inZone(request.valid_until)} by ${request.approvers.join(", ")}`;
  } else if (request.state === "rejected") {
    const by = request.decisions.find((d) => d.decision === "reject");
    detail = `rejected by ${by ? by.approver : "?"}: ${request.rejection_reason || ""}`;
  } else if (request.state === "expired") {
    detail = request.valid_until ? `approval ended ${inZone(request.valid_until)}` :
      "expired undecided";
  } else if (request.state === "withdrawn") {
    detail = `withdrawn ${inZone(request.decided_at)}`;
  }
  cell.append(element("small", { className: "state-detail" }, detail));
  return cell;
}

async function requestsPage() {
  const form = document.getElementById("request-form");
  const formStatus = document.getElementById("request-form-status");
  const listStatus = document.getElementById("requests-status");
  const body = document.querySelector("#requests tbody");
  const filter = document.getElementById("request-filter");
  const cameraSelect = document.getElementById("request-camera");

  try {
    const cameras = await api("/api/v1/cameras");
    cameraSelect.replaceChildren(...cameras.map((camera) =>
      element("option", { value: String(camera.id) }, camera.name)));
    if (cameras.length === 0) showStatus(formStatus, "You cannot see any camera to ask about.", true);
  } catch (error) {
    showStatus(formStatus, `Could not load cameras: ${error.message}`, true);
  }

  async function decide(request, action, input, rowStatus) {
    const payload = action === "reject" ? { reason: input.value } :
      (action === "approve" ? { comment: input.value || null } : undefined);
    try {
      await api(`/api/v1/requests/${request.id}/${action}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
      await refresh();
      setupRequestsBadge();
    } catch (error) {
      showStatus(rowStatus, `Could not ${action}: ${error.message}`, true);
    }
  }

  function actionsCell(request) {
    const cell = element("td", { className: "actions" });
    const rowStatus = element("span", { className: "row-status" });
    if (request.can_decide) {
      const input = element("input", {
        placeholder: "Comment (required to reject)", maxLength: 2000,
        className: "decision-comment",
      });
      input.setAttribute("aria-label", `Comment on request ${request.id}`);
      const approve = element("button", { type: "button", className: "approve" }, "Approve");
      const reject = element("button", { type: "button", className: "reject danger" }, "Reject");
      approve.addEventListener("click", () => decide(request, "approve", input, rowStatus));
      reject.addEventListener("click", () => decide(request, "reject", input, rowStatus));
      cell.append(input, approve, reject);
    }
    const active = request.state === "approved" && new Date(request.valid_until) > new Date();
    if (request.can_withdraw && request.operation === "playback" && active) {
      const watch = element("button", { type: "button", className: "watch" }, "Watch");
      watch.addEventListener("click", () => watchRange(request));
      cell.append(watch);
    }
    if (request.can_withdraw) {
      const withdraw = element("button", { type: "button", className: "withdraw secondary" },
        request.state === "approved" ? "End approval" : "Withdraw");
      withdraw.addEventListener("click", () => decide(request, "withdraw", null, rowStatus));
      cell.append(withdraw);
    }
    cell.append(rowStatus);
    return cell;
  }

  async function refresh() {
    const query = filter.value ? `?state=${encodeURIComponent(filter.value)}` : "";
    try {
      const requests = await api(`/api/v1/requests${query}`);
      body.replaceChildren(...requests.map((request) => {
        const row = element("tr");
        row.dataset.requestId = String(request.id);
        row.dataset.state = request.state;
        row.append(
          element("td", {}, String(request.id)),
          element("td", {}, request.requester),
          element("td", {}, request.camera_name),
          element("td", {}, request.operation),
          element("td", {}, `${inZone(request.start)} – ${inZone(request.end)}`),
          element("td", {}, request.reason + (request.purpose ? ` (purpose: ${request.purpose})` : "")),
          stateCell(request),
          actionsCell(request),
        );
        return row;
      }));
      showStatus(listStatus, requests.length ? `${requests.length} request(s), newest first.` :
        "No requests.", false);
    } catch (error) {
      showStatus(listStatus, `Could not load requests: ${error.message}`, true);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const zone = SITE_ZONE();
    const payload = {
      camera_id: Number(cameraSelect.value),
      operation: form.operation.value,
      start: zonedToUtc(form.start.value, zone).toISOString(),
      end: zonedToUtc(form.end.value, zone).toISOString(),
      reason: form.reason.value,
      purpose: form.purpose.value.trim() || null,
    };
    try {
      const created = await api("/api/v1/requests", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      showStatus(formStatus, `Request #${created.id} sent; it waits for a decision.`, false);
      form.reason.value = "";
      await refresh();
    } catch (error) {
      showStatus(formStatus, `Request refused: ${error.message}`, true);
    }
  });
  filter.addEventListener("change", refresh);
  await refresh();
}

// Lists the recorded segments of an approved playback range and plays the chosen one. Segments
// that cross the range's edges are listed but not offered: the server would refuse them.
async function watchRange(request) {
  const section = document.getElementById("watch");
  const status = document.getElementById("watch-status");
  const list = document.getElementById("watch-segments");
  const video = document.getElementById("watch-video");
  section.hidden = false;
  text(document.getElementById("watch-title"),
    `Watch ${request.camera_name}, ${inZone(request.start)} – ${inZone(request.end)}`);
  const query = new URLSearchParams({ start: request.start, end: request.end });
  try {
    const segments = await api(`/api/v1/cameras/${request.camera_id}/recordings?${query}`);
    const from = new Date(request.start);
    const until = new Date(request.end);
    list.replaceChildren(...segments.map((segment) => {
      const inside = new Date(segment.start) >= from && new Date(segment.end) <= until;
      const label = `${inZone(segment.start)} – ${inZone(segment.end)}`;
      const item = element("li", { className: inside ? "inside" : "outside" });
      item.dataset.segmentId = String(segment.id);
      if (inside) {
        const play = element("button", { type: "button", className: "link play" }, `Play ${label}`);
        play.addEventListener("click", () => {
          for (const other of list.children) other.removeAttribute("aria-current");
          item.setAttribute("aria-current", "true");
          video.src = `/api/v1/recordings/${segment.id}`;
          video.play().catch(() => null);
        });
        item.append(play);
      } else {
        item.append(`${label} (crosses the edge of the approved range; not shown)`);
      }
      return item;
    }));
    showStatus(status, segments.length ? `${segments.length} segment(s) in the range.` :
      "No recordings in the approved range.", false);
  } catch (error) {
    showStatus(status, `Could not load recordings: ${error.message}`, true);
  }
  section.scrollIntoView();
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page === "requests") requestsPage();
});
