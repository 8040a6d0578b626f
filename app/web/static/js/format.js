// Figures as short text, the same way app/web/format.py writes them on the picture.

const MINUTE = 60, HOUR = 3600, DAY = 86400;

function oneDecimal(value, unit) {
  const text = value < 9.95 ? value.toFixed(1) : value.toFixed(0);
  return `${text.replace(/\.0$/, "")} ${unit}`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const sign = seconds < 0 ? "-" : "";
  const value = Math.abs(seconds);
  if (Math.round(value) < MINUTE) return `${sign}${value.toFixed(0)} s`;
  if (Math.round(value / MINUTE) < 60) return `${sign}${(value / MINUTE).toFixed(0)} min`;
  if (value / HOUR < 23.95) return sign + oneDecimal(value / HOUR, "h");
  return sign + oneDecimal(value / DAY, "d");
}

export function count(value) {
  return value === null || value === undefined ? "–" : Number(value).toLocaleString("en-US");
}

/** A count with its noun, singular for one: "1 activity", "4,210 events". */
export function counted(value, singular, plural = `${singular}s`) {
  return `${count(value)} ${value === 1 ? singular : plural}`;
}

export function share(value) {
  if (value === null || value === undefined) return "–";
  const percent = value * 100;
  if (percent > 0 && percent < 0.1) return "<0.1%";
  if (percent < 9.95 && Math.round(percent * 10) / 10 !== Math.round(percent)) return `${percent.toFixed(1)}%`;
  return `${percent.toFixed(0)}%`;
}

export function signedShare(value) {
  if (value === null || value === undefined) return "–";
  return (value >= 0 ? "+" : "-") + share(Math.abs(value));
}

/** How long ago an ISO time was, in words: "3 h ago". */
export function ago(iso, now = Date.now()) {
  if (!iso) return "never";
  const at = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(at)) return iso;
  const seconds = (now - at) / 1000;
  return seconds < 0 ? `in ${duration(-seconds)}` : `${duration(seconds)} ago`;
}

/** Seconds from a number and a unit (min, h, d). */
export const UNITS = {min: MINUTE, h: HOUR, d: DAY};

export function toSeconds(value, unit) {
  const number = Number(value);
  return value === "" || !Number.isFinite(number) ? null : number * UNITS[unit];
}

/** The best unit to show `seconds` in, and the number in it. */
export function inUnit(seconds) {
  if (seconds === null || seconds === undefined) return {value: "", unit: "h"};
  const unit = seconds >= DAY ? "d" : seconds >= HOUR ? "h" : "min";
  return {value: String(+(seconds / UNITS[unit]).toFixed(2)), unit};
}
