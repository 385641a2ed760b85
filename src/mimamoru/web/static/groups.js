"use strict";
// Groups of users and camera groups, on the Users page. Both are named sets kept the same
// way: create one (name, description), rename or describe it, delete it after a confirmation,
// and tick what is in it (users; cameras), saved with one PUT that replaces the whole list.
// Loaded after admin.js, whose STRINGS, el(), say(), byId(), focusKey(), restoreFocus() and
// jsonBody() it uses. Every change goes through api(); the server decides and may refuse.

const SET_KINDS = {
  group: {
    path: "/api/v1/groups", itemsField: "member_ids", itemsPath: "members", bodyField: "user_ids",
    prefix: "group", nameMax: 64, strings: STRINGS.sets.group,
  },
  cameraGroup: {
    path: "/api/v1/camera-groups", itemsField: "camera_ids", itemsPath: "cameras",
    bodyField: "camera_ids", prefix: "camera-group", nameMax: 100, strings: STRINGS.sets.cameraGroup,
  },
};

// One kind of set: its section (#groups-section, #camera-groups-section), its create form and
// one block per set. choices: [{id, label}], what may be in a set (users or cameras).
// onChanged(): after a change that users' lists of groups show (members, a name, a deletion).
function setsSection(kindName, initialChoices, onChanged = () => {}) {
  const kind = SET_KINDS[kindName];
  const S = kind.strings;
  const heading = byId(`${kind.prefix}s-heading`);
  const status = byId(`${kind.prefix}s-status`);
  const list = byId(`${kind.prefix}s-list`);
  const form = byId(`create-${kind.prefix}`);
  const createError = byId(`create-${kind.prefix}-error`);
  const nameField = byId(`new-${kind.prefix}-name`);
  const descriptionField = byId(`new-${kind.prefix}-description`);
  let choices = initialChoices;
  let sets = [];

  function labelOf(id) {
    const choice = choices.find((item) => item.id === id);
    return choice ? choice.label : STRINGS.sets.unknownItem(id);
  }
  function key(set, what) { return `${kind.prefix}:${set.id}:${what}`; }
  function focusOn(set, what) {
    const target = document.querySelector(`[data-focus-key="${CSS.escape(key(set, what))}"]`);
    if (target) target.focus();
  }

  function showEmpty() {
    if (!sets.length) list.replaceChildren(el("p", { className: "muted" }, S.none));
  }

  // Draws one set again from the server's answer; the focus stays where it was.
  function update(set) {
    sets = sets.map((old) => (old.id === set.id ? set : old));
    const focused = focusKey();
    const fresh = block(set);
    const old = list.querySelector(`[data-set-id="${set.id}"]`);
    if (old) old.replaceWith(fresh); else list.append(fresh);
    restoreFocus(focused);
  }

  // Rename or describe: a small form in place of the description, until saved or cancelled.
  function editForm(set, info, editButton) {
    const nameId = `${kind.prefix}-${set.id}-edit-name`;
    const descriptionId = `${kind.prefix}-${set.id}-edit-description`;
    const nameInput = el("input", {
      id: nameId, value: set.name, required: true, maxlength: kind.nameMax,
      "aria-label": S.nameOf(set.name), dataset: { focusKey: key(set, "edit-name") },
    });
    const descriptionInput = el("input", {
      id: descriptionId, value: set.description, maxlength: 2000,
      "aria-label": S.descriptionOf(set.name),
    });
    const error = el("p", { className: "error", role: "alert", hidden: true });
    const cancel = el("button", { type: "button", className: "secondary", "aria-label": S.cancelEditOf(set.name) },
      STRINGS.cancel);
    const formElement = el("form", { className: "form-row" },
      el("div", { className: "field" }, el("label", { for: nameId }, STRINGS.sets.name), nameInput),
      el("div", { className: "field" },
        el("label", { for: descriptionId }, STRINGS.sets.description), descriptionInput),
      el("button", { type: "submit", "aria-label": S.saveEditOf(set.name) }, STRINGS.save), cancel);
    const wrapper = el("div", { className: "set-edit" }, formElement, error);
    function close() {
      wrapper.replaceWith(info);
      editButton.hidden = false;
      editButton.focus();
    }
    cancel.addEventListener("click", close);
    wrapper.addEventListener("keydown", (event) => { if (event.key === "Escape") close(); });
    formElement.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      let answer;
      try {
        answer = await api(`${kind.path}/${set.id}`, jsonBody("PATCH", {
          name: nameInput.value.trim(), description: descriptionInput.value.trim(),
        }));
      } catch (failure) {
        text(error, STRINGS.notChanged(failure.message));
        error.hidden = false;
        nameInput.focus();
        return;
      }
      update(answer);
      focusOn(answer, "edit");
      say(status, S.edited(answer.name));
      if (answer.name !== set.name) onChanged();
    });
    return [wrapper, nameInput];
  }

  function block(set) {
    const name = set.name;
    const ids = set[kind.itemsField];
    const headingId = `${kind.prefix}-${set.id}-name`;
    // While the edit form is open it stands in for the description; the heading stays.
    const info = el("div", { className: "set-info" },
      el("p", { className: set.description ? "" : "muted" }, set.description || STRINGS.sets.noDescription),
      el("p", { className: "set-items" }, ids.length ? S.summary(ids.map(labelOf)) : S.noItems));
    const button = (label, what, className, visible) => el("button", {
      type: "button", className, "aria-label": label, dataset: { focusKey: key(set, what) },
    }, visible);
    const edit = button(S.editOf(name), "edit", "secondary", STRINGS.sets.edit);
    const remove = button(S.deleteOf(name), "delete", "danger", STRINGS.remove);
    const save = button(S.saveItemsOf(name), "save", null, S.saveItems);
    const inSet = new Set(ids);
    const boxes = choices.map((choice) => el("label", { className: "chip" }, el("input", {
      type: "checkbox", checked: inSet.has(choice.id), "aria-label": S.itemIn(choice.label, name),
      dataset: { itemId: choice.id, focusKey: key(set, `item-${choice.id}`) },
    }), ` ${choice.label}`));
    const unsaved = el("span", { className: "row-status", role: "status" });
    const fieldset = el("fieldset", {}, el("legend", {}, S.itemsOf(name)),
      ...(boxes.length ? [...boxes, save, unsaved] : [el("p", { className: "muted" }, S.noChoices)]));
    const element = el("article", { className: "set", "aria-labelledby": headingId, dataset: { setId: set.id, name } },
      el("h3", { id: headingId }, name), info, el("div", { className: "set-actions" }, edit, " ", remove), fieldset);

    fieldset.addEventListener("change", () => {
      element.dataset.state = "dirty";
      text(unsaved, STRINGS.unsaved);
    });
    save.addEventListener("click", async () => {
      const chosen = [...fieldset.querySelectorAll("input:checked")].map((box) => Number(box.dataset.itemId));
      let answer;
      try {
        answer = await api(`${kind.path}/${set.id}/${kind.itemsPath}`, jsonBody("PUT", { [kind.bodyField]: chosen }));
      } catch (error) {
        say(status, STRINGS.notChanged(error.message), "error");
        return;
      }
      update(answer);
      say(status, S.itemsSaved(answer.name));
      onChanged();
    });
    edit.addEventListener("click", () => {
      const [wrapper, nameInput] = editForm(set, info, edit);
      info.replaceWith(wrapper);
      edit.hidden = true;
      nameInput.focus();
    });
    remove.addEventListener("click", async () => {
      if (!window.confirm(S.confirmDelete(name))) return;
      try {
        await api(`${kind.path}/${set.id}`, { method: "DELETE" });
      } catch (error) {
        say(status, STRINGS.notChanged(error.message), "error");
        return;
      }
      sets = sets.filter((old) => old.id !== set.id);
      element.remove();
      showEmpty();
      heading.focus();
      say(status, S.deleted(name));
      onChanged();
    });
    return element;
  }

  async function load() {
    try {
      sets = await api(kind.path);
    } catch (error) {
      say(status, STRINGS.loadFailed(error.message), "error");
      return;
    }
    list.replaceChildren(...sets.map(block));
    showEmpty();
    if (status.dataset.state === undefined) say(status, sets.length ? S.count(sets.length) : S.none);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    createError.hidden = true;
    let created;
    try {
      created = await api(kind.path, jsonBody("POST", {
        name: nameField.value.trim(), description: descriptionField.value.trim(),
      }));
    } catch (error) {
      text(createError, S.notCreated(error.message));
      createError.hidden = false;
      nameField.focus();
      return;
    }
    form.reset();
    if (!sets.length) list.replaceChildren();
    sets.push(created);
    list.append(block(created));
    say(status, S.created(created.name));
  });

  return {
    load,
    // What may be in a set changed (an account created or deleted): draw the sets again.
    async setChoices(newChoices) {
      choices = newChoices;
      await load();
    },
  };
}

window.addEventListener("beforeunload", (event) => {
  if (document.querySelector('article.set[data-state="dirty"]')) {
    event.preventDefault();
    event.returnValue = STRINGS.sets.leaveUnsaved;
  }
});

// The two sections of the Users page; the groups' choices follow the list of accounts.
function groupSections(initialUsers, onMembershipChanged) {
  const userChoices = (users) => users.map((user) => ({ id: user.id, label: user.username }));
  let usersKey = JSON.stringify(userChoices(initialUsers));
  const groups = setsSection("group", userChoices(initialUsers), onMembershipChanged);
  let cameraGroups = null;
  return {
    async start() {
      let cameras = [];
      try {
        cameras = await api("/api/v1/cameras");
      } catch (error) { /* shown as no cameras to choose from; the camera groups still load */ }
      cameraGroups = setsSection("cameraGroup", cameras.map((camera) => ({ id: camera.id, label: camera.name })));
      await Promise.all([groups.load(), cameraGroups.load()]);
    },
    usersChanged(users) {
      const current = JSON.stringify(userChoices(users));
      if (current === usersKey) return;
      usersKey = current;
      groups.setChoices(userChoices(users)); // a deleted account also left its groups
    },
  };
}
