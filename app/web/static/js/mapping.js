// The column mapping form of the upload screen: a picker per canonical field, the activity from one
// or several joined columns, the timestamp's format and time zone.

import {byId, h, put} from "./dom.js";

export const FIELDS = [
  ["case_id", "Case", true, "the journey an event belongs to"],
  ["timestamp", "Timestamp", true, "when the event happened (or ended)"],
  ["start_timestamp", "Start timestamp", false, "when the activity started, for service times"],
  ["resource", "Resource", false, "who or what did it"],
  ["role", "Role", false, "the role or team of the resource"],
];
export const FORMATS = [["", "ISO 8601 (2024-05-01 10:00:00, with or without a zone)"],
  ["%d/%m/%Y %H:%M:%S", "31/12/2024 23:59:59"], ["%d/%m/%Y %H:%M", "31/12/2024 23:59"],
  ["%m/%d/%Y %H:%M", "12/31/2024 23:59"], ["%d.%m.%Y %H:%M", "31.12.2024 23:59"],
  ["epoch_s", "seconds since 1970"], ["epoch_ms", "milliseconds since 1970"]];

function columnSelect(id, columns, chosen, {optional, label, disabled}) {
  return h("select", {id, "aria-label": label, disabled},
    optional ? h("option", {value: ""}, "— none —") : h("option", {value: ""}, "— choose —"),
    columns.map((c) => h("option", {value: c, selected: c === chosen}, c)));
}

function activityPickers(node, columns, chosen, disabled) {
  const picked = chosen.length ? chosen : [""];
  put(node, picked.map((c, i) => columnSelect(`map-activity-${i}`, columns, c,
    {optional: i > 0, label: `Activity column ${i + 1}`, disabled})),
  disabled ? null : h("button", {type: "button", id: "join-column", onclick: () => {
    const now = readActivity();
    activityPickers(node, columns, [...(now.length ? now : [""]), ""], disabled);
    byId(`map-activity-${now.length || 1}`)?.focus();
  }}, "Join another column"));
}

function readActivity() {
  return [...document.querySelectorAll("[id^=map-activity-]")].map((el) => el.value).filter(Boolean);
}

/** Draw the form for `columns`, prefilled from `mapping` (a source's, or the guessed one). */
export function drawMapping(node, columns, mapping, {timezone, disabled}) {
  const activity = Array.isArray(mapping.activity) ? mapping.activity : mapping.activity ? [mapping.activity] : [];
  const joined = h("div", {class: "joined", id: "activity-pickers"});
  const rows = [h("label", {for: "map-activity-0"}, "Activity (required)"), joined];
  for (const [field, label, required, hint] of FIELDS) {
    rows.push(h("label", {for: `map-${field}`, title: hint}, `${label}${required ? " (required)" : ""}`),
      columnSelect(`map-${field}`, columns, mapping[field] || "", {optional: !required, label, disabled}));
    if (field === "timestamp") {
      rows.push(h("label", {for: "map-format"}, "Timestamp format"),
        h("select", {id: "map-format", disabled}, FORMATS.map(([value, text]) => h("option", {value,
          selected: value === (mapping.timestamp_format || "")}, text))),
      h("label", {for: "map-timezone"}, "Time zone of timestamps without one"),
      h("input", {id: "map-timezone", value: timezone || "UTC", size: 20, disabled}));
    }
  }
  rows.push(h("label", {for: "map-separator"}, "Joined activity separator"),
    h("input", {id: "map-separator", value: mapping.activity_separator || "+", size: 3, disabled}));
  put(node, h("div", {class: "mapping-grid"}, rows));
  activityPickers(joined, columns, activity, disabled);
}

/** The mapping the form holds (only the fields chosen), and the time zone. */
export function readMapping() {
  const mapping = {};
  const activity = readActivity();
  if (activity.length) mapping.activity = activity.length === 1 ? activity[0] : activity;
  for (const [field] of FIELDS) {
    const value = byId(`map-${field}`).value;
    if (value) mapping[field] = value;
  }
  if (byId("map-format").value) mapping.timestamp_format = byId("map-format").value;
  const separator = byId("map-separator").value;
  if (separator && separator !== "+") mapping.activity_separator = separator;
  return {mapping, timezone: byId("map-timezone").value.trim() || "UTC"};
}

/** What the mapping lacks, in words (empty: nothing). */
export function missing(mapping) {
  const lacking = [];
  if (!mapping.case_id) lacking.push("the case column");
  if (!mapping.activity) lacking.push("the activity column");
  if (!mapping.timestamp) lacking.push("the timestamp column");
  return lacking;
}
