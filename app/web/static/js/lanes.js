// The lane screen: the blueprint's lane rules as an ordered, editable list, the suggestions with
// their reasons (accepted one by one), a live count of what each rule takes (a dry run on the API),
// and saving them as the blueprint's lanes.

import {api} from "./api.js";
import {byId, debounce, h, put, table} from "./dom.js";
import {count, counted, share} from "./format.js";
import {conditions, countLine, LANES, matchOf, ruleItem} from "./rules.js";
import {can, describe, once, pathId, say, start} from "./shell.js";

const id = pathId();
const state = {blueprint: null, rules: [], defaultLane: null, taken: null, run: 0, accepted: new Set(),
  countedFor: null, countFailed: false};

function clean(rule) {
  const out = {lane: rule.lane, match: matchOf(conditions(rule.match))};
  if (rule.evidence) out.evidence = rule.evidence;
  if (rule.evidence_attribute) out.evidence_attribute = rule.evidence_attribute;
  return out;
}

/** The rules as the API takes them, and for each the index of its count (null: incomplete). */
function lanesBody() {
  const complete = [], where = [];
  for (const rule of state.rules) {
    const cleaned = clean(rule);
    where.push(Object.keys(cleaned.match).length ? complete.length : null);
    if (Object.keys(cleaned.match).length) complete.push(cleaned);
  }
  return {body: {rules: complete, default: state.defaultLane || null}, where};
}

/** The last count, if it was of the rules as they are now: after a move, a removal or an accept the
 *  older count's figures, taken by position, would be shown under other rules until the new one came. */
function currentCount() {
  return state.taken && state.countedFor === JSON.stringify(lanesBody().body) ? state.taken : null;
}

/** What rule `i` takes, by the count (zero for a rule without a condition yet; null: counting). */
function takenBy(taken, where, i) {
  if (where[i] === null) return {events: 0, activities: 0, cases: 0, top: []};
  return taken && (taken.failed ? taken : taken.rules[where[i]]);
}

function draw() {
  const editable = can("admin");
  const {where} = lanesBody();
  const actions = {
    move: (i, step) => {
      const [rule] = state.rules.splice(i, 1);
      state.rules.splice(i + step, 0, rule);
      changed(true);
      byId(`rule-${i + step}`)?.querySelector("select")?.focus();
    },
    remove: (i) => {
      state.rules.splice(i, 1);
      changed(true);
      // The removed rule's controls are gone: the focus goes to the rule now in its place (or to
      // adding one), not back to the page's top.
      const next = Math.min(i, state.rules.length - 1);
      (next >= 0 ? byId(`rule-${next}`).querySelector("select") : byId("add-rule"))?.focus();
    },
  };
  const taken = currentCount();
  put(byId("rules"), state.rules.map((rule, i) => ruleItem(rule, i, state.rules.length, {editable,
    changed, actions, taken: takenBy(taken, where, i)})));
  drawRest();
}

/** A new count changes only the count lines: the rules' controls stay, and so do the focus and
 *  whatever is being typed (a redraw here took them away while the user typed). */
function drawCounts() {
  const {where} = lanesBody(), taken = currentCount();
  state.rules.forEach((rule, i) => {
    byId(`rule-${i}`)?.querySelector(".count")?.replaceWith(countLine(takenBy(taken, where, i)));
  });
  drawRest();
}

function drawRest() {
  const taken = currentCount();
  if (!taken) return put(byId("rest"), h("p", {class: "muted"}, "counting…"));
  if (taken.failed) return put(byId("rest"), h("p", {class: "problem"}, `Not counted: ${taken.failed}`));
  const unmapped = taken.unmapped;
  put(byId("rest"), h("p", {id: "default-count"}, state.defaultLane
    ? `The default lane (${state.defaultLane}) takes ${counted(taken.default.events, "event")} of ` +
      `${counted(taken.default.activities, "activity", "activities")}.`
    : "No default lane: events no rule takes stay unmapped."),
  h("h3", {}, `Unmapped: ${count(unmapped.events)} of ${count(taken.events)} events ` +
    `(${share(taken.events ? unmapped.events / taken.events : 0)}), ` +
    `${counted(unmapped.activities, "activity", "activities")}`),
  unmapped.top.length ? table([["activity", (t) => t.activity], ["events", (t) => count(t.events), "n"]],
    unmapped.top, "The unmapped activities with most events") : null);
}

