// One lane rule in the lane screen's list: its lane, its conditions (all must hold), its evidence,
// and what it takes of the events. Rules are plain objects shaped like the API's LaneRule.

import {h} from "./dom.js";
import {count, counted} from "./format.js";

export const LANES = ["customer", "frontstage", "backstage", "support"];
const KINDS = [["activity", "activity is"], ["activity_regex", "activity matches"], ["role", "role is"],
  ["role_regex", "role matches"], ["resource", "resource is"], ["resource_regex", "resource matches"],
  ["source", "source is"], ["system", "system kind is"], ["attribute", "attribute is"],
  ["attribute_regex", "attribute matches"]];
const PAIRED = new Set(["attribute", "attribute_regex"]);

/** The rule's conditions as rows [kind, name, value]. */
export function conditions(match) {
  const rows = [];
  for (const [kind] of KINDS) {
    if (match[kind] === undefined || match[kind] === null) continue;
    if (PAIRED.has(kind)) for (const [name, value] of Object.entries(match[kind])) rows.push([kind, name, value]);
    else rows.push([kind, "", match[kind]]);
  }
  return rows;
}

/** A match object from condition rows (rows without a value are left out). */
export function matchOf(rows) {
  const match = {};
  for (const [kind, name, value] of rows) {
    if (value === "") continue;
    if (PAIRED.has(kind)) {
      if (!name) continue;
      match[kind] = {...(match[kind] || {}), [name]: value};
    } else match[kind] = value;
  }
  return match;
}

function laneSelect(value, attrs) {
  return h("select", attrs, LANES.map((lane) => h("option", {value: lane, selected: lane === value}, lane)));
}

/** Replace the condition `was` ([kind, name]) of the rule by `next`, in the rule's match as it is now:
 *  a copy of the rows taken when the list was drawn would undo an edit made since to another row. */
function replaceCondition(rule, was, next) {
  const rows = conditions(rule.match);
  const at = rows.findIndex(([kind, name]) => kind === was[0] && name === was[1]);
  if (at < 0) rows.push(next);
  else rows[at] = next;
  rule.match = matchOf(rows);
}

/** Focus the kind picker of the rule's condition `row` after a redraw (its place may have moved). */
function focusKind(rule, index, row) {
  const at = conditions(rule.match).findIndex(([kind, name]) => kind === row[0] && name === row[1]);
  document.getElementById(`rule-${index}`)?.querySelectorAll(".condition select")[at]?.focus();
}

function conditionRow(rule, index, row, i, {editable, changed}) {
  const [kind, name, value] = row;
  const rows = conditions(rule.match);
  // The row as it is now: each control edits it, so a kind picked and then a value typed keep both
  // (the values the row was drawn with put the older kind or value back).
  let now = row;
  const update = (next, redraw = false) => {
    replaceCondition(rule, now, next);
    now = next;
    changed(redraw);
  };
  const pickKind = (k) => {
    const paired = PAIRED.has(k) !== PAIRED.has(now[0]);  // the attribute name box comes or goes: redraw
    update([k, PAIRED.has(k) ? now[1] || "channel" : "", now[2]], paired);
    if (paired) focusKind(rule, index, now);
  };
  const label = `Rule ${index + 1}, condition ${i + 1}`;
  return h("div", {class: "row condition"},
    h("select", {"aria-label": `${label}: kind`, disabled: !editable, onchange: (e) => pickKind(e.target.value)},
      KINDS.map(([k, text]) => h("option", {value: k, selected: k === kind}, text))),
    PAIRED.has(kind) ? h("input", {value: name, size: 12, "aria-label": `${label}: attribute name`,
      disabled: !editable, onchange: (e) => update([now[0], e.target.value.trim(), now[2]])}) : null,
    h("input", {value, size: 28, "aria-label": `${label}: value`, disabled: !editable, class: "condition-value",
      onchange: (e) => update([now[0], now[1], e.target.value])}),
    editable && rows.length > 1 ? h("button", {type: "button", "aria-label": `${label}: remove`,
      onclick: () => {
        rule.match = matchOf(conditions(rule.match).filter(([k, n]) => k !== now[0] || n !== now[1]));
        changed(true);
        document.getElementById(`rule-${index}`)?.querySelector(".condition-value")?.focus();  // not the page top
      }}, "✕") : null);
}

