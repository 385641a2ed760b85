"use strict";
// The page's language for scripts (docs/i18n.md). The server embeds the messages of the
// negotiated language as JSON (#messages) and the site's time zone (body data-timezone);
// <html lang> names the language. Loaded before app.js; everything here is global.
//   t("Saved the group {name}.", { name })      a message, placeholders filled in
//   tn("{n} account.", "{n} accounts.", n, { n }) a message with a plural
//   formatDate(utcIso)                           a time in the site's zone and the language
//   formatNumber(n, options)                     a number the language's way
//   siteTimeToIso("2026-11-29T10:08")            a typed site time as UTC ISO

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

// The wall-clock parts of a moment in the site's zone, to convert typed site times to UTC.
let zoneParts = null;
function siteOffsetMs(epochMs) {
  if (!zoneParts) {
    zoneParts = new Intl.DateTimeFormat("en-US", {
      timeZone: I18N.timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit",
    });
  }
  const parts = {};
  for (const part of zoneParts.formatToParts(new Date(epochMs))) parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(epochMs / 1000) * 1000;
}

// A date and time typed in a form (datetime-local: "2026-11-29T10:08[:00]") read as the site's
// local time, as UTC ISO for the API; null if empty or not a time. The pages show times in
// the site's zone, so what is typed means the same zone.
function siteTimeToIso(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value || "");
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part || 0));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  try {
    // The zone's offset at the moment meant; a second round settles daylight-saving edges.
    let moment = wall - siteOffsetMs(wall);
    moment = wall - siteOffsetMs(moment);
    return new Date(moment).toISOString();
  } catch (error) { // an unknown zone name: the browser's own zone
    const local = new Date(value);
    return Number.isNaN(local.getTime()) ? null : local.toISOString();
  }
}

// The site's calendar day and 24-hour wall clock of `epochMs`, as numbers, from the same
// zone formatter that siteTimeToIso uses: data (the API's ?day=, comparisons, file names),
// not text to show, so the same in every language.
function siteParts(epochMs) {
  siteOffsetMs(epochMs); // makes zoneParts
  const parts = {};
  for (const part of zoneParts.formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  return parts;
}

// "2026-11-29": the site's day of `epochMs` (the playback API's ?day= and the date input).
function siteDay(epochMs) {
  const p = siteParts(epochMs);
  return `${p.year}-${p.month}-${p.day}`;
}

// "2026-11-29 10:15:03": the site's wall clock, language-independent (what a typed time is
// compared with, and snapshot file names).
function siteWallClock(epochMs) {
  const p = siteParts(epochMs);
  return `${siteDay(epochMs)} ${p.hour === "24" ? "00" : p.hour}:${p.minute}:${p.second}`;
}

// Video times (live and playback) in the language and the site's zone, on a 24-hour clock
// as CCTV shows them: "10:15:03", "Nov 29, 2026, 10:15:03" / "2026年11月29日 10:15:03".
const videoFormats = {};
function videoFormat(kind) {
  if (!videoFormats[kind]) {
    const clock = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
    const options = kind === "clock" ? clock : { year: "numeric", month: "short", day: "numeric", ...clock };
    try {
      videoFormats[kind] = new Intl.DateTimeFormat(I18N.lang, { ...options, timeZone: I18N.timeZone });
    } catch (error) { // an unknown zone name: the browser's zone, still in the right language
      videoFormats[kind] = new Intl.DateTimeFormat(I18N.lang, options);
    }
  }
  return videoFormats[kind];
}

function formatClock(epochMs) { return videoFormat("clock").format(new Date(epochMs)); }
function formatDateTime(epochMs) { return videoFormat("datetime").format(new Date(epochMs)); }
