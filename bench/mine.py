"""Mining benchmark: the blueprint feed of a 1M-event log, cold and cached, against plain pm4py.

Run from the repository root:

    .venv/bin/python bench/mine.py                    # 1,000,000 events
    .venv/bin/python bench/mine.py --events 100000    # a quick run
    .venv/bin/python bench/mine.py --scale            # also 5,000,000 events, with per-million figures
    .venv/bin/python bench/mine.py --py-spy           # also record the cold feed with py-spy

It reuses bench/ingest.py's seeded generator (25 activities, 30 resources, a Markov chain with
self-loops and backward steps, so ~90% of the cases repeat an activity) and writes the log as CSV
to bench/out/ (reused when present). Then, for each size:

  1. starts `blueprint-miner serve` on a fresh SQLite data directory, uploads the CSV over HTTP,
     defines a blueprint with a few lane rules (regexes over activity names; two activities are
     deliberately left unmapped) and GETs its feed once (cold, in the process that ingested);
  2. stops the server and starts it again on the same data directory, waits until it is idle
     (the background pm4py import at start-up is done), then GETs the feed: cold (the cache is a
     per-process dict, so it is empty) and the process has not ingested anything, so its VmHWM
     after the GET is the feed's peak memory. This is repeated --cold-runs times (median);
  3. on the last restarted server: 20 cached GETs (median), 20 GETs with If-None-Match (304,
     median), and a recompute in the warm process (PUT the same definition: the revision goes up,
     the ETag changes, so the next GET recomputes without first-request import costs);
  4. runs the plain pm4py pipeline on the same CSV in one fresh Python process: read_csv,
     format_dataframe, discover_dfg, discover_performance_dfg, get_variants, get_all_case_durations,
     discover_handover_of_work_network, discover_process_tree_inductive (each timed);
  5. checks the feed against the log and pm4py: stats.events = distinct generated events, every
     flow's count = pm4py's DFG count, cases / variants / start and end activities agree.

Targets are printed as PASS/MISS beside each figure; nothing asserts on time. The figures go to
bench/out/mine.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import ingest  # noqa: E402 - bench/ingest.py: the generator, the CSV writer, the HTTP upload client
import lifecycle_log  # noqa: E402 - the same log as start and complete events

ROOT, OUT, EXE, PYTHON = ingest.ROOT, ingest.OUT, ingest.EXE, ingest.PYTHON

TARGETS = {
    "cold_feed_s_at_1m": 2.0,  # cold feed (fresh process, empty cache) at 1M events
    "pm4py_over_cold": 7.0,  # plain pm4py pipeline total / cold feed
    "cached_feed_ms": 20.0,  # median cached GET (200 with the body)
    "peak_rss_mb": 600.0,  # VmHWM of the restarted server after the cold feed
    "first_feed_after_upload_s": 1.0,  # the first GET once the upload says succeeded
    "cached_while_model_ms": 20.0,  # median cached GET while a worker computes the model
}

# Lane rules over the generator's activity names (first match wins). "Ticket reopened" and
# "Knowledge article linked" match none: they are listed in the feed as unmapped.
LANE_RULES = [
    {"lane": "customer", "match": {"activity_regex": r"^(Ticket created|Information received|Quote accepted|"
                                                     r"Payment received|Customer confirmed)$"}},
    {"lane": "frontstage", "match": {"activity_regex": r"contacted|requested|sent$|proposed|On-site|closed$"},
     "evidence": "customer message"},
    {"lane": "backstage", "match": {"activity_regex": r"classified|Assigned|Escalated|diagnosis|scheduled|"
                                                      r"Repair|Refund"}},
    {"lane": "support", "match": {"activity_regex": r"^Part "}},
]
UNMAPPED = {"Ticket reopened", "Knowledge article linked"}


# --------------------------------------------------------------------------- the log


def ensure_csv(n: int) -> dict:
    """The CSV for n events: bench/ingest.py's file when it is there (same name, seed and
    generator), else generated here (CSV only; no XES)."""
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"events-{n}-seed{ingest.SEED}-v{ingest.GENERATOR_VERSION}"
    csv_path = OUT / f"{stem}.csv"
    for meta_path in (OUT / f"{stem}.json", OUT / f"{stem}.csv.json"):
        if meta_path.exists() and csv_path.exists():
            meta = json.loads(meta_path.read_text())
            if meta.get("csv_bytes") == csv_path.stat().st_size:
                print(f"reusing {csv_path.name} ({meta['distinct']:,} distinct events, {meta['cases']:,} cases)")
                return {**meta, "csv": csv_path}
    t0 = time.perf_counter()
    ev = ingest.generate(n)
    ingest.write_csv(ev, csv_path)
    import numpy as np

    meta = {"events": n, "cases": ev["n_cases"], "distinct": ingest.distinct_events(ev), "seed": ingest.SEED,
            "generator_version": ingest.GENERATOR_VERSION, "activities": int(len(np.unique(ev["act"]))),
            "resources": int(len(np.unique(ev["res"]))), "events_with_amount": int(ev["money"].sum()),
            "csv_bytes": csv_path.stat().st_size}
    (OUT / f"{stem}.csv.json").write_text(json.dumps(meta, indent=2))
    print(f"generated {n:,} events / {meta['cases']:,} cases as {csv_path.name} "
          f"({meta['csv_bytes'] / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f}s")
    return {**meta, "csv": csv_path}


# --------------------------------------------------------------------------- the server


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])


class MineServer(ingest.Server):
    """`blueprint-miner serve` on a data directory that outlives the process (so it can restart)."""

    def __init__(self, data_dir: Path, key: str, label: str) -> None:  # noqa: D107 - no super(): it makes its own dir
        self.tmp = data_dir
        self.key = key
        self.env = dict(os.environ, BLUEPRINT_DATA_DIR=str(data_dir), BLUEPRINT_BOOTSTRAP_API_KEY=key,
                        BLUEPRINT_DATABASE_URL=f"sqlite:///{data_dir}/bench.sqlite")
        self.port = ingest.free_port()
        self.slowest_poll, self.poll_errors = 0.0, 0
        self.base = f"http://127.0.0.1:{self.port}"
        t0 = time.perf_counter()
        self._launch(data_dir / f"server-{label}.log", timeout=1800.0)
        self.start_seconds = time.perf_counter() - t0

    def wait_idle(self, quiet: float = 1.0, timeout: float = 60) -> float:
        """Wait until the process has used no CPU for `quiet` seconds (start-up imports done)."""
        t0 = time.perf_counter()
        last, since = cpu_ticks(self.pid), time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            time.sleep(0.1)
            now = cpu_ticks(self.pid)
            if now != last:
                last, since = now, time.perf_counter()
            elif time.perf_counter() - since >= quiet:
                break
        return time.perf_counter() - t0

    def close(self, keep_log: Path | None = None) -> None:  # keeps the data directory
        self.http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # a clean shutdown: the SQLite WAL is checkpointed
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if keep_log is not None:
            shutil.copyfile(self.log_path, keep_log)


def get_feed(server: MineServer, blueprint_id: int, etag: str | None = None) -> tuple[httpx.Response, float]:
    headers = {"If-None-Match": etag} if etag else {}
    t0 = time.perf_counter()
    r = server.http.get(f"/v1/blueprints/{blueprint_id}/feed", headers=headers)
    seconds = time.perf_counter() - t0
    if r.status_code not in (200, 304):
        raise RuntimeError(f"feed answered {r.status_code}: {r.text[:2000]}")
    return r, seconds


def model_status(r: httpx.Response) -> str | None:
    if r.status_code != 200:
        return None
    return (r.json().get("model") or {}).get("status")


def wait_for_model(server: MineServer, blueprint_id: int) -> int | None:
    """Wait until the blueprint's BPMN model is computed (GET .../bpmn waits for it); its size."""
    r = server.http.get(f"/v1/blueprints/{blueprint_id}/bpmn", timeout=httpx.Timeout(7200.0))
    if r.status_code == 200:
        return len(r.content)
    while True:  # the endpoint gave up (it waits up to 300 s): poll the feed's model status
        rc, _ = get_feed(server, blueprint_id)
        if model_status(rc) != "computing":
            return None
        time.sleep(1.0)


