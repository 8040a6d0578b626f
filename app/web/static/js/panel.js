// The side panel of the blueprint page: what is selected, and the variants, unmapped activities,
// sources and warnings of the feed.

import {h, put, table} from "./dom.js";
import {ago, count, duration, share, signedShare} from "./format.js";
import {insightItem, namesFlow, namesStep} from "./insights.js";

const STATUS = {slower: "slower than assumed", faster: "faster than assumed", as_assumed: "as assumed",
  not_observed: "not observed"};

function timing(label, t) {
  if (!t || t.median_s === null) return null;
  return [label, `median ${duration(t.median_s)} · p90 ${duration(t.p90_s)} · mean ${duration(t.mean_s)}` +
    ` (${count(t.count)})`];
}

function facts(rows) {
  return h("dl", {class: "facts"}, rows.filter(Boolean).flatMap(([term, value]) => [h("dt", {}, term),
    h("dd", {}, value)]));
}

export function comparison(c) {
  if (!c) return h("p", {class: "muted"}, "No assumption was made for it.");
  const since = c.from ? ` from ${c.from}` : "";
  return h("div", {class: `comparison ${c.status}`},
    h("p", {class: "verdict"}, STATUS[c.status] || c.status),
    facts([["assumed", `${c.measure}${since}: ${duration(c.assumed_s)}`],
      ["observed", `median ${duration(c.observed_median_s)} · p90 ${duration(c.observed_p90_s)} over ` +
        `${count(c.cases)}`],
      ["difference", c.delta_s === null ? "–" : `${duration(c.delta_s)} (${signedShare(c.delta_ratio)})`]]));
}

function shares(items) {
  return items.length ? items.map((x) => `${x.name} ${share(x.share)}`).join(", ") : "–";
}

function named(insights, test, onInsight) {
  const found = insights.filter(test);
  return [h("h3", {}, `Insights naming it (${found.length})`),
    found.length ? h("ul", {class: "insights"}, found.map((i) => insightItem(i, onInsight)))
      : h("p", {class: "muted"}, "None.")];
}

function flowButtons(flows, label, onFlow) {
  if (!flows.length) return null;
  return [h("h3", {}, label), h("ul", {class: "flow-list"}, flows.slice(0, 8).map((f) => h("li", {},
    h("button", {type: "button", class: "link", onclick: () => onFlow(f.id)},
      `${f.source} → ${f.target}: ${count(f.count)} · ${duration(f.waiting.median_s)}`))))];
}

/** The details of a step. */
export function stepDetails(node, step, {feed, insights, flows, onFlow, onInsight}) {
  const phase = feed.phases.find((p) => p.index === step.phase);
  put(node, h("h2", {id: "details-title", tabindex: -1}, step.activity),
    facts([["lane", step.lane || "unmapped"], ["phase", phase ? phase.name : "–"],
      ["events", count(step.events)], ["instances", count(step.instances)], ["cases", count(step.cases)],
      timing("waiting before", step.waiting_before), timing("service time", step.service_time),
      timing("queue time", step.queue_time),
      ["rework", `${count(step.rework.events)} repeats in ${count(step.rework.cases)} cases ` +
        `(${share(step.rework.case_share)})`],
      ["roles", shares(step.roles)], ["channels", shares(step.channels)],
      ["evidence", step.evidence.length ? step.evidence.map((e) => `${e.name} (${count(e.events)})`).join(", ") : "–"]]),
    h("h3", {}, "Assumed vs observed"), comparison(step.assumed),
    flowButtons(flows.filter((f) => f.target_step === step.id), "Flows in", onFlow),
    flowButtons(flows.filter((f) => f.source_step === step.id), "Flows out", onFlow),
    named(insights, (i) => namesStep(i, step), onInsight));
}

