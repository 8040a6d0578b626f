// The blueprint screen: create a blueprint from sources with its correlation attribute; then its
// phases (drag steps into them, or accept the derived ones) and the assumed durations of its steps
// and phases.

import {api} from "./api.js";
import {byId, h, put, table} from "./dom.js";
import {duration} from "./format.js";
import {drawBoard, durationInput, focusChip} from "./phases.js";
import {can, describe, once, pathId, say, start} from "./shell.js";

const id = pathId();
const state = {sources: [], blueprint: null, feed: null, phases: [], steps: {}, asked: 0};

function checkedSources() {
  return [...document.querySelectorAll("#source-list input:checked")].map((el) => Number(el.value));
}

/** The attributes of the checked sources as the choices to join on. Only the last ask fills them: a
 *  slower answer for an earlier set of boxes would list the wrong sources' attributes. */
async function correlationOptions(selected) {
  const asked = ++state.asked;
  const answers = await Promise.all(checkedSources().map((sid) => api(`/v1/sources/${sid}/attributes`)));
  if (asked !== state.asked) return;
  const names = new Set(answers.flat());
  const chosen = byId("correlation").value || selected;  // what the person picked while it loaded stays
  put(byId("correlation"), h("option", {value: "case_id"}, "each source's own case id"),
    [...names].sort().map((n) => h("option", {value: n, selected: n === chosen}, `the attribute ${n}`)));
}

function drawSources(chosen) {
  put(byId("source-list"), h("p", {}, "Sources it draws on:"), state.sources.map((src) => h("label", {},
    h("input", {type: "checkbox", value: src.id, checked: chosen.includes(src.id), disabled: !can("admin"),
      onchange: () => correlationOptions().catch((error) => say(describe(error), "error"))}),
    ` ${src.name} (${src.system})`)),
  state.sources.length ? null : h("p", {class: "muted"}, "No source yet: upload a log first."));
}

const board = {
  phases: [], activities: [], editable: false,
  move(activity, from, to) {
    if (from >= 0) this.phases[from].activities = this.phases[from].activities.filter((a) => a !== activity);
    if (to >= 0 && !this.phases[to].activities.includes(activity)) this.phases[to].activities.push(activity);
    drawBoard(byId("phases"), this);
    focusChip(byId("phases"), activity, to > from);
    say(`${activity} is now in ${to >= 0 ? this.phases[to].name : "no phase"}.`);
  },
  removePhase(index) {
    this.phases.splice(index, 1);
    drawBoard(byId("phases"), this);
    // Its button went with it: the focus goes to the phase now in its place, or to adding one.
    (byId("phases").querySelectorAll(".phase-name")[index] || byId("add-phase"))?.focus();
  },
  changed() {},
};

function derivedPhases() {
  const byStep = new Map(state.feed.steps.map((s) => [s.id, s.activity]));
  board.phases = state.feed.phases.map((p) => ({name: p.name, activities: p.steps.map((sid) => byStep.get(sid)),
    assumed_duration_s: p.assumed ? p.assumed.assumed_s : null}));
  drawBoard(byId("phases"), board);
  say(`${board.phases.length} phases taken from where the steps sit in the cases.`);
}

function stepAssumption(activity) {
  const value = state.steps[activity];
  if (value === undefined || value === null) return {assumed_s: null};
  return typeof value === "number" ? {assumed_s: value} : value;
}

/** The step's observed median, service time where known, else waiting before: [what, seconds]. */
function observed(step) {
  if (step.service_time && step.service_time.median_s !== null) return ["service", step.service_time.median_s];
  if (step.waiting_before && step.waiting_before.median_s !== null) return ["wait", step.waiting_before.median_s];
  return [null, null];
}

function observedText(step) {
  const [what, seconds] = observed(step);
  return what ? `${what} ${duration(seconds)}` : "–";
}