def await_revision(server: MineServer, blueprint_id: int, revision: int, timeout: float = 10) -> None:
    """Wait until a GET sees the blueprint's new revision (a check: the server commits a request's
    transaction before it answers, so this returns at the first GET)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = server.http.get(f"/v1/blueprints/{blueprint_id}")
        if r.status_code == 200 and r.json()["revision"] == revision:
            return
        time.sleep(0.005)
    raise RuntimeError(f"blueprint {blueprint_id} revision {revision} not visible after {timeout} s")


def _job_seconds(upload: dict) -> float | None:
    """started_at to finished_at of the upload's job (its events stored and committed)."""
    from datetime import datetime

    if not upload.get("started_at") or not upload.get("finished_at"):
        return None
    start, end = (datetime.fromisoformat(upload[k].replace("Z", "+00:00")) for k in ("started_at", "finished_at"))
    return round((end - start).total_seconds(), 3)


def _ms(seconds: list[float]) -> dict:
    return {"median": round(1000 * statistics.median(seconds), 2), "min": round(1000 * min(seconds), 2),
            "max": round(1000 * max(seconds), 2), "n": len(seconds)}


def blueprint_body(source_id: int) -> dict:
    return {"name": "bench blueprint", "sources": [source_id], "lanes": LANE_RULES}