/** The details of a flow. */
export function flowDetails(node, flow, {feed, insights, drawn, onInsight}) {
  const assumed = feed.assumptions.handoffs.find((a) => a.source === flow.source && a.target === flow.target);
  put(node, h("h2", {id: "details-title", tabindex: -1}, `${flow.source} → ${flow.target}`),
    facts([["from lane", flow.source_lane || "–"], ["to lane", flow.target_lane || "–"],
      ["times", count(flow.count)], ["cases", count(flow.cases)],
      ["waiting", `median ${duration(flow.waiting.median_s)} · p90 ${duration(flow.waiting.p90_s)} · mean ` +
        duration(flow.waiting.mean_s)],
      ["crosses", flow.crosses.length ? flow.crosses.map((l) => l.replaceAll("_", " ")).join(", ") : "no line"],
      drawn && drawn.worst_at.length ? ["slowest across", drawn.worst_at.map((l) => `line of ${l.replaceAll("_", " ")}`)
        .join(", ")] : null]),
    h("h3", {}, "Assumed vs observed"),
    comparison(assumed ? assumed.comparison : null),
    named(insights, (i) => namesFlow(i, flow), onInsight));
}

export function variants(node, feed) {
  const v = feed.variants;
  put(node, h("h2", {}, `Variants (${count(v.count)})`),
    h("ol", {class: "variants"}, v.top.slice(0, 10).map((variant) => h("li", {}, h("details", {},
      h("summary", {}, `${share(variant.share)} · ${count(variant.cases)} cases · ${variant.activities.length} steps`),
      h("span", {class: "path"}, variant.activities.join(" → ")))))),
    v.other.cases ? h("p", {class: "muted"}, `${count(v.other.variants)} other variants: ` +
      `${count(v.other.cases)} cases (${share(v.other.share)})`) : null);
}

export function unmapped(node, feed, lanesHref) {
  const rows = feed.unmapped;
  put(node, h("h2", {}, `Unmapped activities (${rows.length})`),
    rows.length ? table([["activity", (r) => r.activity], ["events", (r) => count(r.events), "n"],
      ["cases", (r) => count(r.cases), "n"]], rows.slice(0, 30)) : h("p", {class: "muted"},
      "Every activity is in a lane."),
    h("p", {}, h("a", {href: lanesHref}, rows.length ? "Map them on the lane screen" : "Lane rules")));
}

// A source's sync freshness (feed sources[].sync: last_success_at, lag_s, next_run_at, last_error).
function syncText(sync) {
  if (!sync || typeof sync !== "object") return null;
  const parts = [`synced ${ago(sync.last_success_at)}`];
  if (sync.lag_s !== null && sync.lag_s !== undefined) parts.push(`newest event ${duration(sync.lag_s)} old`);
  if (sync.next_run_at) parts.push(`next run ${ago(sync.next_run_at)}`);
  if (sync.last_error) parts.push(`last run failed: ${sync.last_error}`);
  return parts.join(" · ");
}

export function sources(node, feed) {
  put(node, h("h2", {}, "Sources"), h("ul", {class: "sources"}, feed.sources.map((src) => h("li", {},
    h("strong", {}, src.name), ` (${src.system}) · ${count(src.events)} events`,
    h("br"), h("span", {class: "muted", title: src.last_ingest_at || ""},
      `last ingest ${ago(src.last_ingest_at)}`),
    syncText(src.sync) ? [h("br"), h("span", {class: "muted"}, syncText(src.sync))] : null))));
}

export function warnings(node, feed) {
  const found = feed.warnings || [];
  put(node, found.length ? [h("h2", {}, `Warnings (${found.length})`),
    h("ul", {}, found.map((w) => h("li", {}, w.message)))] : []);
}

export function insightList(node, insights, onInsight) {
  put(node, h("h2", {}, `Insights (${insights.length})`), insights.length
    ? h("ul", {class: "insights"}, insights.map((i) => insightItem(i, onInsight)))
    : h("p", {class: "muted"}, "The feed holds no insights."));
}
