// The blueprint page: the layout drawn, a query (window, segment) and frequency thresholds that
// reload it, the side panel, and selection by mouse or keyboard.

import {api, download, query} from "./api.js";
import {byId, h, put, s} from "./dom.js";
import {drawLayout} from "./draw.js";
import {insightsOf, namesFlow, namesStep} from "./insights.js";
import * as panel from "./panel.js";
import {describe, pathId, say, start} from "./shell.js";

const id = pathId();
const state = {feed: null, layout: null, flows: new Map(), steps: new Map(), selected: null, zoom: 1, loads: 0,
  edited: new Set()};

function readQuery() {
  const params = new URLSearchParams(window.location.search);
  return {from: params.get("from") || "", to: params.get("to") || "", segment: params.getAll("segment"),
    min_step_share: params.get("min_step_share") || "", min_flow_share: params.get("min_flow_share") || ""};
}

let current = readQuery();

function feedQuery() {
  return {from: current.from ? `${current.from}T00:00:00Z` : "", to: current.to ? `${current.to}T00:00:00Z` : "",
    segment: current.segment};
}

function pictureQuery() {
  return {...feedQuery(), min_step_share: current.min_step_share, min_flow_share: current.min_flow_share};
}

function remember() {
  const shown = query({from: current.from, to: current.to, segment: current.segment,
    min_step_share: current.min_step_share, min_flow_share: current.min_flow_share});
  window.history.replaceState(null, "", `/blueprints/${id}${shown}`);
}

function segmentOptions(feed) {
  const found = new Set();
  for (const src of feed.sources) found.add(`source=${src.name}`);
  for (const step of feed.steps) {
    for (const role of step.roles) found.add(`role=${role.name}`);
    for (const channel of step.channels) found.add(`channel=${channel.name}`);
  }
  return [...found].sort();
}

// A control the person changed since the last submit keeps what they typed: a load that answers
// while they type in another form must not put the old value back.
function fill(controlId, value) {
  if (!state.edited.has(controlId)) byId(controlId).value = value;
}

function fillControls(feed, layout) {
  put(byId("bp-name"), feed.blueprint.name);
  document.title = `${feed.blueprint.name} · Blueprint Miner`;
  fill("from", current.from);
  fill("to", current.to);
  const pick = byId("segment-pick"), picked = pick.value;
  const options = segmentOptions(feed);
  const chosen = current.segment[0] || "";
  put(pick, h("option", {value: ""}, "all cases"), options.map((o) => h("option", {value: o, selected: o === chosen}, o)));
  if (state.edited.has("segment-pick") && options.includes(picked)) pick.value = picked;
  fill("segment-text", chosen && !options.includes(chosen) ? chosen : "");
  const t = layout.thresholds;
  fill("step-share", +(t.steps.share * 100).toFixed(2));
  fill("flow-share", +(t.flows.share * 100).toFixed(2));
  const hidden = layout.hidden;
  put(byId("folded"), hidden.steps || hidden.flows
    ? `${hidden.steps} steps and ${hidden.flows} flows are folded away (under the thresholds).`
    : "Every step and flow is shown.");
  byId("show-all").hidden = !(hidden.steps || hidden.flows);
}

function draw() {
  const canvas = byId("canvas");
  const svg = drawLayout(state.layout);
  put(canvas, svg);
  applyZoom();
  svg.addEventListener("click", onClick);
  svg.addEventListener("keydown", onKey);
  drawLaneKey();
}

// The lane names stay in view while the picture scrolls sideways: a copy of the bands' heads, moved
// with the picture's vertical scroll (an SVG transform attribute, no inline style).
function drawLaneKey() {
  const key = byId("lane-key"), layout = state.layout, theme = layout.theme;
  const width = 176;
  put(key, s("g", {id: "lane-key-bands"}, layout.bands.map((band) => s("g", {},
    s("rect", {x: 0, y: band.box.y, width, height: band.box.height, fill: theme.band[band.id], "fill-opacity": 0.95}),
    s("text", {x: 12, y: band.box.y + 24, fill: theme.band_text, "font-size": 13, "font-weight": "bold",
      "font-family": theme.font}, band.name))),
  layout.lines.map((line) => s("line", {x1: 0, x2: width, y1: line.y, y2: line.y, stroke: theme.line,
    "stroke-dasharray": "8 5"}))));
  placeLaneKey();
}

function placeLaneKey() {
  const key = byId("lane-key"), canvas = byId("canvas");
  if (!state.layout) return;
  key.toggleAttribute("hidden", canvas.scrollLeft < 24 * state.zoom);  // an SVG element has no .hidden
  key.setAttribute("width", String(Math.round(176 * state.zoom)));
  key.setAttribute("height", String(canvas.clientHeight));
  byId("lane-key-bands")?.setAttribute("transform",
    `translate(0 ${-canvas.scrollTop}) scale(${state.zoom})`);
}