function drawAssumptions() {
  const editable = can("admin");
  const measure = (step) => {
    const current = stepAssumption(step.activity);
    const select = h("select", {"aria-label": `${step.activity}: what the duration measures`, disabled: !editable},
      [["", "service where known, else wait"], ["service", "service time"], ["waiting", "waiting before"]]
        .map(([value, text]) => h("option", {value, selected: (current.measure || "") === value}, text)),
      current.measure === "lead" ? h("option", {value: "lead", selected: true}, `lead from ${current.from}`) : null);
    select.addEventListener("change", () => setStep(step.activity, {measure: select.value || undefined}));
    return select;
  };
  put(byId("assumptions"), table([["step", (s) => s.activity], ["lane", (s) => s.lane || "unmapped"],
    ["observed median", observedText],
    ["assumed", (s) => durationInput(`${s.activity}: assumed duration`, stepAssumption(s.activity).assumed_s,
      (seconds) => setStep(s.activity, {assumed_s: seconds}), {disabled: !editable, like: observed(s)[1]})],
    ["measures", measure]], state.feed.steps));
}

function setStep(activity, change) {
  const next = {...stepAssumption(activity), ...change};
  if (next.assumed_s === null || next.assumed_s === undefined) delete state.steps[activity];
  else state.steps[activity] = Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined && v !== null));
}

function body() {
  const bp = state.blueprint || {};
  const assumptions = {...(bp.assumptions || {}), steps: state.steps};
  const phases = board.phases.map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null)));
  assumptions.phases = Object.fromEntries(Object.entries(assumptions.phases || {})
    .filter(([name]) => !phases.some((p) => p.name === name)));
  return {name: byId("name").value.trim(), sources: checkedSources(),
    correlation: {...(bp.correlation || {}), attribute: byId("correlation").value || "case_id"},
    lanes: bp.lanes || {rules: [], default: null}, phases, assumptions, filters: bp.filters || {}};
}

function save(event) {
  event.preventDefault();
  if (!checkedSources().length) return say("Choose at least one source.", "error");
  return once(byId("save"), store);  // a double click would create two blueprints (or two revisions)
}

async function store() {
  if (!id) {
    const made = await api("/v1/blueprints", {method: "POST", json: body()});
    window.location.assign(`/blueprints/${made.id}/lanes`);
    return;
  }
  state.blueprint = await api(`/v1/blueprints/${id}`, {method: "PUT", json: body()});
  say(`Saved: revision ${state.blueprint.revision}. `);
  byId("status").append(h("a", {href: `/blueprints/${id}`}, "Open the blueprint"));
}

async function loadExisting() {
  state.blueprint = await api(`/v1/blueprints/${id}`);
  state.feed = await api(`/v1/blueprints/${id}/feed`);
  const bp = state.blueprint;
  put(byId("title"), `${bp.name}: phases and assumptions`);
  byId("name").value = bp.name;
  drawSources(bp.sources);
  await correlationOptions(bp.correlation.attribute);
  state.steps = structuredClone(bp.assumptions.steps || {});
  board.activities = state.feed.steps.map((s) => s.activity);
  board.phases = bp.phases.map((p) => ({...structuredClone(p),
    assumed_duration_s: (bp.assumptions.phases || {})[p.name] ?? p.assumed_duration_s}));
  byId("phases-set").hidden = false;
  byId("assumptions-set").hidden = false;
  drawBoard(byId("phases"), board);
  drawAssumptions();
  byId("back").href = `/blueprints/${id}`;
}

start(async () => {
  board.editable = can("admin");
  state.sources = await api("/v1/sources");
  if (id) await loadExisting();
  else {
    const wanted = Number(new URLSearchParams(window.location.search).get("source"));
    drawSources(wanted ? [wanted] : state.sources.length === 1 ? [state.sources[0].id] : []);
    await correlationOptions("case_id");
    put(byId("save"), "Create, then map the lanes");
  }
  if (!can("admin")) {
    byId("save").remove();
    say("This key may read the definition but not change it.");
  }
  byId("derived").addEventListener("click", derivedPhases);
  byId("add-phase").addEventListener("click", () => {
    board.phases.push({name: `Phase ${board.phases.length + 1}`, activities: [], assumed_duration_s: null});
    drawBoard(byId("phases"), board);
  });
  for (const control of ["derived", "add-phase"]) if (!can("admin")) byId(control).remove();
  byId("definition").addEventListener("submit", save);
  document.body.dataset.ready = "true";
});