# --------------------------------------------------------------------------- py-spy on the cold feed

# Stages of the cold feed, told apart by the frames of a sampled stack (first rule that matches
# wins; every substring of a rule must be in the stack). Stacks outside feed_for are dropped.
FEED_STAGES = [
    ("lazy imports during the request", ("_find_and_load",)),
    ("load: columnar copy (SQL read when it lacks uploads)", ("source_table (app/store/columnar",)),
    ("load: columnar copy, upload keys", ("source_rows (app/blueprint/feed",)),
    ("gather: codes, sort, window and segments", ("gather (app/blueprint/events",)),
    ("lanes: rules per kind of event", ("lanes (app/blueprint/events",)),
    ("observe: flows", ("discover_flows (",)),
    ("observe: activities (rework, service time)", ("discover_activities (",)),
    ("observe: variants", ("discover_variants (",)),
    ("observe: start/end activities", ("start_end_activities (",)),
    ("observe: case durations", ("case_durations (",)),
    ("observe: waiting before", ("_waiting_before (",)),
    ("observe: positions", ("_positions (",)),
    ("observe: resource handovers", ("observe (app/mining/observe", "discover_handovers (")),
    ("observe: other", ("observe (app/mining/observe",)),
    ("step lanes, evidence, unmapped", ("app/lanes/assign",)),
    ("phases (derived / user)", ("derived_phases (",)),
    ("phases (derived / user)", ("user_phases (",)),
    ("phase durations", ("phase_durations (",)),
    ("lane handovers", ("lane_handovers (",)),
    ("handovers within lanes", ("handovers_within_lanes (",)),
    ("source stats", ("_source_info (",)),
    ("assemble: build_feed", ("build_feed (",)),
    ("free memory back to the system", ("release_free_memory (",)),
    ("model: wait for it (logs < SMALL_LOG_EVENTS wait up to 2 s)", ("settle (",)),
    ("feed_for: other (blueprint, sources, version)", ("feed_for (",)),
]
MODEL_STAGES = [("background thread: BPMN model (inductive miner, write_bpmn, lanes)", ("_worker (",))]
RESPONSE_STAGES = [("response: JSON render", ("render (", "starlette/responses")),
                   ("response: JSON render", ("render (", "fastapi/responses"))]


