// The home page: the workspace's blueprints and sources.

import {api} from "./api.js";
import {byId, h, put, table} from "./dom.js";
import {ago, count, duration} from "./format.js";
import {can, start} from "./shell.js";

async function blueprints() {
  const found = await api("/v1/blueprints");
  put(byId("blueprints"), found.length ? table([
    ["blueprint", (b) => h("a", {href: `/blueprints/${b.id}`}, b.name)],
    ["sources", (b) => count(b.sources.length), "n"],
    ["revision", (b) => String(b.revision), "n"],
    ["open", (b) => [h("a", {href: `/blueprints/${b.id}/lanes`}, "lanes"),
      can("admin") ? [" · ", h("a", {href: `/blueprints/${b.id}/edit`}, "phases and assumptions")] : null]],
  ], found) : h("p", {class: "muted"}, "No blueprint yet."));
}

/** A source's sync in a few words: how often, how the last run went, when the next is. */
function syncText(sync) {
  if (!sync) return "–";
  const every = sync.schedule.cron ? `cron ${sync.schedule.cron}` : `every ${duration(sync.schedule.every_s)}`;
  const run = sync.last_run;
  const last = !run ? "no run yet" : run.status === "failed" ? `last run failed ${ago(run.finished_at)}: ${run.error}`
    : run.finished_at ? `last run ${run.status} ${ago(run.finished_at)}, ${count(run.events_ingested)} new events`
      : `a run is ${run.status}`;
  const next = sync.enabled && sync.next_run_at ? `next ${ago(sync.next_run_at)}` : "paused";
  return `${sync.connector}, ${every} · ${last} · ${next}`;
}

async function sources() {
  const [found, syncs] = await Promise.all([api("/v1/sources"), api("/v1/sync")]);
  const stats = await Promise.all(found.map((s) => api(`/v1/sources/${s.id}/stats`)));
  const syncOf = new Map(syncs.map((s) => [s.source_id, s]));
  put(byId("sources"), found.length ? table([
    ["source", (s) => s.name], ["system", (s) => s.system],
    ["events", (s) => count(stats[found.indexOf(s)].events), "n"],
    ["last ingest", (s) => ago(stats[found.indexOf(s)].last_ingest_at)],
    ["sync", (s) => syncText(syncOf.get(s.id))],
  ], found) : h("p", {class: "muted"}, "No source yet."));
}

start(async () => {
  await Promise.all([blueprints(), sources()]);
  document.body.dataset.ready = "true";
});
