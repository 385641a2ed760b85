"use strict";
// The access-request page: ask, decide, and watch an approved range. Uses api(), text(),
// operationName() from app.js and t(), formatDate(), siteTimeToIso() from i18n.js. Times are
// shown and entered in the site's time zone.

// Names of a request's states, as the page shows them (the API and the filter keep the codes).
const STATE_NAMES = {
  pending: t("Pending"), approved: t("Approved"), rejected: t("Rejected"), expired: t("Expired"),
  withdrawn: t("Withdrawn"),
};
function stateName(state) { return STATE_NAMES[state] || state; }

function range(start, end) {
  return t("{start} – {end}", { start: formatDate(start), end: formatDate(end) });
}

function names(list) {
  return list.length ? list.join(t(", ")) : "—";
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
  const badge = element("span", { className: `badge ${request.state}` }, stateName(request.state));
  badge.dataset.state = request.state;
  const cell = element("td", { className: "state" }, badge);
  let detail = "";
  if (request.state === "pending") {
    detail = tn("{approved} of {n} approval; lapses {until}", "{approved} of {n} approvals; lapses {until}",
      request.approvals_needed,
      { approved: formatNumber(request.approvers.length), until: formatDate(request.pending_until) });
  } else if (request.state === "approved") {
    detail = t("approved until {until} by {approvers}",
      { until: formatDate(request.valid_until), approvers: names(request.approvers) });
  } else if (request.state === "rejected") {
    const by = request.decisions.find((d) => d.decision === "reject");
    detail = t("rejected by {approver}: {reason}",
      { approver: by ? by.approver : "?", reason: request.rejection_reason || "" });
  } else if (request.state === "expired") {
    detail = request.valid_until ? t("approval ended {when}", { when: formatDate(request.valid_until) }) :
      t("expired undecided");
  } else if (request.state === "withdrawn") {
    detail = t("withdrawn {when}", { when: formatDate(request.decided_at) });
  }
  cell.append(element("small", { className: "state-detail" }, detail));
  return cell;
}

// What the page says when a decision fails, per action (whole sentences for the translators).
const FAILED = {
  approve: (error) => t("Could not approve: {error}", { error }),
  reject: (error) => t("Could not reject: {error}", { error }),
  withdraw: (error) => t("Could not withdraw: {error}", { error }),
};

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
    if (cameras.length === 0) showStatus(formStatus, t("You cannot see any camera to ask about."), true);
    // Other pages link here for what a user lacks: /requests?camera=ID&operation=playback.
    const asked = new URLSearchParams(window.location.search);
    if (cameras.some((camera) => String(camera.id) === asked.get("camera"))) {
      cameraSelect.value = asked.get("camera");
    }
    if (["playback", "export"].includes(asked.get("operation"))) {
      form.operation.value = asked.get("operation");
    }
  } catch (error) {
    showStatus(formStatus, t("Could not load cameras: {error}", { error: error.message }), true);
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
      showStatus(rowStatus, FAILED[action](error.message), true);
    }
  }

  function actionsCell(request) {
    const cell = element("td", { className: "actions" });
    const rowStatus = element("span", { className: "row-status" });
    if (request.can_decide) {
      const input = element("input", {
        placeholder: t("Comment (required to reject)"), maxLength: 2000,
        className: "decision-comment",
      });
      input.setAttribute("aria-label", t("Comment on request {id}", { id: request.id }));
      const approve = element("button", { type: "button", className: "approve" }, t("Approve"));
      approve.dataset.action = "approve";
      const reject = element("button", { type: "button", className: "reject danger" }, t("Reject"));
      reject.dataset.action = "reject";
      approve.addEventListener("click", () => decide(request, "approve", input, rowStatus));
      reject.addEventListener("click", () => decide(request, "reject", input, rowStatus));
      cell.append(input, approve, reject);
    }
    const active = request.state === "approved" && new Date(request.valid_until) > new Date();
    if (request.can_withdraw && request.operation === "playback" && active) {
      const watch = element("button", { type: "button", className: "watch" }, t("Watch"));
      watch.dataset.action = "watch";
      watch.addEventListener("click", () => watchRange(request));
      cell.append(watch);
    }
    if (request.can_withdraw) {
      const withdraw = element("button", { type: "button", className: "withdraw secondary" },
        request.state === "approved" ? t("End approval") : t("Withdraw"));
      withdraw.dataset.action = "withdraw";
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
          element("td", {}, operationName(request.operation)),
          element("td", {}, range(request.start, request.end)),
          element("td", {}, request.purpose ?
            t("{reason} (purpose: {purpose})", { reason: request.reason, purpose: request.purpose }) :
            request.reason),
          stateCell(request),
          actionsCell(request),
        );
        return row;
      }));
      showStatus(listStatus, requests.length ?
        tn("{n} request, newest first.", "{n} requests, newest first.", requests.length) :
        t("No requests."), false);
    } catch (error) {
      showStatus(listStatus, t("Could not load requests: {error}", { error: error.message }), true);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = {
      camera_id: Number(cameraSelect.value),
      operation: form.operation.value,
      start: siteTimeToIso(form.start.value),
      end: siteTimeToIso(form.end.value),
      reason: form.reason.value,
      purpose: form.purpose.value.trim() || null,
    };
    try {
      const created = await api("/api/v1/requests", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      showStatus(formStatus, t("Request No. {id} sent; it waits for a decision.", { id: created.id }), false);
      form.reason.value = "";
      await refresh();
    } catch (error) {
      showStatus(formStatus, t("Request refused: {error}", { error: error.message }), true);
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
  text(document.getElementById("watch-title"), t("Watch {camera}, {range}",
    { camera: request.camera_name, range: range(request.start, request.end) }));
  const query = new URLSearchParams({ start: request.start, end: request.end });
  try {
    const segments = await api(`/api/v1/cameras/${request.camera_id}/recordings?${query}`);
    const from = new Date(request.start);
    const until = new Date(request.end);
    list.replaceChildren(...segments.map((segment) => {
      const inside = new Date(segment.start) >= from && new Date(segment.end) <= until;
      const label = range(segment.start, segment.end);
      const item = element("li", { className: inside ? "inside" : "outside" });
      item.dataset.segmentId = String(segment.id);
      if (inside) {
        const play = element("button", { type: "button", className: "link play" },
          t("Play {range}", { range: label }));
        play.addEventListener("click", () => {
          for (const other of list.children) other.removeAttribute("aria-current");
          item.setAttribute("aria-current", "true");
          video.src = `/api/v1/recordings/${segment.id}`;
          video.play().catch(() => null);
        });
        item.append(play);
      } else {
        item.append(t("{range} (crosses the edge of the approved range; not shown)", { range: label }));
      }
      return item;
    }));
    showStatus(status, segments.length ?
      tn("{n} segment in the range.", "{n} segments in the range.", segments.length) :
      t("No recordings in the approved range."), false);
  } catch (error) {
    showStatus(status, t("Could not load recordings: {error}", { error: error.message }), true);
  }
  section.scrollIntoView();
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page === "requests") requestsPage();
});
