"use strict";
// Administration pages: users, the permissions matrix and the audit log. Loaded after app.js,
// whose api(), text(), formatTime() and whoAmI() it uses; groups.js, loaded after this file,
// adds the groups and camera groups of the Users page. The pages are shells: everything comes
// from the JSON API, which alone decides who may do what; a refusal (403) is shown as such.
// All changes go through api().

const OPERATIONS = ["live", "playback", "export", "ptz", "configure"];
const ROLES = ["admin", "manager", "operator", "viewer", "auditor"];
const PLAYBACK_WINDOW_MAX_HOURS = 87600;
const AUDIT_PAGE_SIZE = 50;
const AUDIT_CSV_LIMIT = 10000; // the most GET /audit gives in one answer
const ACTION_SUGGESTIONS = [
  "access.", "access.denied.", "auth.", "auth.login_failed", "user.", "grants.set", "camera.",
  "hold.", "storage.", "audit.read",
];

// Every text these pages show, in one place, through the catalogs (t/tn from i18n.js).
const STRINGS = {
  loading: t("Loading…"),
  denied: (detail) => t("Not allowed: {detail}. Ask an administrator if you need this page.", { detail }),
  loadFailed: (detail) => t("Could not load: {detail}", { detail }),
  // Users
  you: t("(you)"),
  enabled: t("Enabled"),
  disabled: t("Disabled"),
  never: t("never"),
  roleOf: (user) => t("Role of {user}", { user }),
  disable: t("Disable"),
  enable: t("Enable"),
  resetPassword: t("Reset password"),
  unlock: t("Unlock"),
  remove: t("Delete"),
  actionFor: (action, user) => t("{action} {user}", { action, user }), // "Disable alice": the visible text first
  newPasswordFor: (user) => t("New password for {user}", { user }),
  setPassword: t("Set password"),
  cancel: t("Cancel"),
  confirmDelete: (user) => t("Delete the account {user}? Its grants and sessions go with it. " +
    "This cannot be undone.", { user }),
  usersCount: (n) => tn("{n} account.", "{n} accounts.", n),
  created: (user, role) => t("Created {user} ({role}). Grant cameras on the Permissions page.",
    { user, role: roleName(role) }),
  notCreated: (detail) => t("Not created: {detail}", { detail }),
  roleChanged: (user, role) => t("{user} is now {role}.", { user, role: roleName(role) }),
  disabledDone: (user) => t("{user} is disabled; their sessions have ended.", { user }),
  enabledDone: (user) => t("{user} is enabled again.", { user }),
  passwordDone: (user) => t("New password set for {user}; their sessions have ended.", { user }),
  unlocked: (user) => t("{user} may log in again (failed-login count cleared).", { user }),
  deleted: (user) => t("Deleted {user}.", { user }),
  notChanged: (detail) => t("Not changed: {detail}", { detail }),
  groupsOfUser: (names) => names.join(", "),
  inNoGroup: t("none"),
  // Groups and camera groups (Users page, groups.js): the same controls for both kinds of set
  sets: {
    group: {
      count: (n) => tn("{n} group.", "{n} groups.", n),
      none: t("No groups yet."),
      created: (name) => t("Created the group {name}. Tick its members and save them, then " +
        "grant the group cameras on the Permissions page.", { name }),
      notCreated: (detail) => t("Not created: {detail}", { detail }),
      itemsOf: (name) => t("Members of {name}", { name }),
      itemIn: (item, name) => t("{item} is a member of {name}", { item, name }),
      summary: (names) => t("Members: {names}", { names: names.join(", ") }),
      noItems: t("No members."),
      noChoices: t("No accounts to choose from."),
      saveItems: t("Save members"),
      saveItemsOf: (name) => t("Save members of {name}", { name }),
      itemsSaved: (name) => t("Saved the members of {name}.", { name }),
      editOf: (name) => t("Edit group {name}", { name }),
      deleteOf: (name) => t("Delete group {name}", { name }),
      nameOf: (name) => t("Name of group {name}", { name }),
      descriptionOf: (name) => t("Description of group {name}", { name }),
      saveEditOf: (name) => t("Save name and description of group {name}", { name }),
      cancelEditOf: (name) => t("Cancel editing group {name}", { name }),
      edited: (name) => t("Saved the group {name}.", { name }),
      confirmDelete: (name) => t("Delete the group {name}? Its members lose what its grants " +
        "gave them. This cannot be undone.", { name }),
      deleted: (name) => t("Deleted the group {name}.", { name }),
    },
    cameraGroup: {
      count: (n) => tn("{n} camera group.", "{n} camera groups.", n),
      none: t("No camera groups yet."),
      created: (name) => t("Created the camera group {name}. Tick its cameras and save them, " +
        "then grant it on the Permissions page.", { name }),
      notCreated: (detail) => t("Not created: {detail}", { detail }),
      itemsOf: (name) => t("Cameras in {name}", { name }),
      itemIn: (item, name) => t("{item} is in {name}", { item, name }),
      summary: (names) => t("Cameras: {names}", { names: names.join(", ") }),
      noItems: t("No cameras."),
      noChoices: t("No cameras yet: add one with `mimamoru camera add` first."),
      saveItems: t("Save cameras"),
      saveItemsOf: (name) => t("Save cameras of {name}", { name }),
      itemsSaved: (name) => t("Saved the cameras of {name}.", { name }),
      editOf: (name) => t("Edit camera group {name}", { name }),
      deleteOf: (name) => t("Delete camera group {name}", { name }),
      nameOf: (name) => t("Name of camera group {name}", { name }),
      descriptionOf: (name) => t("Description of camera group {name}", { name }),
      saveEditOf: (name) => t("Save name and description of camera group {name}", { name }),
      cancelEditOf: (name) => t("Cancel editing camera group {name}", { name }),
      edited: (name) => t("Saved the camera group {name}.", { name }),
      confirmDelete: (name) => t("Delete the camera group {name}? Every grant on it goes with " +
        "it; the cameras stay. This cannot be undone.", { name }),
      deleted: (name) => t("Deleted the camera group {name}.", { name }),
    },
    edit: t("Edit"),
    name: t("Name"),
    description: t("Description"),
    noDescription: t("No description."),
    unknownItem: (id) => `#${id}`,
    leaveUnsaved: t("Some members or cameras are not saved yet."),
  },
  // Permissions
  user: t("User or group"),
  save: t("Save"),
  saveHeader: t("Save"),
  windowHeader: t("Window (h)"),
  groupsHeader: t("Groups"),
  cameraCount: (n) => tn("({n} camera)", "({n} cameras)", n),
  operationLabel: (op, who, camera) => t("{operation} for {who} on {camera}",
    { operation: operationName(op), who, camera }),
  windowLabel: (who, camera) => t("Playback window in hours for {who} on {camera}", { who, camera }),
  onCameraGroup: (name) => t("camera group {name}", { name }), // "live for alice on camera group Outside"
  noLimit: t("no limit"),
  saveGrantsOf: (who) => t("Save grants of {who}", { who }),
  saveCameraGroupGrantsOf: (who) => t("Save camera-group grants of {who}", { who }),
  adminAll: t("All cameras, every operation (administrator)"),
  disabledMark: t("disabled"),
  groupMark: (members) => tn("group, {n} member", "group, {n} members", members),
  noCameras: t("No cameras yet: add one with `mimamoru camera add` first."),
  noCameraGroups: t("No camera groups yet: make one on the Users page to grant several cameras " +
    "at once."),
  noUsers: t("No accounts other than administrators, and no groups, yet: create them on the " +
    "Users page."),
  matrixReady: (users, groups, cameras, cameraGroups) => t("Users: {users}, groups: {groups}, " +
    "cameras: {cameras}, camera groups: {cameraGroups}. Changes apply when you save the row.", {
    users: formatNumber(users), groups: formatNumber(groups), cameras: formatNumber(cameras),
    cameraGroups: formatNumber(cameraGroups),
  }),
  // What a user has through groups and camera groups, under the box of each operation
  via: (sources) => t("via {sources}", { sources: sources.join("; ") }),
  viaGroup: (group) => group,
  viaGroupOn: (group, cameraGroup) => t("{group} on {cameraGroup}", { group, cameraGroup }),
  viaOwnCameraGroup: (cameraGroup) => t("camera group {name}", { name: cameraGroup }),
  viaWindow: (source, hours) => t("{source}, {hours} h", { source, hours: formatNumber(hours) }),
  unsaved: t("Unsaved changes"),
  saving: t("Saving…"),
  saved: t("Saved"),
  savedFor: (who) => t("Saved the grants of {who}.", { who }),
  notSaved: (detail) => t("Not saved: {detail}", { detail }),
  badWindow: (camera) => t("the playback window on {camera} must be a whole number of hours " +
    "from 1 to {max}, or empty for no limit", { camera, max: formatNumber(PLAYBACK_WINDOW_MAX_HOURS) }),
  leaveUnsaved: t("Some grants are not saved yet."),
  // Audit
  noEntries: t("No entries match these filters."),
  entriesShown: (n, more) => (more
    ? tn("{n} entry, newest first; more are older.", "{n} entries, newest first; more are older.", n)
    : tn("{n} entry, newest first.", "{n} entries, newest first.", n)),
  outcomeDenied: t("denied"),
  outcomeFailed: t("failed"),
  outcomeNames: { allowed: t("allowed"), denied: t("denied"), failed: t("failed") },
  cameraNumber: (id) => `#${id}`,
  cameraNamed: (name, id) => `${name} (#${id})`,
};

