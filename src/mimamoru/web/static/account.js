"use strict";
// The caller's own account: two-factor, sessions, API tokens. Uses api() from app.js.

async function accountPage() {
  const status = document.getElementById("account-status");
  const say = (message) => text(status, message);
  const button = (label, onClick) => {
    const element = document.createElement("button");
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  };
  const row = (cells, action) => {
    const tr = document.createElement("tr");
    cells.forEach((value) => {
      const td = document.createElement("td");
      td.textContent = value;
      tr.append(td);
    });
    const last = document.createElement("td");
    if (action) last.append(action);
    tr.append(last);
    return tr;
  };

  const totpState = document.getElementById("totp-state");
  const enrol = document.getElementById("totp-enrol");
  const setup = document.getElementById("totp-setup");
  const form = document.getElementById("totp-form");
  const submit = document.getElementById("totp-submit");
  let enabled = false;

  async function showTotp() {
    const me = await api("/api/v1/auth/me");
    enabled = me.totp_enabled;
    document.getElementById("totp-required").hidden = !me.must_enrol_totp;
    text(totpState, enabled ? t("On: logging in asks for a code from your app.") : t("Off."));
    enrol.hidden = enabled;
    setup.hidden = true;
    form.hidden = !enabled;
    text(submit, enabled ? t("Turn off") : t("Confirm"));
  }

  enrol.addEventListener("click", async () => {
    try {
      const started = await api("/api/v1/auth/totp", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
      });
      text(document.getElementById("totp-secret"), started.secret.replace(/(.{4})/g, "$1 ").trim());
      text(document.getElementById("totp-uri"), started.otpauth_uri);
      setup.hidden = false;
      form.hidden = false;
      enrol.hidden = true;
      say(t("Enter the code from your app to finish."));
    } catch (error) { say(t("Could not start: {detail}", { detail: error.message })); }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = document.getElementById("totp-code").value.trim();
    try {
      await api(enabled ? "/api/v1/auth/totp/disable" : "/api/v1/auth/totp", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ code }),
      });
      document.getElementById("totp-code").value = "";
      say(enabled ? t("Two-factor authentication is off.") : t("Two-factor authentication is on."));
      await showTotp();
    } catch (error) { say(error.message); }
  });

  async function showSessions() {
    const sessions = await api("/api/v1/auth/sessions");
    document.querySelector("#sessions tbody").replaceChildren(...sessions.map((s) => row(
      [s.client, s.user_agent, formatTime(s.created_at), formatTime(s.last_seen_at),
        formatTime(s.idle_expires_at)],
      s.current ? document.createTextNode(t("this session")) : button(t("End"), async () => {
        await api(`/api/v1/auth/sessions/${s.id}`, { method: "DELETE" });
        say(t("Session ended."));
        await showSessions();
      }),
    )));
  }

  async function showTokens() {
    const tokens = await api("/api/v1/auth/tokens");
    document.querySelector("#tokens tbody").replaceChildren(...tokens.map((token) => row(
      [token.name, token.operations.map(operationName).join(", "), token.revoked_at ? t("revoked") : formatTime(token.expires_at),
        formatTime(token.last_used_at)],
      token.revoked_at ? null : button(t("Revoke"), async () => {
        await api(`/api/v1/auth/tokens/${token.id}`, { method: "DELETE" });
        say(t("Token {name} revoked.", { name: token.name }));
        await showTokens();
      }),
    )));
  }

  document.getElementById("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const operations = [...document.querySelectorAll('input[name="operations"]:checked')]
      .map((box) => box.value);
    try {
      const issued = await api("/api/v1/auth/tokens", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          name: document.getElementById("token-name").value,
          operations,
          expires_in_days: Number(document.getElementById("token-days").value),
        }),
      });
      text(document.getElementById("token-value"), issued.token);
      document.getElementById("token-new").hidden = false;
      say(t("Token {name} made; copy it now.", { name: issued.name }));
      await showTokens();
    } catch (error) { say(error.message); }
  });

  try {
    await showTotp();
    await showSessions();
    await showTokens();
    say("");
    status.dataset.ready = "true";
  } catch (error) { say(error.message); }
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page === "account") accountPage();
});