function applyZoom() {
  const svg = byId("picture");
  if (!svg) return;
  svg.setAttribute("width", String(Math.round(state.layout.width * state.zoom)));
  svg.setAttribute("height", String(Math.round(state.layout.height * state.zoom)));
  put(byId("zoom-level"), `${Math.round(state.zoom * 100)}%`);
  placeLaneKey();
}

function zoomBy(factor) {
  state.zoom = Math.min(2, Math.max(0.2, state.zoom * factor));
  applyZoom();
}

function fitHeight() {
  const room = byId("canvas").clientHeight - 4;
  state.zoom = Math.min(1, Math.max(0.7, room / state.layout.height));
  applyZoom();
}

function fitWidth() {
  state.zoom = Math.min(1, byId("canvas").clientWidth / state.layout.width);
  applyZoom();
}

function phaseNav(layout) {
  put(byId("phase-nav"), h("span", {class: "muted"}, "Go to phase:"), layout.phases.map((phase) => h("button", {
    type: "button", class: phase.status === "slower" ? "phase-go slower" : "phase-go",
    title: phase.tooltip, onclick: () => goToPhase(phase)}, phase.name,
  phase.status === "slower" ? " (slower than assumed)" : "")));
}

function goToPhase(phase) {
  byId("canvas").scrollLeft = Math.max(0, (phase.header.x - 180) * state.zoom);
  const first = state.layout.steps.find((step) => step.phase === phase.id);
  if (first) document.getElementById(first.id).focus({preventScroll: true});
}

function target(event) {
  const node = event.target.closest("[data-kind], .flow-label");
  if (!node) return null;
  if (node.classList.contains("flow-label")) return {kind: "flow", id: node.dataset.flow};
  return {kind: node.dataset.kind, id: node.id};
}

function onClick(event) {
  const found = target(event);
  if (found) select(found.kind, found.id);
}

function onKey(event) {
  if (event.key === "Escape") return clearSelection();
  if (event.key !== "Enter" && event.key !== " ") return;
  const found = target(event);
  if (!found) return;
  event.preventDefault();
  select(found.kind, found.id, {keepFocus: true});
}

function mark(ids, cls) {
  for (const node of document.querySelectorAll(`#picture .${cls}`)) node.classList.remove(cls);
  for (const one of ids) {
    const node = document.getElementById(one);
    if (node) node.classList.add(cls);
  }
}

function clearSelection() {
  state.selected = null;
  mark([], "selected");
  mark([], "related");
  byId("picture").classList.remove("focusing");
  put(byId("details"), h("h2", {}, "Details"), h("p", {class: "muted"},
    "Select a step or a flow (click it, or Tab to a step and press Enter) to see its figures."));
}

const handlers = {
  onFlow: (flowId) => select("flow", flowId),
  onInsight: (insight) => showInsight(insight),
};

function select(kind, itemId, {keepFocus = false} = {}) {
  state.selected = {kind, id: itemId};
  const insights = insightsOf(state.feed);
  const details = byId("details");
  if (kind === "step") {
    const step = state.steps.get(itemId);
    const related = state.layout.flows.filter((f) => f.source_step === itemId || f.target_step === itemId);
    mark([itemId], "selected");
    mark(related.map((f) => f.id), "related");
    panel.stepDetails(details, step, {feed: state.feed, insights, flows: related.map((f) => state.flows.get(f.id)),
      ...handlers});
  } else {
    const flow = state.flows.get(itemId);
    const drawn = state.layout.flows.find((f) => f.id === itemId);
    mark([itemId, drawn.source_step, drawn.target_step], "selected");
    mark([], "related");
    panel.flowDetails(details, flow, {feed: state.feed, insights, drawn, ...handlers});
  }
  byId("picture").classList.add("focusing");
  if (!keepFocus) byId("details-title").focus();
}

function showInsight(insight) {
  const stepIds = state.layout.steps.filter((s) => namesStep(insight, state.steps.get(s.id))).map((s) => s.id);
  const flowIds = state.layout.flows.filter((f) => namesFlow(insight, state.flows.get(f.id))).map((f) => f.id);
  mark([...stepIds, ...flowIds], "selected");
  mark([], "related");
  byId("picture").classList.add("focusing");
  say(stepIds.length || flowIds.length ? `Highlighted ${stepIds.length} steps and ${flowIds.length} flows ` +
    `the insight names.` : "The insight names nothing that is shown: lower the thresholds to see it.");
}