const recount = debounce(async () => {
  const run = ++state.run, body = lanesBody().body;
  try {
    const taken = await api(`/v1/blueprints/${id}/lanes/dry-run`, {method: "POST", json: body});
    if (run !== state.run) return;
    state.taken = taken;
    state.countedFor = JSON.stringify(body);
    drawCounts();
    if (state.countFailed) say("");  // the rules count again: the error about the earlier ones is no longer true
    state.countFailed = false;
  } catch (error) {
    if (run !== state.run) return;
    // Said, and in place of the counts: "counting…" would have stayed until the next edit.
    state.taken = {failed: describe(error)};
    state.countedFor = JSON.stringify(body);
    state.countFailed = true;
    drawCounts();
    say(describe(error), "error");
  }
}, 300);

function changed(redraw = false) {
  if (redraw) draw();
  recount();
}

function accept(suggestion, button) {
  if (suggestion.default) {
    state.defaultLane = suggestion.lane;
    byId("default-lane").value = suggestion.lane;
  } else {
    state.rules.push(structuredClone(suggestion.rule));
  }
  state.accepted.add(suggestion);
  button.disabled = true;
  button.textContent = "Accepted";
  button.closest(".suggestion").classList.add("accepted");
  changed(true);
  say(suggestion.default ? `The default lane is now ${suggestion.lane}.` : `Rule ${state.rules.length} added.`);
  // The pressed button is disabled now, which dropped the focus to the page's top: on to the next
  // suggestion still to take, or to saving.
  (document.querySelector(".suggestion button.accept:not([disabled])") || byId("save"))?.focus();
}

const ruleKey = (rule) => JSON.stringify([rule.lane, matchOf(conditions(rule.match))]);

/** Whether the rules hold the suggestion already (saved on an earlier visit): accepting it again
 *  would add a second copy of a rule, which takes nothing. */
function held(suggestion) {
  if (suggestion.default) return state.defaultLane === suggestion.lane;
  return state.rules.some((rule) => ruleKey(rule) === ruleKey(suggestion.rule));
}

function suggestionItem(suggestion, i) {
  const e = suggestion.evidence;
  const already = held(suggestion);
  const button = h("button", {type: "button", class: "accept", "data-needs": "admin", disabled: already,
    "aria-label": `Accept suggestion ${i + 1}: ${suggestion.lane}`}, already ? "In your rules" : "Accept");
  button.addEventListener("click", () => accept(suggestion, button));
  return h("li", {class: already ? "suggestion held" : "suggestion"},
    h("p", {}, h("span", {class: "lane-badge"}, suggestion.lane), suggestion.default ? " default lane" : "",
      ` · confidence ${share(suggestion.confidence)} · ${count(e.events)} events (${share(e.share)})`),
    h("p", {}, suggestion.reason),
    suggestion.rule ? h("p", {class: "muted"}, `matches ${JSON.stringify(suggestion.rule.match)}`) : null,
    can("admin") ? button : null);
}

async function suggestions() {
  put(byId("suggestions"), h("p", {class: "muted"}, "Looking at who does what…"));
  const found = await api(`/v1/blueprints/${id}/lanes/suggest`);
  const all = [...found.rules, found.default];
  put(byId("suggestions"), h("p", {class: "muted"}, `Built on ${found.actor}.`),
    h("ol", {class: "suggestions"}, all.map(suggestionItem)));
}

async function save() {
  const bp = state.blueprint;
  const body = {name: bp.name, sources: bp.sources, correlation: bp.correlation, lanes: lanesBody().body,
    phases: bp.phases, assumptions: bp.assumptions, filters: bp.filters};
  state.blueprint = await api(`/v1/blueprints/${id}`, {method: "PUT", json: body});
  say(`Saved: revision ${state.blueprint.revision}.`);
}

function wire() {
  const select = byId("default-lane");
  put(select, h("option", {value: ""}, "none (unmapped)"), LANES.map((lane) => h("option", {value: lane}, lane)));
  select.value = state.defaultLane || "";
  select.disabled = !can("admin");
  select.addEventListener("change", () => { state.defaultLane = select.value || null; changed(); });
  byId("add-rule")?.addEventListener("click", () => {
    state.rules.push({lane: "customer", match: {activity: ""}});
    changed(true);
    byId(`rule-${state.rules.length - 1}`).querySelector(".condition-value").focus();
  });
  byId("save")?.addEventListener("click", () => once(byId("save"), save));  // one save per click, not per double click
  byId("back").href = `/blueprints/${id}`;
}

start(async () => {
  state.blueprint = await api(`/v1/blueprints/${id}`);
  put(byId("title"), `Lane rules of ${state.blueprint.name}`);
  state.rules = structuredClone(state.blueprint.lanes.rules);
  state.defaultLane = state.blueprint.lanes.default;
  wire();
  draw();
  recount();
  await suggestions();
  document.body.dataset.ready = "true";
});
