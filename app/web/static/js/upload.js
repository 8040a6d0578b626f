// The upload screen: pick or create a source, drop a file, see its first rows, map its columns,
// upload with a progress bar, and read the rejected rows when there are any.

import {api, ApiError, query, uploadWithProgress} from "./api.js";
import {byId, h, put, table} from "./dom.js";
import {count} from "./format.js";
import {drawMapping, missing, readMapping} from "./mapping.js";
import {can, describe, once, say, start} from "./shell.js";

const PREVIEW_BYTES = 4 << 20;
const WHOLE_ONLY = /\.(parquet|pq|jsonocel|xmlocel)(\.gz)?$/i;
const state = {sources: [], file: null, preview: null, asked: 0};

function sourceChosen() {
  const value = byId("source").value;
  return value === "new" ? null : state.sources.find((s) => String(s.id) === value) || null;
}

/** The sources to choose from. None is chosen for the user unless the link named one
 *  (/upload?source=ID) or there is nothing else: the first source, chosen silently, took many a
 *  new log into a source it does not belong to. */
async function loadSources() {
  state.sources = await api("/v1/sources");
  const named = Number(new URLSearchParams(window.location.search).get("source"));
  const preset = state.sources.some((s) => s.id === named) ? named : null;
  const select = byId("source");
  put(select, state.sources.length ? h("option", {value: "", selected: preset === null}, "— choose a source —") : null,
    state.sources.map((s) => h("option", {value: s.id, selected: s.id === preset}, `${s.name} (${s.system})`)),
    can("admin") ? h("option", {value: "new", selected: !state.sources.length}, "A new source…") : null);
  if (!state.sources.length && !can("admin")) say("This workspace has no source, and this key may not create one.", "error");
  onSource();
}

function onSource() {
  const isNew = byId("source").value === "new";
  byId("new-source").hidden = !isNew;
  if (isNew && !byId("source-timezone").dataset.touched) {
    byId("source-timezone").value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  }
  if (state.preview) showMapping();
}

function rowsTable(preview) {
  const columns = preview.columns.map((name, i) => [name, (row) => row.values[i] ?? ""]);
  return h("div", {class: "scroll"}, table([["row", (row) => String(row.row), "n"], ...columns], preview.rows,
    `The first ${preview.rows.length} rows (${preview.format}${preview.partial ? ", from the file's beginning" : ""})`));
}

function rejectedTable(errors, caption) {
  return errors.length ? table([["row", (e) => (e.row === null ? "–" : String(e.row)), "n"],
    ["column", (e) => e.column || "–"], ["reason", (e) => e.message]], errors, caption) : null;
}

async function preview(file) {
  // Only the file chosen last counts: an earlier, slower preview answering after it would show (and
  // map) the other file's columns while the upload sends this one.
  const asked = ++state.asked;
  state.file = file;
  state.preview = null;
  const partial = file.size > PREVIEW_BYTES && !WHOLE_ONLY.test(file.name);
  const form = new FormData();
  form.append("file", partial ? file.slice(0, PREVIEW_BYTES) : file, file.name);
  say(`Reading the beginning of ${file.name}…`);
  let answer;
  try {
    answer = await api(`/v1/uploads/preview${query({partial: partial ? "true" : ""})}`, {method: "POST", body: form});
  } catch (error) {
    if (asked !== state.asked) return;
    put(byId("preview"), h("p", {class: "problem"}, describe(error)));
    byId("mapping-set").hidden = true;
    return say("");
  }
  if (asked !== state.asked) return;
  state.preview = answer;
  put(byId("preview"), rowsTable(state.preview), rejectedTable(state.preview.rejected, "Rows the file's reader rejected"));
  say(`${file.name}: ${state.preview.columns.length} columns.`);
  showMapping();
}

function showMapping() {
  const p = state.preview, source = sourceChosen();
  byId("mapping-set").hidden = false;
  put(byId("checked"), "");
  const xes = p.format === "xes";
  const editable = can("admin");
  const mapping = source && Object.keys(source.mapping).length ? source.mapping : p.suggested_mapping;
  put(byId("mapping-note"), xes ? "XES uses its standard keys (case:concept:name, concept:name, time:timestamp, " +
    "org:resource): it needs no mapping." : editable ? "Pick the column of each field (guessed from their names)."
    : "The source's mapping; only an admin key may change it.");
  drawMapping(byId("mapping"), p.columns, xes && !(source && Object.keys(source.mapping).length) ? {} : mapping,
    {timezone: source ? source.timezone : byId("source-timezone").value, disabled: !editable || xes});
}

function currentMapping() {
  if (state.preview && state.preview.format === "xes" && !(sourceChosen() && Object.keys(sourceChosen().mapping).length)) {
    return {mapping: {}, timezone: byId("map-timezone").value || "UTC"};
  }
  return readMapping();
}