def start_py_spy(pid: int, out: Path):
    exe = ROOT / ".venv" / "bin" / "py-spy"
    if not exe.exists():
        print("  (no .venv/bin/py-spy; profiling skipped)")
        return None
    spy = subprocess.Popen([str(exe), "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--idle",
                            "--threads", "--output", str(out), "--nonblocking"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)  # let it attach
    return spy


def stop_py_spy(spy) -> None:
    spy.send_signal(signal.SIGINT)
    try:
        spy.wait(60)
    except subprocess.TimeoutExpired:
        spy.kill()


def summarize_feed_profile(path: Path, rate: int = 250) -> list[tuple[str, float]]:
    counts: dict[str, int] = {}
    if not path.exists():
        return []
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        if "feed_for (" in stack:
            rules = FEED_STAGES
        elif "get_feed (" in stack or "render (" in stack:
            rules = RESPONSE_STAGES
        elif "discover_bpmn_xml (" in stack or "with_lanes (" in stack:
            rules = MODEL_STAGES
        else:
            continue
        stage = next((name for name, needles in rules if all(x in stack for x in needles)), None)
        if stage is not None:
            counts[stage] = counts.get(stage, 0) + int(n)
    order = list(dict.fromkeys(name for name, _ in FEED_STAGES + RESPONSE_STAGES + MODEL_STAGES))
    return [(name, counts[name] / rate) for name in order if name in counts]


# --------------------------------------------------------------------------- one size, end to end


def run_server_side(logs: dict, *, cold_runs: int, cached_runs: int, py_spy: bool, keep_data: bool,
                    mapping: dict = ingest.MAPPING) -> dict:
    n = logs["events"]
    data_dir = Path(tempfile.mkdtemp(prefix=f"bm-mine-{n}-"))
    key = "bench-admin-" + uuid.uuid4().hex
    row: dict = {"data_dir": str(data_dir) if keep_data else None}
    try:
        done = subprocess.run([str(EXE), "migrate"], env=dict(
            os.environ, BLUEPRINT_DATA_DIR=str(data_dir), BLUEPRINT_BOOTSTRAP_API_KEY=key,
            BLUEPRINT_DATABASE_URL=f"sqlite:///{data_dir}/bench.sqlite"), capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"migrate failed: {done.stderr[-1000:]}")

        # ---- ingest, define the blueprint, first GET in the ingesting process
        server = MineServer(data_dir, key, "ingest")
        try:
            source = server.create_source("bench mine", mapping)
            # The blueprint exists before the data comes: what a user lives through is the first
            # feed right after the upload says "succeeded" (the worker has brought the copy and
            # the blueprint's feed up to date by then).
            r = server.http.post("/v1/blueprints", json=blueprint_body(source))
            if r.status_code != 201:
                raise RuntimeError(f"blueprint answered {r.status_code}: {r.text[:2000]}")
            blueprint = r.json()["id"]
            print("  uploading ...", flush=True)
            up = server.upload(source, logs["csv"])
            upload = up["upload"]
            if upload["status"] != "succeeded":
                raise RuntimeError(f"upload {upload['status']}: {upload.get('detail')} {upload.get('errors', [])[:3]}")
            rss_before = ingest.proc_status(server.pid)["VmRSS"]
            _, seconds = get_feed(server, blueprint)
            row["upload"] = {"seconds": round(up["seconds"], 3), "events_ingested": upload["events_ingested"],
                             "cases": upload.get("cases"), "job_s": _job_seconds(upload),
                             "peak_rss_mb": round(ingest.proc_status(server.pid)["VmHWM"] / 1024, 1)}
            print(f"  ingested {upload['events_ingested']:,} events in {up['seconds']:.2f}s "
                  f"(stored after {row['upload']['job_s']}s of job)", flush=True)
            row["first_feed_after_upload_s"] = round(seconds, 3)
            row["first_feed_after_upload_rss_growth_mb"] = round(
                (ingest.proc_status(server.pid)["VmRSS"] - rss_before) / 1024, 1)
            print(f"  first feed right after the upload says succeeded: {seconds:.2f}s", flush=True)
            wait_for_model(server, blueprint)  # so that the shutdown does not wait for it
        finally:
            server.close(keep_log=OUT / f"server-mine-{n}-ingest.log")

        # ---- restart (fresh process, empty cache) and GET: cold, and its peak memory
        colds, feed = [], None
        for i in range(cold_runs):
            # Cold means computed: the feeds a worker saved on disk are removed before each start.
            shutil.rmtree(data_dir / "feeds", ignore_errors=True)
            server = MineServer(data_dir, key, f"cold{i}")
            last = i == cold_runs - 1
            try:
                idle_wait = server.wait_idle()
                base = ingest.proc_status(server.pid)
                spy = start_py_spy(server.pid, OUT / f"profile-feed-{n}.txt") if py_spy and i == 0 else None
                t_cold = time.perf_counter()
                r, seconds = get_feed(server, blueprint)
                status = ingest.proc_status(server.pid)
                cold = {"seconds": round(seconds, 3), "peak_rss_mb": round(status["VmHWM"] / 1024, 1),
                        "idle_rss_mb": round(base["VmRSS"] / 1024, 1), "idle_peak_mb": round(base["VmHWM"] / 1024, 1),
                        "rss_after_mb": round(status["VmRSS"] / 1024, 1), "model_status": model_status(r),
                        "server_start_s": round(server.start_seconds, 2), "idle_wait_s": round(idle_wait, 2)}
                if i == 0:
                    feed = r.json()
                    row["feed_bytes"] = len(r.content)
                # The BPMN model goes on in the background (one thread): GETs meanwhile are served
                # from the cache but share the GIL with pm4py's inductive miner.
                during = []
                if last:
                    for _ in range(cached_runs):
                        rc, s = get_feed(server, blueprint)
                        if model_status(rc) != "computing":
                            break
                        during.append(s)
                ready = wait_for_model(server, blueprint)
                cold["model_ready_s"] = round(time.perf_counter() - t_cold, 2)
                cold["model_bpmn_bytes"] = ready
                cold["peak_rss_with_model_mb"] = round(ingest.proc_status(server.pid)["VmHWM"] / 1024, 1)
                if spy is not None:
                    stop_py_spy(spy)
                colds.append(cold)
                print(f"  cold feed after restart {i + 1}/{cold_runs}: {seconds:.2f}s (model {cold['model_status']}), "
                      f"peak RSS {cold['peak_rss_mb']:.0f} MB (idle {cold['idle_rss_mb']:.0f} MB); BPMN model ready "
                      f"after {cold['model_ready_s']:.1f}s, peak RSS then {cold['peak_rss_with_model_mb']:.0f} MB",
                      flush=True)
                if not last:
                    continue
                # ---- quiescent now: cached GETs, then 304s, then a recompute in the warm process
                cached, etag = [], None
                for _ in range(cached_runs):
                    rc, s = get_feed(server, blueprint)
                    cached.append(s)
                    etag = rc.headers.get("etag")
                not_modified = []
                for _ in range(cached_runs):
                    r304, s = get_feed(server, blueprint, etag)
                    if r304.status_code != 304:
                        raise RuntimeError(f"If-None-Match answered {r304.status_code}, not 304")
                    not_modified.append(s)
                rev = server.http.put(f"/v1/blueprints/{blueprint}", json=blueprint_body(source))
                rev.raise_for_status()
                await_revision(server, blueprint, rev.json()["revision"])
                r2, warm = get_feed(server, blueprint)
                if r2.headers.get("etag") == etag:
                    raise RuntimeError("the ETag did not change with the revision")
                # The new revision's model is computed by the worker process now: the API's
                # cached answers meanwhile.
                while model_status(rc := get_feed(server, blueprint)[0]) == "computing" and len(during) < 200:
                    during.append(get_feed(server, blueprint)[1])
                row["cached_ms"] = _ms(cached)
                row["cached_while_model_computing_ms"] = _ms(during) if during else None
                row["not_modified_ms"] = _ms(not_modified)
                row["recompute_warm_s"] = round(warm, 3)
                row["recompute_model_status"] = model_status(r2)
                wait_for_model(server, blueprint)  # so that the shutdown does not wait for it
            finally:
                server.close(keep_log=OUT / f"server-mine-{n}-cold{i}.log" if i == 0 else None)
        row["cold"] = colds
        row["cold_feed_s"] = round(statistics.median(c["seconds"] for c in colds), 3)
        row["peak_rss_mb"] = max(c["peak_rss_mb"] for c in colds)
        row["peak_rss_with_model_mb"] = max(c["peak_rss_with_model_mb"] for c in colds)
        row["model_ready_s"] = round(statistics.median(c["model_ready_s"] for c in colds), 2)
        if py_spy:
            row["profile"] = summarize_feed_profile(OUT / f"profile-feed-{n}.txt")
        row["feed"] = feed
        return row
    finally:
        if not keep_data:
            shutil.rmtree(data_dir, ignore_errors=True)


# --------------------------------------------------------------------------- plain pm4py


PM4PY_CODE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
sys._pm4py_welcome_shown = True
import pandas as pd
import pm4py
times = {"import pandas + pm4py": time.perf_counter() - t0}
path, with_inductive = sys.argv[1], sys.argv[2] == "1"

def step(name, fn):
    t = time.perf_counter()
    out = fn()
    times[name] = time.perf_counter() - t
    print(f"    {name}: {times[name]:.2f}s", file=sys.stderr, flush=True)
    return out

raw = step("pandas.read_csv", lambda: pd.read_csv(path, dtype={"amount": "float64"}).rename(
    columns={"resource": "org:resource"}))
log = step("format_dataframe", lambda: pm4py.format_dataframe(
    raw, case_id="case_id", activity_key="activity", timestamp_key="timestamp"))
del raw
dfg, starts, ends = step("discover_dfg", lambda: pm4py.discover_dfg(log))
step("discover_performance_dfg", lambda: pm4py.discover_performance_dfg(log))
variants = step("get_variants", lambda: pm4py.get_variants(log))
durations = step("get_all_case_durations", lambda: pm4py.get_all_case_durations(log))
step("discover_handover_of_work_network", lambda: pm4py.discover_handover_of_work_network(log))
if with_inductive:
    tree = step("discover_process_tree_inductive", lambda: pm4py.discover_process_tree_inductive(log))
print(json.dumps({
    "times": times, "pm4py": pm4py.__version__,
    "dfg": [[a, b, int(c)] for (a, b), c in dfg.items()],
    "start_activities": {k: int(v) for k, v in starts.items()},
    "end_activities": {k: int(v) for k, v in ends.items()},
    "variants": len(variants), "cases": len(durations), "events": len(log),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""
PM4PY_STEPS = ["format_dataframe", "discover_dfg", "discover_performance_dfg", "get_variants",
               "get_all_case_durations", "discover_handover_of_work_network", "discover_process_tree_inductive"]


def run_pm4py(csv: Path, *, inductive: bool = True) -> dict:
    """The plain pm4py pipeline in a fresh Python process; per-step seconds."""
    done = subprocess.run([str(PYTHON), "-c", PM4PY_CODE, str(csv), "1" if inductive else "0"],
                          stdout=subprocess.PIPE, stderr=None, text=True, timeout=6 * 3600)
    if done.returncode:
        raise RuntimeError(f"the pm4py pipeline failed (exit {done.returncode})")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    found["total_s"] = sum(found["times"].get(s, 0.0) for s in PM4PY_STEPS)
    found["total_with_read_s"] = found["total_s"] + found["times"]["pandas.read_csv"]
    return found


# --------------------------------------------------------------------------- correctness


def check(feed: dict, logs: dict, pm: dict | None) -> list[tuple[str, bool, str]]:
    """(what, ok, detail) for each figure checked."""
    out = []
    events = feed["stats"]["events"]
    out.append(("stats.events = distinct generated events", events == logs["distinct"],
                f"{events:,} vs {logs['distinct']:,}"))
    out.append(("stats.cases = generated cases", feed["stats"]["cases"] == logs["cases"],
                f"{feed['stats']['cases']:,} vs {logs['cases']:,}"))
    unmapped = {u["activity"] for u in feed["unmapped"]}
    out.append(("unmapped activities = the two left out by the rules", unmapped == UNMAPPED, f"{sorted(unmapped)}"))
    if logs.get("lifecycle"):
        stats = feed["stats"]
        out.append(("stats.instances = generated instances", stats["instances"] == logs["instances"],
                    f"{stats['instances']:,} vs {logs['instances']:,}"))
        out.append(("lifecycle.paired = generated start/complete pairs", stats["lifecycle"]["paired"] == logs["paired"],
                    f"{stats['lifecycle']['paired']:,} vs {logs['paired']:,} (mode {stats['lifecycle']['mode']})"))
    if pm is None:
        return out
    ours = {(f["source"], f["target"]): f["count"] for f in feed["flows"]}
    theirs = {(a, b): c for a, b, c in pm["dfg"]}
    diff = [(k, ours.get(k), theirs.get(k)) for k in sorted(set(ours) | set(theirs)) if ours.get(k) != theirs.get(k)]
    out.append(("flows' counts = pm4py discover_dfg counts", not diff,
                f"{len(ours)} flows, {sum(ours.values()):,} directly-follows pairs"
                + (f"; {len(diff)} differ, e.g. {diff[:3]}" if diff else "")))
    out.append(("stats.cases = pm4py cases", feed["stats"]["cases"] == pm["cases"],
                f"{feed['stats']['cases']:,} vs {pm['cases']:,}"))
    out.append(("variants.count = pm4py get_variants", feed["variants"]["count"] == pm["variants"],
                f"{feed['variants']['count']:,} vs {pm['variants']:,}"))
    out.append(("start/end activities = pm4py's", feed["start_activities"] == pm["start_activities"]
                and feed["end_activities"] == pm["end_activities"],
                f"{feed['start_activities']} / {feed['end_activities']}"))
    return out


# --------------------------------------------------------------------------- report


def _mark(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "MISS")


def measure(n: int, args) -> dict:
    print(f"\n== {n:,} events", flush=True)
    logs = lifecycle_log.ensure_lifecycle_csv(n) if args.lifecycle else ensure_csv(n)
    server = run_server_side(logs, cold_runs=args.cold_runs, cached_runs=args.cached_runs, py_spy=args.py_spy,
                             keep_data=args.keep_data,
                             mapping=lifecycle_log.MAPPING if args.lifecycle else ingest.MAPPING)
    pm = None
    if not args.no_pm4py and not args.lifecycle:
        print("  plain pm4py pipeline (fresh process) ...", flush=True)
        pm = run_pm4py(logs["csv"], inductive=not args.no_inductive)
    feed = server.pop("feed")
    checks = check(feed, logs, pm)
    steps = feed["steps"]
    rework_cases = max((s["rework"]["cases"] for s in steps), default=0)
    result = {"events": n, "log": {k: (str(v) if isinstance(v, Path) else v) for k, v in logs.items()},
              "server": server, "pm4py": {k: v for k, v in (pm or {}).items() if k != "dfg"} if pm else None,
              "checks": [{"what": w, "ok": ok, "detail": d} for w, ok, d in checks],
              "feed_summary": {"stats": feed["stats"], "flows": len(feed["flows"]), "steps": len(steps),
                               "variants": feed["variants"]["count"],
                               "rework_events": sum(s["rework"]["events"] for s in steps),
                               "most_reworked_step_cases": rework_cases,
                               "lanes": {lane["id"]: len(lane["steps"]) for lane in feed["lanes"]},
                               "unmapped": [u["activity"] for u in feed["unmapped"]],
                               "model_coverage": (feed.get("model") or {}).get("coverage")}}
    if pm:
        result["pm4py_over_cold"] = round(pm["total_s"] / server["cold_feed_s"], 2)
        result["pm4py_with_read_over_cold"] = round(pm["total_with_read_s"] / server["cold_feed_s"], 2)
    return result


def report(results: list[dict]) -> None:
    for res in results:
        n, s, pm = res["events"], res["server"], res["pm4py"]
        fs = res["feed_summary"]
        print(f"\n== {n:,} events: {res['log']['cases']:,} cases, {res['log']['activities']} activities, "
              f"{res['log']['resources']} resources; {fs['variants']:,} variants, {fs['rework_events']:,} "
              f"rework events (repeats of an activity within a case)")
        print(f"  upload {s['upload']['seconds']:.2f}s (peak RSS while ingesting {s['upload']['peak_rss_mb']:.0f} MB); "
              f"feed JSON {s['feed_bytes'] / 1e3:.0f} kB; lanes {fs['lanes']}, unmapped {fs['unmapped']}")
        print(f"  cold feed: after restart {[c['seconds'] for c in s['cold']]} s (median {s['cold_feed_s']:.2f}s); "
              f"first feed right after the upload succeeded {s['first_feed_after_upload_s']:.2f}s; recompute in a "
              "warm process "
              f"{s['recompute_warm_s']:.2f}s")
        print(f"  memory: idle {s['cold'][0]['idle_rss_mb']:.0f} MB -> peak {s['peak_rss_mb']:.0f} MB when the cold "
              f"feed has answered (VmHWM of the restarted process), {s['peak_rss_with_model_mb']:.0f} MB once the "
              f"background BPMN model is done")
        coverage = fs.get("model_coverage")
        print(f"  BPMN model (background thread): first answer says {s['cold'][0]['model_status']!r}; ready "
              f"{s['model_ready_s']:.1f}s after the cold GET began (median of {len(s['cold'])})"
              + (f"; it covers {coverage:.1%} of the cases" if isinstance(coverage, float) else ""))
        during = s.get("cached_while_model_computing_ms")
        print(f"  cached feed: median {s['cached_ms']['median']:.1f} ms (min {s['cached_ms']['min']:.1f}, max "
              f"{s['cached_ms']['max']:.1f}) with the server idle; 304 with If-None-Match: median "
              f"{s['not_modified_ms']['median']:.1f} ms"
              + (f"; while the model computes: median {during['median']:.1f} ms (max {during['max']:.1f}, "
                 f"{during['n']} GETs)" if during else ""))
        if pm:
            print(f"  plain pm4py {pm['pm4py']} (fresh process, peak RSS {pm['peak_rss_mb']:.0f} MB):")
            for name, sec in pm["times"].items():
                print(f"    {name:<40}{sec:>9.2f}s" + ("" if name in PM4PY_STEPS else "  (not in the total)"))
            print(f"    {'total':<40}{pm['total_s']:>9.2f}s   (with read_csv {pm['total_with_read_s']:.2f}s)")
            print(f"  pm4py total / our cold feed = {pm['total_s']:.2f} / {s['cold_feed_s']:.2f} = "
                  f"{res['pm4py_over_cold']:.1f}x  (with read_csv: {res['pm4py_with_read_over_cold']:.1f}x)")
        print("  correctness:")
        for c in res["checks"]:
            print(f"    {'OK' if c['ok'] else 'MISMATCH':<9}{c['what']}: {c['detail']}")
        if s.get("profile"):
            background = {name for name, _ in MODEL_STAGES}
            total = sum(sec for name, sec in s["profile"] if name not in background)
            print(f"  where the first cold feed went (py-spy, {total:.2f}s sampled in the request, waits included):")
            for name, sec in s["profile"]:
                share = f"{100 * sec / total:>5.1f}%" if name not in background else " (after/alongside the request)"
                print(f"    {name:<62}{sec:>7.2f}s {share}")

    base = next((r for r in results if r["events"] == 1_000_000), results[0])
    s = base["server"]
    print(f"\ntargets ({base['events']:,} events" + ("" if base["events"] == 1_000_000 else
                                                    "; the time targets are meant for 1,000,000") + "):")
    rows = [
        ("cold feed", f"{s['cold_feed_s']:.2f} s", f"<= {TARGETS['cold_feed_s_at_1m']:.0f} s",
         s["cold_feed_s"] <= TARGETS["cold_feed_s_at_1m"]),
        ("plain pm4py / cold feed", f"{base['pm4py_over_cold']:.1f}x" if base["pm4py"] else "-",
         f">= {TARGETS['pm4py_over_cold']:.0f}x",
         base["pm4py_over_cold"] >= TARGETS["pm4py_over_cold"] if base["pm4py"] else None),
        ("cached feed (median)", f"{s['cached_ms']['median']:.1f} ms", f"<= {TARGETS['cached_feed_ms']:.0f} ms",
         s["cached_ms"]["median"] <= TARGETS["cached_feed_ms"]),
        ("peak memory (cold feed)", f"{s['peak_rss_mb']:.0f} MB", f"<= {TARGETS['peak_rss_mb']:.0f} MB",
         s["peak_rss_mb"] <= TARGETS["peak_rss_mb"]),
        ("first feed after upload", f"{s['first_feed_after_upload_s']:.2f} s",
         f"<= {TARGETS['first_feed_after_upload_s']:.1f} s",
         s["first_feed_after_upload_s"] <= TARGETS["first_feed_after_upload_s"]),
        ("cached, model computing", f"{during['median']:.1f} ms" if (during := s.get("cached_while_model_computing_ms"))
         else "-", f"<= {TARGETS['cached_while_model_ms']:.0f} ms",
         during["median"] <= TARGETS["cached_while_model_ms"] if during else None),
        ("  ... incl. the BPMN model", f"{s['peak_rss_with_model_mb']:.0f} MB", f"<= {TARGETS['peak_rss_mb']:.0f} MB",
         s["peak_rss_with_model_mb"] <= TARGETS["peak_rss_mb"]),
    ]
    print(f"  {'figure':<26}{'value':>10}  {'target':<12}")
    for name, value, target, ok in rows:
        print(f"  {name:<26}{value:>10}  {target:<12}{_mark(ok)}")
        base.setdefault("targets", {})[name] = {"value": value, "target": target, "pass": ok}
    bad = [c["what"] for r in results for c in r["checks"] if not c["ok"]]
    print("  correctness: " + ("every check OK" if not bad else f"MISMATCH in {bad}"))

    if len(results) > 1:
        print("\nper million events (linearity):")
        print(f"  {'events':>11}{'cold s/M':>10}{'warm s/M':>10}{'peak MB':>9}{'MB/M over idle':>16}"
              f"{'pm4py s/M':>11}{'ratio':>7}")
        for r in results:
            m, sv = r["events"] / 1e6, r["server"]
            grow = (sv["peak_rss_mb"] - sv["cold"][0]["idle_rss_mb"]) / m
            pm_s = f"{r['pm4py']['total_s'] / m:.2f}" if r["pm4py"] else "-"
            ratio = f"{r['pm4py_over_cold']:.1f}" if r["pm4py"] else "-"
            print(f"  {r['events']:>11,}{sv['cold_feed_s'] / m:>10.2f}{sv['recompute_warm_s'] / m:>10.2f}"
                  f"{sv['peak_rss_mb']:>9.0f}{grow:>16.0f}{pm_s:>11}{ratio:>7}")
            r["per_million"] = {"cold_feed_s": round(sv["cold_feed_s"] / m, 3),
                                "recompute_warm_s": round(sv["recompute_warm_s"] / m, 3),
                                "peak_rss_growth_mb": round(grow, 1),
                                "pm4py_total_s": round(r["pm4py"]["total_s"] / m, 3) if r["pm4py"] else None}


def _commit() -> str | None:
    done = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True)
    return done.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000, help="events in the generated log")
    ap.add_argument("--scale", action="store_true", help="also run 5,000,000 events; per-million figures")
    ap.add_argument("--cold-runs", type=int, default=3, help="server restarts, each timing one cold feed (median)")
    ap.add_argument("--cached-runs", type=int, default=20, help="cached GETs (and 304 GETs) timed")
    ap.add_argument("--no-pm4py", action="store_true", help="skip the plain pm4py pipeline")
    ap.add_argument("--no-inductive", action="store_true", help="leave the inductive miner out of the pm4py run")
    ap.add_argument("--py-spy", action="store_true",
                    help="record the first cold feed with py-spy (bench/out/profile-feed-N.txt), by stage")
    ap.add_argument("--keep-data", action="store_true", help="keep the server's data directory (for profiling)")
    ap.add_argument("--lifecycle", action="store_true",
                    help="the same log as start and complete events (paired into instances); no pm4py run")
    ap.add_argument("--out", type=Path, default=None, help="where the figures go (JSON)")
    args = ap.parse_args(argv)
    if args.events < 1000:
        ap.error("--events must be at least 1000")
    if args.cold_runs < 1 or args.cached_runs < 1:
        ap.error("--cold-runs and --cached-runs must be at least 1")
    if not EXE.exists():
        print(f"no {EXE}: run `make install` first")
        return 2
    sizes = [args.events] + ([5_000_000] if args.scale and args.events != 5_000_000 else [])
    results = [measure(n, args) for n in sizes]
    report(results)
    out = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "commit": _commit(), "targets": TARGETS, "lane_rules": LANE_RULES, "results": results,
    }
    dest = (args.out or OUT / ("mine-lifecycle.json" if args.lifecycle else "mine.json")).resolve()
    dest.write_text(json.dumps(out, indent=2, default=str))
    print(f"\nfigures written to {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest}")
    for r in results:
        if r["server"].get("data_dir"):
            print(f"data directory kept: {r['server']['data_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