function index(feed, layout) {
  state.steps = new Map(feed.steps.map((step) => [step.id, step]));
  const byEnds = new Map(feed.flows.map((f) => [`${f.source_step}|${f.target_step}`, f]));
  state.flows = new Map(layout.flows.map((f) => [f.id, {...byEnds.get(`${f.source_step}|${f.target_step}`),
    id: f.id}]));
}

function side(feed) {
  const insights = insightsOf(feed);
  panel.insightList(byId("insights"), insights, handlers.onInsight);
  panel.variants(byId("variants"), feed);
  panel.unmapped(byId("unmapped"), feed, `/blueprints/${id}/lanes`);
  panel.sources(byId("sources"), feed);
  panel.warnings(byId("warnings"), feed);
  put(byId("model-status"), `process model: ${feed.model.status}`);
}

/** Load and draw what `current` asks for. Only the last load draws: an earlier one answering after it
 *  (say the thresholds, then "show all") would put back the picture of a query no longer asked. */
async function load({feedToo = true} = {}) {
  const run = ++state.loads;
  const feedPath = `/v1/blueprints/${id}/feed${query(feedQuery())}`;  // the feed held may be another query's
  say("Loading…");
  let layout, feed;
  try {
    [layout, feed] = await Promise.all([
      api(`/v1/blueprints/${id}/layout${query(pictureQuery())}`),
      feedToo || feedPath !== state.feedPath ? api(feedPath) : state.feed]);
  } catch (error) {
    if (run === state.loads) throw error;
    return;
  }
  if (run !== state.loads) return;
  state.layout = layout;
  state.feed = feed;
  state.feedPath = feedPath;
  index(feed, layout);
  fillControls(feed, layout);
  const first = !byId("picture");
  draw();
  if (first) fitHeight();
  phaseNav(layout);
  side(feed);
  clearSelection();
  say(`${layout.steps.length} steps and ${layout.flows.length} flows shown.`);
}

const QUERY_CONTROLS = ["from", "to", "segment-pick", "segment-text"], SHARE_CONTROLS = ["step-share", "flow-share"];

function submitted(controls) {
  for (const control of controls) state.edited.delete(control);
}

function wire() {
  for (const form of ["query", "thresholds"]) {
    for (const type of ["input", "change"]) byId(form).addEventListener(type, (e) => state.edited.add(e.target.id));
  }
  byId("query").addEventListener("submit", (event) => {
    event.preventDefault();
    submitted(QUERY_CONTROLS);
    const typed = byId("segment-text").value.trim();
    const picked = byId("segment-pick").value;
    current = {...current, from: byId("from").value, to: byId("to").value,
      segment: typed ? [typed] : picked ? [picked] : []};
    remember();
    load().catch((error) => say(describe(error), "error"));
  });
  byId("reset-query").addEventListener("click", () => {
    submitted([...QUERY_CONTROLS, ...SHARE_CONTROLS]);
    current = {from: "", to: "", segment: [], min_step_share: "", min_flow_share: ""};
    remember();
    load().catch((error) => say(describe(error), "error"));
  });
  byId("thresholds").addEventListener("submit", (event) => {
    event.preventDefault();
    submitted(SHARE_CONTROLS);
    current = {...current, min_step_share: String(Number(byId("step-share").value || 0) / 100),
      min_flow_share: String(Number(byId("flow-share").value || 0) / 100)};
    remember();
    load({feedToo: false}).catch((error) => say(describe(error), "error"));
  });
  byId("show-all").addEventListener("click", () => {
    submitted(SHARE_CONTROLS);
    current = {...current, min_step_share: "0", min_flow_share: "0"};
    remember();
    load({feedToo: false}).catch((error) => say(describe(error), "error"));
  });
  byId("canvas").addEventListener("scroll", placeLaneKey, {passive: true});
  byId("zoom-in").addEventListener("click", () => zoomBy(1.25));
  byId("zoom-out").addEventListener("click", () => zoomBy(0.8));
  byId("zoom-fit").addEventListener("click", fitWidth);
  const picture = () => query(pictureQuery());
  // Each download is said when it fails (an unanswered click looked like nothing happened).
  const exports = {"dl-svg": () => `svg${picture()}`, "dl-png": () => `png${picture()}`, "dl-bpmn": () => "bpmn"};
  for (const [button, path] of Object.entries(exports)) {
    byId(button).addEventListener("click", () => download(`/v1/blueprints/${id}/${path()}`,
      `blueprint-${id}.${button.slice(3)}`).catch((error) => say(describe(error), "error")));
  }
  for (const link of document.querySelectorAll("[data-href]")) link.href = link.dataset.href.replace("{id}", id);
}

start(async () => {
  wire();
  await load();
  performance.mark("blueprint-interactive");
  document.body.dataset.ready = "true";
});