async function check() {
  if (!state.preview) return say("Choose a file first, and wait for its first rows.", "error");
  const {mapping, timezone} = currentMapping();
  const lacking = state.preview.format === "xes" ? [] : missing(mapping);
  if (lacking.length) return say(`Choose ${lacking.join(", ")}.`, "error");
  const form = new FormData();
  const partial = state.file.size > PREVIEW_BYTES && !WHOLE_ONLY.test(state.file.name);
  form.append("file", partial ? state.file.slice(0, PREVIEW_BYTES) : state.file, state.file.name);
  const answer = await api(`/v1/uploads/preview${query({partial: partial ? "true" : "", mapping: JSON.stringify(mapping),
    timezone})}`, {method: "POST", body: form});
  const events = table([["row", (e) => String(e.row), "n"], ["case", (e) => e.case_id], ["activity", (e) => e.activity],
    ["timestamp (UTC)", (e) => e.timestamp], ["start (UTC)", (e) => e.start_timestamp || ""],
    ["resource", (e) => e.resource || ""], ["role", (e) => e.role || ""]], answer.events, "The events these rows make");
  put(byId("checked"), h("div", {class: "scroll"}, events), rejectedTable(answer.errors, "Rows that would be rejected"));
  say(answer.errors.length ? `${answer.errors.length} of the previewed rows would be rejected.` : "The mapping reads every previewed row.",
    answer.errors.length ? "error" : "info");
}

async function ensureSource() {
  const chosen = sourceChosen();
  const {mapping, timezone} = currentMapping();
  if (!chosen) {
    const name = byId("source-name").value.trim();
    if (!name) throw new Error("Give the new source a name.");
    return api("/v1/sources", {method: "POST", json: {name, system: byId("source-system").value, timezone, mapping}});
  }
  const changed = JSON.stringify(mapping) !== JSON.stringify(chosen.mapping) || timezone !== chosen.timezone;
  if (can("admin") && changed && state.preview.format !== "xes") {
    return api(`/v1/sources/${chosen.id}`, {method: "PATCH", json: {mapping, timezone}});
  }
  return chosen;
}

function progress(value, text) {
  const bar = byId("progress");
  if (value === null) bar.removeAttribute("value");
  else bar.value = value;
  put(byId("progress-text"), text);
}

function estimatedRows() {
  const perRow = state.preview && state.preview.bytes_per_row;
  return perRow && !/\.gz$/i.test(state.file.name) ? Math.max(1, Math.round(state.file.size / perRow)) : null;
}

async function follow(upload) {
  const total = estimatedRows();
  while (upload.status === "queued" || upload.status === "running") {
    progress(total ? Math.min(0.99, upload.rows_read / total) : null,
      `${upload.status}: ${count(upload.rows_read)} rows read${total ? ` of about ${count(total)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    upload = await api(`/v1/uploads/${upload.id}`);
  }
  return upload;
}

function showResult(upload, source) {
  progress(1, upload.status);
  put(byId("result"), h("p", {class: upload.status === "succeeded" ? "" : "problem", id: "upload-outcome"},
    upload.status === "succeeded" ? `Stored ${count(upload.events_ingested)} events of ${count(upload.cases)} cases ` +
      `(${count(upload.events_duplicate)} already stored, ${count(upload.rows_rejected)} rows rejected).`
      : `The upload failed: ${upload.detail || "see the rows below"}`),
  rejectedTable(upload.errors || [], "Rejected rows"),
  h("p", {}, h("a", {href: `/blueprints/new?source=${source.id}`}, "Create a blueprint from this source"), " · ",
    h("a", {href: `/upload?source=${source.id}`}, "Upload another file into it"), " · ",
    h("a", {href: "/"}, "All blueprints")));
}

function send(event) {
  event.preventDefault();
  if (!state.file || !state.preview) return say("Choose a file first.", "error");
  if (!byId("source").value) {
    byId("source").focus();
    return say("Choose the source these events go into (or a new one).", "error");
  }
  return once(byId("send"), sendFile);  // a double click would upload the file twice
}

async function sendFile() {
  put(byId("result"), "");
  let source;
  try {
    source = await ensureSource();
    await loadSourcesKeeping(source.id);
    const path = `/v1/sources/${source.id}/uploads${query({on_error: byId("on-error").value})}`;
    const answer = await uploadWithProgress(path, state.file, (sent, total) =>
      progress(sent / total * 0.5, `sending: ${Math.round(sent / total * 100)}%`));
    showResult(answer.status === 202 ? await follow(answer.body) : answer.body, source);
    say("");
  } catch (error) {
    progress(0, "");
    say(describe(error), "error");
    if (error instanceof ApiError) put(byId("result"), rejectedTable(error.errors.filter((e) => "message" in e), "Rejected rows"));
  }
}

async function loadSourcesKeeping(id) {
  state.sources = await api("/v1/sources");
  const select = byId("source");
  put(select, state.sources.map((s) => h("option", {value: s.id, selected: s.id === id}, `${s.name} (${s.system})`)),
    can("admin") ? h("option", {value: "new"}, "A new source…") : null);
  byId("new-source").hidden = true;
}

function wire() {
  byId("source").addEventListener("change", onSource);
  byId("source-timezone").addEventListener("input", (e) => { e.target.dataset.touched = "1"; });
  byId("file").addEventListener("change", (e) => e.target.files[0] && preview(e.target.files[0]));
  const drop = byId("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files[0]) preview(e.dataTransfer.files[0]);
  });
  byId("check").addEventListener("click", () => once(byId("check"), check));
  byId("upload-form").addEventListener("submit", send);
}

start(async () => {
  wire();
  await loadSources();
  document.body.dataset.ready = "true";
});