function byId(id) { return document.getElementById(id); }

// Creates an element: el("button", { type: "button", "aria-label": "…" }, "text", child, …).
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "className") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children.filter((child) => child !== null && child !== undefined));
  return element;
}

// Shows a message in a status element; state is "ok", "error" or "busy" (for styles and tests).
function say(element, message, state = "ok") {
  text(element, message);
  element.dataset.state = state;
  element.classList.toggle("error", state === "error");
  element.hidden = false;
}

// The first request of each page decides whether the page is shown or refused.
function showRefusal(error) {
  const denied = byId("admin-denied");
  text(denied, error.status === 403 ? STRINGS.denied(error.message) : STRINGS.loadFailed(error.message));
  denied.dataset.status = String(error.status || "");
  denied.hidden = false;
  byId("admin-content").hidden = true;
}

function reveal() { byId("admin-content").hidden = false; }

// Keeps keyboard focus on "the same" control when a list is drawn again.
function focusKey() { return document.activeElement ? document.activeElement.dataset.focusKey : undefined; }
function restoreFocus(key) {
  if (!key) return;
  const target = document.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
  if (target) target.focus();
}

function jsonBody(method, body) {
  return { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

// ---------------------------------------------------------------------------------- Users

async function usersPage() {
  const status = byId("users-status");
  const body = document.querySelector("#users tbody");
  const lastLoginHeader = document.querySelector('#users th[data-column="last-login"]');
  const form = byId("create-user");
  const createError = byId("create-error");
  let users;
  try {
    users = await api("/api/v1/users");
  } catch (error) {
    showRefusal(error);
    return;
  }
  reveal();
  const me = await whoAmI().catch(() => ({ username: null }));

  form.role.replaceChildren(...ROLES.map((role) => el("option", { value: role, selected: role === "viewer" }, roleName(role))));

  async function reload() {
    users = await api("/api/v1/users");
    render();
  }

  // Reloads the list, then says what happened (so the message means the list is current).
  async function reloadAndSay(message, state = "ok") {
    try {
      await reload();
    } catch (error) {
      // 403: you took your own administrator role away.
      if (error.status === 403) showRefusal(error);
      else say(status, STRINGS.loadFailed(error.message), "error");
      return;
    }
    say(status, message, state);
  }

  // Runs one change; either way the list is reloaded (a refused role change shows the old one).
  async function change(request, success) {
    try {
      await request();
    } catch (error) {
      await reloadAndSay(STRINGS.notChanged(error.message), "error");
      return;
    }
    await reloadAndSay(success);
  }

  function passwordRow(user, columns) {
    const id = `password-${user.id}`;
    const input = el("input", {
      id, type: "password", autocomplete: "new-password", required: true,
      "aria-label": STRINGS.newPasswordFor(user.username), dataset: { focusKey: `${user.id}:password-input` },
    });
    const error = el("p", { className: "error", role: "alert", hidden: true });
    const cancel = el("button", {
      type: "button", className: "secondary", "aria-label": STRINGS.actionFor(STRINGS.cancel, user.username),
    }, STRINGS.cancel);
    const formElement = el("form", { className: "form-row" }, input,
      el("button", { type: "submit", "aria-label": STRINGS.actionFor(STRINGS.setPassword, user.username) },
        STRINGS.setPassword), cancel);
    const row = el("tr", { className: "subrow", dataset: { passwordFor: user.username } },
      el("td", { colspan: columns }, formElement, error));
    cancel.addEventListener("click", () => {
      row.remove();
      const opener = document.querySelector(`[data-focus-key="${user.id}:password"]`);
      if (opener) opener.focus();
    });
    formElement.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      try {
        await api(`/api/v1/users/${user.id}`, jsonBody("PATCH", { password: input.value }));
      } catch (failure) {
        text(error, STRINGS.notChanged(failure.message));
        error.hidden = false;
        input.focus();
        return;
      }
      // A new password for yourself ends your own session too: reload() then leads to the login.
      await reloadAndSay(STRINGS.passwordDone(user.username));
    });
    return [row, input];
  }

  function userRow(user, showLastLogin) {
    const name = user.username;
    const row = el("tr", { dataset: { userId: user.id, username: name } });
    row.append(el("th", { scope: "row" }, name, name === me.username ? ` ${STRINGS.you}` : ""));

    const role = el("select", { "aria-label": STRINGS.roleOf(name), dataset: { focusKey: `${user.id}:role` } },
      ...ROLES.map((value) => el("option", { value, selected: value === user.role }, roleName(value))));
    role.addEventListener("change", () => change(
      () => api(`/api/v1/users/${user.id}`, jsonBody("PATCH", { role: role.value })),
      STRINGS.roleChanged(name, role.value)));
    row.append(el("td", {}, role));
    row.append(el("td", { className: user.disabled ? "state-disabled" : "" },
      user.disabled ? STRINGS.disabled : STRINGS.enabled));
    const groupNames = (user.groups || []).map((group) => group.name);
    row.append(el("td", { className: "groups" }, groupNames.length
      ? STRINGS.groupsOfUser(groupNames) : el("span", { className: "muted" }, STRINGS.inNoGroup)));
    row.append(el("td", {}, formatTime(user.created_at)));
    if (showLastLogin) row.append(el("td", {}, user.last_login_at ? formatTime(user.last_login_at) : STRINGS.never));

    const button = (label, key, handler, extra = {}) => {
      const element = el("button", {
        type: "button", "aria-label": STRINGS.actionFor(label, name),
        dataset: { focusKey: `${user.id}:${key}` }, ...extra,
      }, label);
      element.addEventListener("click", handler);
      return element;
    };
    const actions = el("td", { className: "actions" });
    actions.append(
      button(user.disabled ? STRINGS.enable : STRINGS.disable, "disabled", () => change(
        () => api(`/api/v1/users/${user.id}`, jsonBody("PATCH", { disabled: !user.disabled })),
        user.disabled ? STRINGS.enabledDone(name) : STRINGS.disabledDone(name))),
      button(STRINGS.resetPassword, "password", () => {
        const open = body.querySelector(`tr[data-password-for="${CSS.escape(name)}"]`);
        if (open) { open.querySelector("input").focus(); return; }
        const [subrow, input] = passwordRow(user, row.children.length);
        row.after(subrow);
        input.focus();
      }, { className: "secondary" }),
      button(STRINGS.unlock, "unlock", () => change(
        () => api(`/api/v1/users/${user.id}/unlock`, { method: "POST" }), STRINGS.unlocked(name)),
      { className: "secondary" }),
      button(STRINGS.remove, "delete", () => {
        if (!window.confirm(STRINGS.confirmDelete(name))) return;
        change(() => api(`/api/v1/users/${user.id}`, { method: "DELETE" }), STRINGS.deleted(name));
      }, { className: "danger" }),
    );
    row.append(actions);
    return row;
  }

  function render() {
    const focused = focusKey();
    // The list shows the last login only where the server reports it.
    const showLastLogin = users.some((user) => "last_login_at" in user);
    lastLoginHeader.hidden = !showLastLogin;
    body.replaceChildren(...users.map((user) => userRow(user, showLastLogin)));
    if (status.dataset.state === undefined || status.dataset.state === "busy") {
      say(status, STRINGS.usersCount(users.length));
    }
    restoreFocus(focused);
    sets.usersChanged(users);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    createError.hidden = true;
    const username = form.username.value.trim();
    const role = form.role.value;
    try {
      await api("/api/v1/users", jsonBody("POST", { username, password: form.password.value, role }));
    } catch (error) {
      text(createError, STRINGS.notCreated(error.message));
      createError.hidden = false;
      (/password/i.test(error.message) ? form.password : form.username).focus();
      return;
    }
    form.reset();
    form.role.value = "viewer";
    await reloadAndSay(STRINGS.created(username, role));
  });

  // After members are saved the list shows each user's groups as they are now.
  const sets = groupSections(users, () => reload().catch((error) => {
    say(status, STRINGS.loadFailed(error.message), "error");
  }));
  render();
  await sets.start();
}

