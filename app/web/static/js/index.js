// The home page: the workspace's blueprints and sources.

import {api} from "./api.js";
import {byId, h, put, table} from "./dom.js";
import {ago, count} from "./format.js";
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

async function sources() {
  const found = await api("/v1/sources");
  const stats = await Promise.all(found.map((s) => api(`/v1/sources/${s.id}/stats`)));
  put(byId("sources"), found.length ? table([
    ["source", (s) => s.name], ["system", (s) => s.system],
    ["events", (s, i) => count(stats[found.indexOf(s)].events), "n"],
    ["last ingest", (s) => ago(stats[found.indexOf(s)].last_ingest_at)],
  ], found) : h("p", {class: "muted"}, "No source yet."));
}

start(async () => {
  await Promise.all([blueprints(), sources()]);
  document.body.dataset.ready = "true";
});
