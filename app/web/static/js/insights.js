// The feed's insights (absent from older feeds): a list, or {items: [...]}; each {kind, id, summary,
// figures or numbers, steps (ids), flows ({source_step, target_step}), handoffs, cases}. Read
// defensively: a field it lacks is simply not shown.

import {h} from "./dom.js";
import {count, duration, share} from "./format.js";

export function insightsOf(feed) {
  const found = feed.insights;
  if (Array.isArray(found)) return found;
  if (found && Array.isArray(found.items)) return found.items;
  return [];
}

function list(value) {
  return Array.isArray(value) ? value : [];
}

export function namesStep(insight, step) {
  return list(insight.steps).some((x) => x === step.id || x === step.activity ||
    (x && typeof x === "object" && (x.id === step.id || x.activity === step.activity)));
}

export function namesFlow(insight, flow) {
  return list(insight.flows).some((x) => {
    if (typeof x === "string") return x === flow.id || x === `${flow.source} -> ${flow.target}`;
    if (!x || typeof x !== "object") return false;
    return (x.source_step === flow.source_step && x.target_step === flow.target_step) ||
      (x.source === flow.source && x.target === flow.target) || x.id === flow.id;
  });
}

function figureText(name, value) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  if (name.endsWith("_s")) return duration(value);
  // Long waits add up to millions of days: grouped digits, no decimals past ten ("31,022,791 d").
  if (name.endsWith("_days")) return `${value < 9.95 ? value.toFixed(1) : count(Math.round(value))} d`;
  if (name.includes("share") || name.endsWith("_ratio")) return share(value);
  return Number.isInteger(value) ? count(value)
    : value.toLocaleString("en-US", {maximumFractionDigits: Math.abs(value) >= 100 ? 0 : 2});
}

// "observed_median_s" reads "observed median": the value shown already carries its unit.
function figureLabel(name) {
  return name.replace(/_(s|days)$/, "").replaceAll("_", " ");
}

function casesText(cases) {
  if (typeof cases === "number") return `${count(cases)} cases`;
  if (cases && typeof cases === "object" && cases.count !== undefined) {
    return `${count(cases.count)} cases${cases.share !== undefined ? ` (${share(cases.share)})` : ""}`;
  }
  return null;
}

/** One insight as a list item; `onPick(insight)` when its button is pressed. */
export function insightItem(insight, onPick) {
  const figures = insight.figures || insight.numbers || {};
  const entries = Array.isArray(figures) ? figures.map((f, i) => [f.name || String(i), f.value ?? f])
    : Object.entries(figures);
  return h("li", {class: "insight", id: `insight-${insight.id}`},
    h("button", {type: "button", class: "insight-pick", onclick: () => onPick(insight),
      "aria-label": `Show on the blueprint: ${insight.summary}`},
    h("span", {class: "kind"}, String(insight.kind || "insight").replaceAll("_", " ")),
    h("span", {class: "summary"}, insight.summary || "")),
    entries.length ? h("dl", {class: "figures"}, entries.slice(0, 8).flatMap(([name, value]) => [
      h("dt", {}, figureLabel(name)), h("dd", {}, figureText(name, value))])) : null,
    casesText(insight.cases) ? h("p", {class: "muted"}, casesText(insight.cases)) : null);
}