// ---------------------------------------------------------------------------- Permissions

// Whom a row of the matrix is for, a user or a group, and where its grants are kept.
function subjectOf(kind, record) {
  const isUser = kind === "user";
  return {
    kind, record, id: record.id, key: `${kind}:${record.id}`, name: isUser ? record.username : record.name,
    path: `/api/v1/${isUser ? "users" : "groups"}/${record.id}/grants`,
  };
}

// A grant as PUT takes it: the one target it names, its operations and its window.
function grantIn(grant) {
  const target = grant.camera_id !== null ? { camera_id: grant.camera_id } : { camera_group_id: grant.camera_group_id };
  return { ...target, operations: grant.operations, playback_window_hours: grant.playback_window_hours };
}

function withWindow(op, name, hours) {
  return (op === "playback" || op === "export") && hours ? STRINGS.viaWindow(name, hours) : name;
}

// Where a user has an operation on a camera from besides their own grant on it: the grants
// of their groups and the grants on camera groups, as GET /users/{id}/permissions lists them.
function inheritedOnCamera(cameraPermission, op) {
  if (!cameraPermission) return [];
  return cameraPermission.via
    .filter((source) => (source.kind === "group" || source.camera_group_id !== null) && source.operations.includes(op))
    .map((source) => {
      let name = STRINGS.viaOwnCameraGroup(source.camera_group_name);
      if (source.kind === "group") {
        name = source.camera_group_id === null ? STRINGS.viaGroup(source.group_name)
          : STRINGS.viaGroupOn(source.group_name, source.camera_group_name);
      }
      return withWindow(op, name, source.playback_window_hours);
    });
}

