"use strict";
// The page's language for scripts (docs/i18n.md). The server embeds the messages of the
// negotiated language as JSON (#messages) and the site's time zone (body data-timezone);
// <html lang> names the language. Loaded before app.js; everything here is global.
//   t("Saved the group {name}.", { name })      a message, placeholders filled in
//   tn("{n} account.", "{n} accounts.", n, { n }) a message with a plural
//   formatDate(utcIso)                           a time in the site's zone and the language
//   formatNumber(n, options)                     a number the language's way

const I18N = (() => {
  const element = document.getElementById("messages");
  let messages = {};
  try { messages = element ? JSON.parse(element.textContent) : {}; } catch (error) { messages = {}; }
  const lang = document.documentElement.lang || "ja";
  const timeZone = (document.body && document.body.dataset.timezone) || undefined;
  return { messages, lang, timeZone };
})();

function fill(template, params) {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

function t(message, params) {
  const found = I18N.messages[message];
  return fill(typeof found === "string" && found ? found : message, params);
}

// gettext's plural rule for each language of the UI (Japanese has one form).
function pluralIndex(n) {
  return I18N.lang === "ja" ? 0 : (n === 1 ? 0 : 1);
}

function tn(singular, plural, n, params) {
  const forms = I18N.messages[singular];
  const fallback = n === 1 ? singular : plural;
  const chosen = Array.isArray(forms) ? (forms[Math.min(pluralIndex(n), forms.length - 1)] || fallback) : fallback;
  return fill(chosen, { n: formatNumber(n), ...(params || {}) });
}

let dateFormat = null;
function formatDate(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  if (!dateFormat) {
    const options = { dateStyle: "medium", timeStyle: "medium" };
    try {
      dateFormat = new Intl.DateTimeFormat(I18N.lang, { ...options, timeZone: I18N.timeZone });
    } catch (error) { // an unknown zone name: the browser's zone, still in the right language
      dateFormat = new Intl.DateTimeFormat(I18N.lang, options);
    }
  }
  return dateFormat.format(date);
}

function formatNumber(value, options) {
  return new Intl.NumberFormat(I18N.lang, options).format(value);
}