/** What a rule takes, as one line ("counting…" until the first count). */
export function countLine(taken) {
  if (!taken) return h("p", {class: "count"}, "counting…");
  if (taken.failed) return h("p", {class: "count none"}, "not counted (the rules as they are have an error)");
  if (!taken.events) return h("p", {class: "count none"}, "takes no events (an earlier rule took them, or none match)");
  const top = taken.top.slice(0, 4).map((t) => `${t.activity} (${count(t.events)})`).join(", ");
  return h("p", {class: "count"}, `takes ${counted(taken.events, "event")} of ` +
    `${counted(taken.activities, "activity", "activities")} in ${counted(taken.cases, "case")}: ` +
    `${top}${taken.activities > 4 ? ", …" : ""}`);
}

/** The kind of a new condition: the first whose field no condition reads yet ("role is" beside
 *  "activity is"), else the first kind not used, else another attribute. A match holds one condition
 *  of each kind, so adding "activity is" beside an activity condition added nothing. */
function unusedKind(match) {
  const used = (kind) => match[kind] !== undefined && match[kind] !== null;
  const field = (kind) => kind.replace(/_regex$/, "");
  const single = KINDS.map(([kind]) => kind).filter((kind) => !PAIRED.has(kind));
  return single.find((kind) => !single.some((other) => used(other) && field(other) === field(kind)))
    ?? single.find((kind) => !used(kind)) ?? "attribute";
}

/** The list item of rule `index`; `actions` moves or removes it, `changed(redraw)` after any edit. */
export function ruleItem(rule, index, total, {editable, changed, actions, taken}) {
  const rows = conditions(rule.match);
  const name = `Rule ${index + 1}`;
  return h("li", {class: "rule", id: `rule-${index}`},
    h("div", {class: "row"}, h("strong", {}, name), " → lane ",
      laneSelect(rule.lane, {"aria-label": `${name}: lane`, disabled: !editable, class: "rule-lane",
        onchange: (e) => { rule.lane = e.target.value; changed(); }}),
      editable ? [
        h("button", {type: "button", disabled: index === 0, "aria-label": `${name}: move up`, onclick: () => actions.move(index, -1)}, "↑"),
        h("button", {type: "button", disabled: index === total - 1, "aria-label": `${name}: move down`, onclick: () => actions.move(index, 1)}, "↓"),
        h("button", {type: "button", "aria-label": `${name}: remove`, onclick: () => actions.remove(index)}, "Remove")] : null),
    rows.map((row, i) => conditionRow(rule, index, row, i, {editable, changed})),
    editable ? h("div", {class: "row"}, h("button", {type: "button", class: "link", onclick: () => {
      const kind = unusedKind(rule.match);
      rule.match = PAIRED.has(kind) ? {...rule.match, [kind]: {...(rule.match[kind] || {}), "": ""}}
        : {...rule.match, [kind]: ""};
      changed(true);
      const at = conditions(rule.match).findIndex(([k, n, v]) => k === kind && n === "" && v === "");
      document.querySelector(`[aria-label="${name}, condition ${at + 1}: value"]`)?.focus();  // the new row's value
    }}, "and another condition")) : null,
    h("div", {class: "row"}, h("label", {}, "Evidence it produces ",
      h("input", {value: rule.evidence || "", size: 22, disabled: !editable, placeholder: "e.g. confirmation email",
        onchange: (e) => { rule.evidence = e.target.value.trim() || undefined; changed(); }}))),
    countLine(taken));
}