async function permissionsPage() {
  const status = byId("permissions-status");
  let users;
  try {
    users = await api("/api/v1/users");
  } catch (error) {
    showRefusal(error);
    return;
  }
  reveal();
  const editableUsers = users.filter((user) => user.role !== "admin");
  let cameras;
  let groups;
  let cameraGroups;
  const grants = new Map(); // subject key ("user:2", "group:1") → its grants as last read or saved
  const permissions = new Map(); // user id → GET /users/{id}/permissions
  async function loadPermissions(userId) {
    permissions.set(userId, await api(`/api/v1/users/${userId}/permissions`));
  }
  try {
    [cameras, groups, cameraGroups] = await Promise.all(
      ["/api/v1/cameras", "/api/v1/groups", "/api/v1/camera-groups"].map((path) => api(path)));
    const subjects = [...editableUsers.map((user) => subjectOf("user", user)),
      ...groups.map((group) => subjectOf("group", group))];
    await Promise.all([
      ...subjects.map(async (subject) => grants.set(subject.key, (await api(subject.path)).grants)),
      ...editableUsers.map((user) => loadPermissions(user.id)),
    ]);
  } catch (error) {
    say(status, STRINGS.loadFailed(error.message), "error");
    return;
  }
  if (cameras.length === 0) { say(status, STRINGS.noCameras); byId("permissions").hidden = true; return; }

  // Two parts, each a table with its own Save per row: grants on cameras and on camera groups.
  // Saving one part of a row keeps the grants of the other part as they were last saved.
  const cameraPart = {
    name: "cameras", table: byId("permissions"), field: "camera_id", targets: cameras,
    targetName: (camera) => camera.name, saveLabel: STRINGS.saveGrantsOf,
    inherited(user, cameraId, op) {
      const answer = permissions.get(user.id);
      return inheritedOnCamera(answer && answer.cameras.find((camera) => camera.camera_id === cameraId), op);
    },
  };
  const cameraGroupPart = {
    name: "camera-groups", table: byId("permissions-camera-groups"), field: "camera_group_id",
    targets: cameraGroups, targetName: (cameraGroup) => STRINGS.onCameraGroup(cameraGroup.name),
    saveLabel: STRINGS.saveCameraGroupGrantsOf,
    inherited(user, cameraGroupId, op) { // the grants of the user's groups on this camera group
      return user.groups.flatMap((group) => (grants.get(`group:${group.id}`) || [])
        .filter((grant) => grant.camera_group_id === cameraGroupId && grant.operations.includes(op))
        .map((grant) => withWindow(op, STRINGS.viaGroup(group.name), grant.playback_window_hours)));
    },
  };
  const parts = cameraGroups.length ? [cameraPart, cameraGroupPart] : [cameraPart];
  const columnsPerTarget = OPERATIONS.length + 1;

  function rowLabel(subject) {
    const note = subject.kind === "group" ? STRINGS.groupMark(subject.record.member_ids.length)
      : `${roleName(subject.record.role)}${subject.record.disabled ? `, ${STRINGS.disabledMark}` : ""}`;
    return el("th", { scope: "row" }, subject.name, el("span", { className: "muted small" }, ` ${note}`));
  }

  function adminRow(part, user) {
    return el("tr", { className: "admin", dataset: { username: user.username } }, rowLabel(subjectOf("user", user)),
      el("td", { colspan: part.targets.length * columnsPerTarget + 1, className: "muted" }, STRINGS.adminAll));
  }

  // Notes under the boxes of a user's row: what the user has there through groups and camera
  // groups, described to screen readers along with each box.
  function markInherited(part, row, user) {
    for (const box of row.querySelectorAll("input[data-operation]")) {
      const cell = box.parentElement;
      const old = cell.querySelector(".via");
      if (old) old.remove();
      const op = box.dataset.operation;
      const sources = [...new Set(part.inherited(user, Number(box.dataset.targetId), op))];
      if (sources.length) {
        const id = `via-${part.name}-${user.id}-${box.dataset.targetId}-${op}`;
        cell.append(el("span", { className: "via", id }, STRINGS.via(sources)));
        box.setAttribute("aria-describedby", id);
        cell.dataset.inherited = "true";
      } else {
        box.removeAttribute("aria-describedby");
        delete cell.dataset.inherited;
      }
    }
  }

  // After a save: what the user, or the group's members, now have through other grants.
  async function refreshInherited(subject) {
    const ids = subject.kind === "user" ? [subject.id] : subject.record.member_ids;
    const members = editableUsers.filter((user) => ids.includes(user.id));
    await Promise.all(members.map((user) => loadPermissions(user.id)));
    for (const user of members) {
      for (const part of parts) {
        const row = part.table.querySelector(`tr[data-user-id="${user.id}"]`);
        if (row) markInherited(part, row, user);
      }
    }
  }

  function editableRow(part, subject) {
    const row = el("tr", { dataset: subject.kind === "user" ? { username: subject.name, userId: subject.id }
      : { groupName: subject.name, groupId: subject.id } });
    const rowStatus = el("span", { className: "row-status", role: "status" });
    const byTarget = new Map((grants.get(subject.key) || []).filter((grant) => grant[part.field] !== null)
      .map((grant) => [grant[part.field], grant]));
    const cells = [];
    for (const target of part.targets) {
      const grant = byTarget.get(target.id);
      const on = part.targetName(target);
      for (const op of OPERATIONS) {
        cells.push(el("td", { className: "op" }, el("input", {
          type: "checkbox", checked: Boolean(grant && grant.operations.includes(op)),
          "aria-label": STRINGS.operationLabel(op, subject.name, on), dataset: { targetId: target.id, operation: op },
        })));
      }
      cells.push(el("td", { className: "window" }, el("input", {
        type: "number", min: 1, max: PLAYBACK_WINDOW_MAX_HOURS, step: 1, inputmode: "numeric",
        placeholder: STRINGS.noLimit, value: grant && grant.playback_window_hours ? grant.playback_window_hours : "",
        "aria-label": STRINGS.windowLabel(subject.name, on), dataset: { targetId: target.id, window: "" },
      })));
    }
    const save = el("button", { type: "button", "aria-label": part.saveLabel(subject.name) }, STRINGS.save);
    row.append(rowLabel(subject), ...cells, el("td", { className: "actions" }, save, " ", rowStatus));
    if (subject.kind === "user") markInherited(part, row, subject.record);

    function setState(state, message) {
      row.dataset.state = state;
      say(rowStatus, message, state === "error" ? "error" : state);
    }
    row.addEventListener("input", () => setState("dirty", STRINGS.unsaved));
    row.addEventListener("change", () => setState("dirty", STRINGS.unsaved));

    function collect() {
      // Grants this part does not show (the other part's, targets added since) are kept.
      const shown = new Set(part.targets.map((target) => target.id));
      const result = (grants.get(subject.key) || [])
        .filter((grant) => grant[part.field] === null || !shown.has(grant[part.field])).map(grantIn);
      for (const target of part.targets) {
        const operations = OPERATIONS.filter((op) =>
          row.querySelector(`input[data-target-id="${target.id}"][data-operation="${op}"]`).checked);
        const windowInput = row.querySelector(`input[data-target-id="${target.id}"][data-window]`);
        const raw = windowInput.value.trim();
        let hours = null;
        if (raw !== "" || windowInput.validity.badInput) {
          hours = Number(raw);
          if (!Number.isInteger(hours) || hours < 1 || hours > PLAYBACK_WINDOW_MAX_HOURS) {
            windowInput.focus();
            throw new Error(STRINGS.badWindow(part.targetName(target)));
          }
        }
        if (operations.length) result.push({ [part.field]: target.id, operations, playback_window_hours: hours });
      }
      return result;
    }

    save.addEventListener("click", async () => {
      let body;
      try {
        body = collect();
      } catch (error) {
        setState("error", STRINGS.notSaved(error.message));
        return;
      }
      setState("busy", STRINGS.saving);
      try {
        const answer = await api(subject.path, jsonBody("PUT", { grants: body }));
        grants.set(subject.key, answer.grants);
      } catch (error) {
        setState("error", STRINGS.notSaved(error.message));
        return;
      }
      const fresh = editableRow(part, subject);
      row.replaceWith(fresh);
      fresh.querySelector("button").focus();
      fresh.dataset.state = "saved";
      say(fresh.querySelector(".row-status"), STRINGS.saved);
      say(status, STRINGS.savedFor(subject.name));
      try {
        await refreshInherited(subject);
      } catch (error) {
        say(status, STRINGS.loadFailed(error.message), "error");
      }
    });
    return row;
  }

  function buildPart(part) {
    const { table } = part;
    // Two header rows: cameras (or camera groups) over their operations and window.
    table.querySelectorAll("colgroup, tbody").forEach((node) => node.remove());
    table.querySelector("caption").after(el("colgroup"),
      ...part.targets.map(() => el("colgroup", { span: columnsPerTarget })), el("colgroup"));
    table.tHead.replaceChildren(
      el("tr", {},
        el("th", { scope: "col", rowspan: 2 }, STRINGS.user),
        ...part.targets.map((target) => el("th", { scope: "colgroup", colspan: columnsPerTarget, className: "camera" },
          target.name, target.camera_ids ? el("span", { className: "muted small" },
            ` ${STRINGS.cameraCount(target.camera_ids.length)}`) : null)),
        el("th", { scope: "col", rowspan: 2 }, STRINGS.saveHeader)),
      el("tr", {}, ...part.targets.flatMap(() => [
        ...OPERATIONS.map((op) => el("th", { scope: "col", className: "op" }, operationName(op))),
        el("th", { scope: "col", className: "op" }, STRINGS.windowHeader),
      ])),
    );
    table.append(el("tbody", {}, ...users.map((user) => (user.role === "admin" ? adminRow(part, user)
      : editableRow(part, subjectOf("user", user))))));
    if (groups.length) {
      table.append(el("tbody", { className: "groups" },
        el("tr", { className: "section" }, el("th", { scope: "rowgroup", colspan: part.targets.length * columnsPerTarget + 2 },
          STRINGS.groupsHeader)),
        ...groups.map((group) => editableRow(part, subjectOf("group", group)))));
    }
    table.hidden = false;
  }

  parts.forEach(buildPart);
  const note = byId("camera-group-grants-note");
  note.hidden = cameraGroups.length > 0;
  text(note, cameraGroups.length ? "" : STRINGS.noCameraGroups);
  say(status, editableUsers.length || groups.length
    ? STRINGS.matrixReady(editableUsers.length, groups.length, cameras.length, cameraGroups.length) : STRINGS.noUsers);
  parts.forEach((part) => { part.table.dataset.ready = "true"; });
  window.addEventListener("beforeunload", (event) => {
    if (document.querySelector('table.matrix tr[data-state="dirty"], table.matrix tr[data-state="error"]')) {
      event.preventDefault();
      event.returnValue = STRINGS.leaveUnsaved;
    }
  });
}

// ---------------------------------------------------------------------------------- Audit

// The outcome as recorded, or as the action name tells it for entries that do not record one.
function auditOutcome(entry) {
  if (entry.detail && typeof entry.detail.outcome === "string") return entry.detail.outcome;
  if (entry.action.includes(".denied") || entry.action.includes("_refused")) return STRINGS.outcomeDenied;
  if (entry.action.includes("_failed")) return STRINGS.outcomeFailed;
  return "";
}

// datetime-local values are the site's local time, the zone the log's times are shown in.
function localInputToIso(value) {
  return siteTimeToIso(value);
}

async function auditPage() {
  const form = byId("audit-filters");
  const status = byId("audit-status");
  const body = document.querySelector("#audit tbody");
  const older = byId("audit-older");
  const csv = byId("audit-csv");
  const cameraNames = new Map();
  const actorsSeen = new Set();
  let applied = new URLSearchParams();
  let lastId = null;
  let shown = 0;
  let seenCamera = () => {};
  let requests = 0;

  byId("action-list").replaceChildren(...ACTION_SUGGESTIONS.map((value) => el("option", { value })));

  function filtersFromForm() {
    const params = new URLSearchParams();
    const actor = byId("filter-actor").value.trim();
    const camera = byId("filter-camera").value;
    const action = byId("filter-action").value.trim();
    const since = localInputToIso(byId("filter-since").value);
    const until = localInputToIso(byId("filter-until").value);
    if (actor) params.set("actor", actor);
    if (camera) params.set("camera_id", camera);
    if (action) params.set("action", action);
    if (since) params.set("since", since);
    if (until) params.set("until", until);
    return params;
  }

  function cameraLabel(id) {
    if (id === null || id === undefined) return "";
    return cameraNames.has(id) ? STRINGS.cameraNamed(cameraNames.get(id), id) : STRINGS.cameraNumber(id);
  }

  function entryRow(entry) {
    const outcome = auditOutcome(entry);
    const detail = { ...entry.detail };
    const client = typeof detail.client === "string" ? detail.client : "";
    delete detail.client; // shown in their own columns
    delete detail.outcome;
    const time = el("time", { datetime: entry.occurred_at, title: entry.occurred_at }, formatTime(entry.occurred_at));
    const detailText = Object.keys(detail).length ? JSON.stringify(detail) : "";
    return el("tr", { dataset: { id: entry.id, action: entry.action }, className: outcome && outcome !== "allowed" ? "refused" : "" },
      el("td", {}, time),
      el("td", {}, entry.actor),
      el("td", {}, client),
      el("td", {}, el("code", {}, entry.action)),
      el("td", {}, STRINGS.outcomeNames[outcome] || outcome),
      el("td", {}, cameraLabel(entry.camera_id)),
      el("td", { className: "detail" }, detailText ? el("code", {}, detailText) : ""));
  }

  // Loads the newest page for the applied filters, or (append) the page older than the last.
  async function load(append) {
    const params = new URLSearchParams(applied);
    params.set("limit", String(AUDIT_PAGE_SIZE));
    if (append && lastId !== null) params.set("before_id", String(lastId));
    say(status, STRINGS.loading, "busy");
    const request = ++requests;
    const entries = await api(`/api/v1/audit?${params}`);
    if (request !== requests) return []; // a newer request has replaced this one
    const rows = entries.map(entryRow);
    if (append) body.append(...rows); else body.replaceChildren(...rows);
    shown = append ? shown + entries.length : entries.length;
    if (entries.length) lastId = entries[entries.length - 1].id;
    const more = entries.length === AUDIT_PAGE_SIZE;
    older.hidden = !more;
    entries.forEach((entry) => {
      actorsSeen.add(entry.actor);
      if (entry.camera_id) seenCamera(entry.camera_id);
    });
    byId("actor-list").replaceChildren(...[...actorsSeen].sort().map((value) => el("option", { value })));
    say(status, shown ? STRINGS.entriesShown(shown, more) : STRINGS.noEntries);
    return rows;
  }

  function apply() {
    applied = filtersFromForm();
    const download = new URLSearchParams(applied);
    download.set("format", "csv");
    download.set("limit", String(AUDIT_CSV_LIMIT));
    csv.href = `/api/v1/audit?${download}`;
    lastId = null;
  }

  // Auditors see the names only of the cameras they are granted; others show as numbers.
  const select = byId("filter-camera");
  function addCameraOption(id) {
    if (select.querySelector(`option[value="${id}"]`)) return;
    select.append(el("option", { value: id }, cameraLabel(id)));
  }
  try {
    (await api("/api/v1/cameras")).forEach((camera) => cameraNames.set(camera.id, camera.name));
  } catch (error) { /* names are a convenience; the log itself decides below */ }
  cameraNames.forEach((name, id) => addCameraOption(id));
  seenCamera = addCameraOption;

  apply();
  try {
    await load(false);
  } catch (error) {
    showRefusal(error);
    return;
  }
  reveal();

  async function reloadWithFilters() {
    apply();
    try {
      await load(false);
    } catch (error) {
      say(status, STRINGS.loadFailed(error.message), "error");
    }
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); reloadWithFilters(); });
  form.addEventListener("reset", () => setTimeout(reloadWithFilters, 0));
  older.addEventListener("click", async () => {
    try {
      const rows = await load(true);
      if (rows.length) rows[0].querySelector("td").setAttribute("tabindex", "-1");
      if (rows.length) rows[0].querySelector("td").focus();
    } catch (error) {
      say(status, STRINGS.loadFailed(error.message), "error");
    }
  });
  body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  if (page === "admin-users") usersPage();
  else if (page === "admin-permissions") permissionsPage();
  else if (page === "audit") auditPage();
});
