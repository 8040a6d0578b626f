"""Ingest benchmark: 1M generated events over HTTP into a real server process.

Run from the repository root:

    .venv/bin/python bench/ingest.py                   # 1,000,000 events, every case
    .venv/bin/python bench/ingest.py --events 100000   # a quick run
    .venv/bin/python bench/ingest.py --only csv-sqlite,xes-sqlite

It generates (once, then reuses from bench/out/) a seeded synthetic service log as CSV and as XES
holding the same events, starts `blueprint-miner serve` on a throwaway data directory for each
measurement (a fresh process, so its peak RSS belongs to that one upload), streams the file up as
multipart from disk and polls the upload until it ends. Times are wall-clock from the start of the
POST to the final status. It also times rustxes' own read of the XES file for comparison.

Targets are printed as PASS/MISS beside each figure; nothing asserts on time. The figures also
go to bench/out/ingest.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `tests.support.postgres` is imported from the checkout
    sys.path.insert(0, str(ROOT))
from bench.pace import describe as describe_pace  # noqa: E402
from bench.pace import machine_pace  # noqa: E402

OUT = ROOT / "bench" / "out"
EXE = ROOT / ".venv" / "bin" / "blueprint-miner"
PYTHON = ROOT / ".venv" / "bin" / "python"

SEED = 42
GENERATOR_VERSION = 1  # bump when the generated log changes, so cached files are rebuilt
CASES_PER_EVENT = 0.06  # ~60,000 cases per 1,000,000 events
CHUNK = 100_000  # rows per vectorised write chunk

TARGETS = {
    "sqlite_events_per_s": 150_000,
    "postgres_events_per_s": 250_000,
    "peak_rss_mb": 1024,
    "xes_vs_rustxes": 2.0,
}

# A customer-service process: first and last activities are fixed, the middle follows a Markov chain.
FIRST, LAST = "Ticket created", "Ticket closed"
MIDDLE = [
    "Ticket classified", "Assigned to agent", "Customer contacted", "Information requested",
    "Information received", "Reminder sent", "Escalated to tier 2", "Remote diagnosis",
    "Technician scheduled", "On-site visit", "Part ordered", "Part received", "Repair completed",
    "Quote sent", "Quote accepted", "Invoice sent", "Payment received", "Refund issued",
    "Solution proposed", "Customer confirmed", "Satisfaction survey sent", "Ticket reopened",
    "Knowledge article linked",
]
ACTIVITIES = [FIRST, *MIDDLE, LAST]  # 25
WITH_AMOUNT = {"Quote sent", "Quote accepted", "Invoice sent", "Payment received", "Refund issued",
               "Part ordered"}
RESOURCES = [
    "Alice Moretti", "Bruno Keller", "Chiara Rossi", "Daniel Novak", "Elena Petrova", "Farid Haddad",
    "Grace Okafor", "Hugo Laurent", "Ines Garcia", "Jonas Berg", "Kenji Sato", "Laura Conti",
    "Marek Dvorak", "Nadia Benali", "Oscar Lindqvist", "Paula Silva", "Quentin Roux", "Rosa Martini",
    "Samir Aziz", "Tanja Horvat", "Umberto Greco", "Vera Lang", "Wei Zhang", "Ximena Ortiz",
    "Yusuf Demir", "Zoe Fischer", "Service bot", "Billing system", "Field dispatch", "Warehouse",
]  # 30
CHANNELS = ["email", "phone", "web", "chat", "partner"]
REGIONS = ["north", "south", "east", "west", "central", "international"]
COLUMNS = ["case_id", "activity", "timestamp", "resource", "channel", "amount", "region"]
# The server a bulk load deserves: buffers for the table and its index, and checkpoints that do
# not interrupt one million rows (the defaults are for a laptop: 128 MB, 1 GB of WAL).
PG_SETTINGS = {"shared_buffers": "1GB", "max_wal_size": "8GB", "checkpoint_timeout": "30min",
               "wal_buffers": "64MB"}
MAPPING = {"case_id": "case_id", "activity": "activity", "timestamp": "timestamp", "resource": "resource"}
YEAR_START = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
YEAR_SECONDS = 366 * 86400


# --------------------------------------------------------------------------- generation


def generate(n: int) -> dict:
    """The events, case-major (each case's events together, in time order), as NumPy arrays.

    Every event has a distinct (case, timestamp): gaps inside a case are at least one second, so
    the log has no exact duplicates by construction (and the count is checked afterwards)."""
    rng = np.random.default_rng(SEED)
    n_cases = max(1, round(n * CASES_PER_EVENT))
    mean = n / n_cases
    lengths = 2 + rng.poisson(max(mean - 2, 0.1), n_cases)
    while (diff := n - int(lengths.sum())) != 0:  # make the lengths add up to n exactly
        if diff > 0:
            np.add.at(lengths, rng.integers(0, n_cases, diff), 1)
        else:
            shrinkable = np.flatnonzero(lengths > 1)
            pick = rng.choice(shrinkable, size=min(-diff, len(shrinkable)), replace=False)
            lengths[pick] -= 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    case_of = np.repeat(np.arange(n_cases), lengths)

    # Activities: a Markov chain over the middle activities, mostly flowing forward.
    k = len(MIDDLE)
    alpha = np.full((k, k), 0.05)
    idx = np.arange(k)
    alpha[idx, (idx + 1) % k] += 4.0
    alpha[idx, (idx + 2) % k] += 1.5
    alpha[idx, (idx - 1) % k] += 0.6
    alpha[idx, idx] += 0.3
    trans = np.cumsum(np.vstack([rng.dirichlet(row) for row in alpha]), axis=1)
    initial = np.cumsum(rng.dirichlet(np.r_[np.full(6, 3.0), np.full(k - 6, 0.2)]))
    act = np.zeros(n, dtype=np.int16)  # 0 = FIRST, 1..k = MIDDLE, k+1 = LAST
    for p in range(1, int(lengths.max())):  # one vectorised step per position, not per row
        cases = np.flatnonzero(lengths > p)
        rows = starts[cases] + p
        prev = act[rows - 1]
        u = rng.random(len(rows))
        chosen = np.where(prev == 0, (u[:, None] > initial[None, :]).sum(1),
                          (u[:, None] > trans[np.maximum(prev - 1, 0)]).sum(1))
        act[rows] = 1 + np.minimum(chosen, k - 1)
    act[starts + lengths - 1] = k + 1  # every case ends closed
    act[starts] = 0

    # Timestamps: cases start through 2024; gaps depend on the activity (minutes to days).
    case_start = YEAR_START + rng.integers(0, YEAR_SECONDS - 60 * 86400, n_cases)
    mean_gap = rng.uniform(300, 2 * 86400, len(ACTIVITIES))
    gaps = 1 + np.floor(rng.exponential(mean_gap[act])).astype(np.int64)
    gaps[starts] = 0
    csum = np.cumsum(gaps)
    ts = case_start[case_of] + csum - csum[starts][case_of]

    # Resources: each activity has a team of five (bots and systems for some).
    team = rng.integers(0, len(RESOURCES), len(ACTIVITIES))
    res = ((team[act] + rng.integers(0, 5, n)) % len(RESOURCES)).astype(np.int16)
    # Attributes: channel mostly the case's, region the case's, amount on money activities only.
    case_channel = rng.choice(len(CHANNELS), n_cases, p=[0.35, 0.25, 0.2, 0.15, 0.05])
    channel = np.where(rng.random(n) < 0.1, rng.integers(0, len(CHANNELS), n), case_channel[case_of])
    region = rng.choice(len(REGIONS), n_cases, p=[0.2, 0.2, 0.15, 0.15, 0.2, 0.1])[case_of]
    money = np.isin(act, [ACTIVITIES.index(a) for a in WITH_AMOUNT])
    cents = np.round(rng.lognormal(4.5, 1.0, n) * 100).astype(np.int64) + 1
    return {"n": n, "n_cases": n_cases, "case": case_of, "act": act, "ts": ts, "res": res,
            "channel": channel, "region": region, "money": money, "cents": cents}


def _take(vocab: list[str], codes: np.ndarray) -> pa.Array:
    return pa.array(vocab, pa.string()).take(pa.array(codes))


def _case_ids(n_cases: int) -> list[str]:
    return [f"CS-{i + 100001}" for i in range(n_cases)]


def _amount_text(ev: dict, sel: np.ndarray) -> pa.Array:
    cents = ev["cents"][sel]
    text = pc.binary_join_element_wise(pa.array((cents // 100).astype(str)),
                                       pa.array(np.char.zfill((cents % 100).astype(str), 2)), ".")
    return pc.if_else(pa.array(ev["money"][sel]), text, pa.scalar(None, pa.string()))


def _write_strings(f, arr: pa.Array) -> None:
    """Write a string array's values back to back, straight from its Arrow data buffer."""
    for chunk in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]):
        if len(chunk) == 0:
            continue
        if chunk.null_count:
            chunk = pc.fill_null(chunk, "")
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
        f.write(memoryview(chunk.buffers()[2])[offsets[0]:offsets[-1]])


def _csv_safe(vocab: list[str]) -> list[str]:
    return [f'"{v}"' if any(c in v for c in ',"\n\r') else v for v in vocab]


def write_csv(ev: dict, path: Path) -> None:
    """One line per event, in time order (as a system would export it), unquoted where possible."""
    order = np.lexsort((np.arange(ev["n"]), ev["ts"]))
    cases = pa.array(_case_ids(ev["n_cases"]))
    acts, ress = _csv_safe(ACTIVITIES), _csv_safe(RESOURCES)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write((",".join(COLUMNS) + "\n").encode())
        for lo in range(0, ev["n"], CHUNK):
            sel = order[lo:lo + CHUNK]
            stamp = pc.strftime(pa.array(ev["ts"][sel].astype("datetime64[s]")), format="%Y-%m-%d %H:%M:%S")
            line = pc.binary_join_element_wise(
                cases.take(pa.array(ev["case"][sel])), _take(acts, ev["act"][sel]), stamp,
                _take(ress, ev["res"][sel]), _take(CHANNELS, ev["channel"][sel]),
                pc.fill_null(_amount_text(ev, sel), ""), _take(REGIONS, ev["region"][sel]), ",")
            _write_strings(f, pc.binary_join_element_wise(line, "\n", ""))
    tmp.replace(path)


def _xml(vocab: list[str]) -> list[str]:
    return [v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            for v in vocab]


XES_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xes.features="nested-attributes" openxes.version="1.0RC7">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<global scope="trace">
\t\t<string key="concept:name" value="__INVALID__"/>
\t</global>
\t<global scope="event">
\t\t<string key="concept:name" value="__INVALID__"/>
\t\t<date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
\t</global>
\t<classifier name="Activity" keys="concept:name"/>
\t<string key="concept:name" value="blueprint-miner benchmark log"/>
"""


def write_xes(ev: dict, path: Path) -> None:
    """The same events as XES: one trace per case (region is a trace attribute), in case order."""
    n = ev["n"]
    first = np.zeros(n, bool)
    last = np.zeros(n, bool)
    change = np.flatnonzero(np.diff(ev["case"])) + 1
    first[np.r_[0, change]] = True
    last[np.r_[change - 1, n - 1]] = True
    cases = pa.array(_xml(_case_ids(ev["n_cases"])))
    acts, ress, chans, regions = _xml(ACTIVITIES), _xml(RESOURCES), _xml(CHANNELS), _xml(REGIONS)
    null = pa.scalar(None, pa.string())
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        f.write(XES_HEAD.encode())
        for lo in range(0, n, CHUNK):
            sel = np.arange(lo, min(lo + CHUNK, n))
            head = pc.binary_join_element_wise(
                '\t<trace>\n\t\t<string key="concept:name" value="', cases.take(pa.array(ev["case"][sel])),
                '"/>\n\t\t<string key="region" value="', _take(regions, ev["region"][sel]), '"/>\n', "")
            head = pc.if_else(pa.array(first[sel]), head, null)
            stamp = pc.strftime(pa.array(ev["ts"][sel].astype("datetime64[s]")),
                                format="%Y-%m-%dT%H:%M:%S.000+00:00")
            amount = pc.binary_join_element_wise('\t\t\t<float key="amount" value="', _amount_text(ev, sel),
                                                 '"/>\n', "")
            tail = pc.if_else(pa.array(last[sel]), pa.scalar("\t</trace>\n"), null)
            text = pc.binary_join_element_wise(
                pc.fill_null(head, ""),
                '\t\t<event>\n\t\t\t<string key="concept:name" value="', _take(acts, ev["act"][sel]),
                '"/>\n\t\t\t<string key="org:resource" value="', _take(ress, ev["res"][sel]),
                '"/>\n\t\t\t<date key="time:timestamp" value="', stamp,
                '"/>\n\t\t\t<string key="channel" value="', _take(chans, ev["channel"][sel]), '"/>\n',
                pc.fill_null(amount, ""), "\t\t</event>\n", pc.fill_null(tail, ""), "")
            _write_strings(f, text)
        f.write(b"</log>\n")
    tmp.replace(path)


def distinct_events(ev: dict) -> int:
    """Events that differ in at least one stored field (case, activity, time, resource, attributes)."""
    import pandas as pd

    frame = pd.DataFrame({"case": ev["case"], "act": ev["act"], "ts": ev["ts"], "res": ev["res"],
                          "channel": ev["channel"], "region": ev["region"],
                          "amount": np.where(ev["money"], ev["cents"], -1)})
    return int(len(frame) - frame.duplicated().sum())


def ensure_logs(n: int) -> dict:
    """The CSV and XES files for n events (generated, or reused if the same size and seed)."""
    OUT.mkdir(parents=True, exist_ok=True)
    stem = f"events-{n}-seed{SEED}-v{GENERATOR_VERSION}"
    csv_path, xes_path, meta_path = OUT / f"{stem}.csv", OUT / f"{stem}.xes", OUT / f"{stem}.json"
    if meta_path.exists() and csv_path.exists() and xes_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("csv_bytes") == csv_path.stat().st_size and meta.get("xes_bytes") == xes_path.stat().st_size:
            print(f"reusing {csv_path.name} and {xes_path.name} ({meta['distinct']:,} distinct events)")
            return {**meta, "csv": csv_path, "xes": xes_path}
    t0 = time.perf_counter()
    ev = generate(n)
    t1 = time.perf_counter()
    write_csv(ev, csv_path)
    t2 = time.perf_counter()
    write_xes(ev, xes_path)
    t3 = time.perf_counter()
    meta = {"events": n, "cases": ev["n_cases"], "distinct": distinct_events(ev), "seed": SEED,
            "generator_version": GENERATOR_VERSION, "activities": int(len(np.unique(ev["act"]))),
            "resources": int(len(np.unique(ev["res"]))), "events_with_amount": int(ev["money"].sum()),
            "csv_bytes": csv_path.stat().st_size, "xes_bytes": xes_path.stat().st_size}
    meta_path.write_text(json.dumps(meta, indent=2))
    print(f"generated {n:,} events / {meta['cases']:,} cases in {t1 - t0:.1f}s; CSV "
          f"{meta['csv_bytes'] / 1e6:.0f} MB in {t2 - t1:.1f}s; XES {meta['xes_bytes'] / 1e6:.0f} MB in {t3 - t2:.1f}s")
    return {**meta, "csv": csv_path, "xes": xes_path}


# --------------------------------------------------------------------------- server and client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM of a process, in kB."""
    found = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0])
    return found


def children_rss_kb(pid: int) -> int:
    """VmRSS of a process's child processes (the XES parser), in kB."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids = f.read().split()
        except OSError:
            continue
        for kid in kids:
            with contextlib.suppress(OSError):
                total += proc_status(int(kid)).get("VmRSS", 0)
    return total


class Server:
    """`blueprint-miner serve` on a fresh data directory and database, on a free loopback port."""

    def __init__(self, database_url: str | None = None, env: dict | None = None) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="bm-bench-"))
        self.key = "bench-admin-" + uuid.uuid4().hex
        self.env = dict(os.environ, BLUEPRINT_DATA_DIR=str(self.tmp), BLUEPRINT_BOOTSTRAP_API_KEY=self.key,
                        BLUEPRINT_DATABASE_URL=database_url or f"sqlite:///{self.tmp}/bench.sqlite",
                        **(env or {}))
        self.port = free_port()
        self.slowest_poll, self.poll_errors = 0.0, 0
        self.base = f"http://127.0.0.1:{self.port}"
        done = subprocess.run([str(EXE), "migrate"], env=self.env, capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"migrate failed: {done.stderr[-1000:]}")
        self._launch(self.tmp / "server.log", timeout=600.0)

    def _launch(self, log_path: Path, timeout: float) -> None:
        """Start `blueprint-miner serve` (env, port and key set) and wait until /healthz answers."""
        self.log_path = log_path
        self.log = open(self.log_path, "w")  # noqa: SIM115 - open for the server's lifetime, closed in close()
        self.proc = subprocess.Popen([str(EXE), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        self.http = httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {self.key}"},
                                 timeout=httpx.Timeout(timeout))
        deadline = time.monotonic() + 120
        while True:
            try:
                if self.http.get("/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("server exited at start: " + self.log_path.read_text()[-2000:])
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer /healthz in 120 s")
            time.sleep(0.1)
        # A user uploads to a running service: its embedded worker is up (the child process takes
        # about 1.5 s to import its libraries), so that start is not counted in the upload's time.
        while '"message": "worker started"' not in self.log_path.read_text(errors="replace"):
            if time.monotonic() > deadline:
                raise RuntimeError("the embedded worker did not start in 120 s")
            time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def create_source(self, name: str, mapping: dict | None) -> int:
        body = {"name": name, "system": "ticketing"}
        if mapping:
            body["mapping"] = mapping
        r = self.http.post("/v1/sources", json=body)
        r.raise_for_status()
        return r.json()["id"]

    def upload(self, source_id: int, path: Path, *, poll: float = 0.1, timeout: float = 3600) -> dict:
        """Stream `path` up as multipart field `file`; wait for the final status; return it and timings."""
        boundary = "bench" + uuid.uuid4().hex
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        size = path.stat().st_size

        def body():
            yield head
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    yield chunk
            yield tail

        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}",
                   "Content-Length": str(len(head) + size + len(tail))}
        t0 = time.perf_counter()
        r = self.http.post(f"/v1/sources/{source_id}/uploads", content=body(), headers=headers)
        t_post = time.perf_counter() - t0
        if r.status_code not in (201, 202):
            raise RuntimeError(f"upload answered {r.status_code}: {r.text[:1000]}")
        js = r.json()
        self.children_peak_kb = self.total_peak_kb = 0
        t_stored = None
        while js.get("status") in ("queued", "running"):
            if t_stored is None and js.get("finished_at"):  # events committed; the copy is being refreshed
                t_stored = time.perf_counter() - t0
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"upload {js['id']} still {js['status']} after {timeout} s")
            time.sleep(poll)
            # Child processes (the XES parser) have their own memory: sampled at each poll.
            kids = children_rss_kb(self.pid)
            self.children_peak_kb = max(self.children_peak_kb, kids)
            self.total_peak_kb = max(self.total_peak_kb, kids + proc_status(self.pid).get("VmRSS", 0))
            js = self._poll(js["id"])
        seconds = time.perf_counter() - t0
        return {"status_code": r.status_code, "post_seconds": t_post, "seconds": seconds, "upload": js,
                "stored_seconds": t_stored if t_stored is not None else seconds}

    def _poll(self, upload_id: int) -> dict:
        """The upload's status; a dropped connection is retried while the server lives."""
        t0 = time.perf_counter()  # a poll that had to be retried counts from its first try
        for _ in range(20):
            try:
                g = self.http.get(f"/v1/uploads/{upload_id}")
                self.slowest_poll = max(self.slowest_poll, time.perf_counter() - t0)
                g.raise_for_status()
                return g.json()
            except httpx.TransportError as exc:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the server died (exit {self.proc.returncode}) during the upload; log "
                                       f"tail:\n{self.log_path.read_text()[-3000:]}") from exc
                self.poll_errors += 1
                # uvicorn drops a keep-alive connection whose request waited past its 5 s idle
                # timeout while the event loop was blocked: retry on a new connection.
                print(f"  (status poll dropped after {time.perf_counter() - t0:.1f}s: {exc}; retrying)", flush=True)
                time.sleep(0.1)
        raise RuntimeError(f"cannot poll upload {upload_id}")

    def close(self, keep_log: Path | None = None) -> None:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if keep_log is not None:
            shutil.copyfile(self.log_path, keep_log)
        shutil.rmtree(self.tmp, ignore_errors=True)


def measure(case: str, path: Path, *, expected: int, database_url: str | None = None,
            mapping: dict | None = None, py_spy: bool = False) -> dict:
    """One upload on a fresh server process; returns the figures."""
    server = Server(database_url=database_url)
    spy = None
    try:
        source = server.create_source(f"bench {case}", mapping)
        base = proc_status(server.pid)
        if py_spy:
            spy = start_py_spy(server.pid, case)
        result = server.upload(source, path)
        status = proc_status(server.pid)
        if spy is not None:
            stop_py_spy(spy)
        up = result["upload"]
        if up["status"] != "succeeded":
            print(f"  {case}: upload {up['status']}: {up.get('detail')} {up.get('errors', [])[:3]}")
            print("  server log tail:\n" + server.log_path.read_text()[-2000:])
        events = up.get("events_ingested", 0)
        row = {
            "case": case, "file": path.name, "file_mb": round(path.stat().st_size / 1e6, 1),
            "status": up["status"], "http_status": result["status_code"], "rows_read": up.get("rows_read"),
            "events_ingested": events, "events_duplicate": up.get("events_duplicate"),
            "cases": up.get("cases"), "rows_rejected": up.get("rows_rejected"), "expected_distinct": expected,
            "correct": up["status"] == "succeeded" and events == expected,
            "seconds": round(result["seconds"], 3), "post_seconds": round(result["post_seconds"], 3),
            "server_seconds": _server_seconds(up), "stored_seconds": round(result["stored_seconds"], 3),
            "events_per_s": round(events / result["seconds"]) if result["seconds"] else None,
            "stored_events_per_s": round(events / result["stored_seconds"]) if result["stored_seconds"] else None,
            "peak_rss_mb": round(status["VmHWM"] / 1024, 1), "idle_rss_mb": round(base["VmRSS"] / 1024, 1),
            "children_peak_rss_mb": round(server.children_peak_kb / 1024, 1),
            "server_plus_children_peak_rss_mb": round(server.total_peak_kb / 1024, 1),
            # How long a status poll waited: the API's responsiveness while the job runs.
            "slowest_poll_seconds": round(server.slowest_poll, 3), "poll_connection_errors": server.poll_errors,
        }
        if spy is not None:
            row["profile"] = summarize_profile(OUT / f"profile-{case}.txt")
        return row
    finally:
        if spy is not None and spy.poll() is None:
            stop_py_spy(spy)
        server.close(keep_log=OUT / f"server-{case}.log")


def _server_seconds(up: dict) -> float | None:
    from datetime import UTC, datetime

    def when(text: str) -> datetime:
        value = datetime.fromisoformat(text)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    if up.get("started_at") and up.get("finished_at"):
        return round((when(up["finished_at"]) - when(up["started_at"])).total_seconds(), 3)
    return None


def start_py_spy(pid: int, case: str):
    exe = shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy")
    if not Path(exe).exists():
        print("  (py-spy not installed: `.venv/bin/pip install py-spy`; profiling skipped)")
        return None
    out = OUT / f"profile-{case}.txt"
    # --idle: time the job spends waiting (on PostgreSQL, on the disk) counts too.
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--rate", "100", "--format", "raw", "--idle",
                             "--threads", "--subprocesses", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_py_spy(spy) -> None:
    import signal

    spy.send_signal(signal.SIGINT)
    try:
        spy.wait(30)
    except subprocess.TimeoutExpired:
        spy.kill()


# Stages of an upload, told apart by the frames in a sampled stack (first rule that matches wins;
# a rule is a tuple of substrings that must all be in the stack; a stage named None is dropped).
# Function names cover both the pandas-based and the Arrow-based canonicalize.
STAGES = [
    (None, ("_stage (app/store/writer", "Queue.get")),  # the background stager waiting for work
    ("receive: multipart parse + spool to disk", ("receive_file",)),
    ("lazy imports during the job", ("_find_and_load",)),
    ("prepare: detect format, gunzip, DTD check", (";prepare (app/ingest/pipeline",)),
    ("parse: XES in the server (no traces found: the whole file)", ("read_xes_frame",)),
    ("parse: NUL check (refuse_nul)", ("refuse_nul",)),
    ("parse: CSV (pyarrow) + to_pandas", ("app/ingest/parsers/csv",)),
    ("parse: cut frame into batches", ("frame_batches",)),
    ("canonicalize: timestamps", ("parse_times",)),
    ("canonicalize: timestamps", ("app/ingest/fasttime",)),
    ("canonicalize: timestamps", (";_times (",)),
    ("canonicalize: attributes JSON", (";_attributes (",)),
    ("canonicalize: attributes JSON", ("app/ingest/arrowjson",)),
    ("canonicalize: digest", (";_digest (",)),
    ("canonicalize: digest", ("app/ingest/digest",)),
    ("canonicalize: required-text checks", (";_required_text (",)),
    ("canonicalize: text columns (_text/_objects/_arrow)", (";_text (",)),
    ("canonicalize: text columns (_text/_objects/_arrow)", (";_objects (",)),
    ("canonicalize: text columns (_text/_objects/_arrow)", (";_col (",)),
    ("canonicalize: text columns (_text/_objects/_arrow)", (";_arrow (",)),
    ("canonicalize: text columns (_text/_objects/_arrow)", (";_activity (",)),
    ("canonicalize: pandas frame -> Arrow table", (";canonicalize (", "dataframe_to_arrays")),
    ("canonicalize: build pandas frame", (";canonicalize (", "DataFrame.__init__")),
    ("canonicalize: other", (";canonicalize (",)),
    ("tally: distinct cases set", (";_count (",)),
    ("write: drop stored/repeated digests (anti-join)", ("_new_rows",)),
    ("write: sort by digest + cast", ("_sorted_by_digest",)),
    ("write: Arrow -> CSV for COPY", ("_send (app/store/writer", "write_csv")),
    ("write: COPY", ("_send (app/store/writer",)),
    ("write: COPY (waiting for the server)", ("_copy_all (app/store/writer",)),
    ("stage: ADBC ingest into scratch SQLite (background thread)", ("_stage (app/store/writer",)),
    ("insert: INSERT ... SELECT ON CONFLICT from a finished file (background thread)",
     ("_insert (app/store/writer",)),
    ("stage + insert: the tail, after the last chunk", ("_join (app/store/writer",)),
    ("parse: XES, waiting for the rustxes child + reading its Arrow file", ("_result (app/ingest/parsers/xes",)),
    ("parse: XES, writing pieces", ("frames (app/ingest/parsers/xes",)),
    ("commit", ("job_transaction", "commit")),
    ("other (job)", ("UploadRunner.run",)),
]


def summarize_profile(path: Path) -> list[tuple[str, float]]:
    """Seconds per stage from py-spy's raw stacks (worker thread and the upload's receive)."""
    counts: dict[str, int] = {}
    rate = 100
    if not path.exists():
        return []
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        stage = next((name for name, needles in STAGES if all(x in stack for x in needles)), None)
        if stage is None:
            continue
        counts[stage] = counts.get(stage, 0) + int(n)
    order = list(dict.fromkeys(name for name, _ in STAGES if name))
    return [(name, counts[name] / rate) for name in order if name in counts]


# --------------------------------------------------------------------------- rustxes


RUSTXES_CODE = """
import json, resource, sys, time
import rustxes
times = []
for _ in range(2):
    t0 = time.perf_counter()
    frame, _meta = rustxes.import_xes(sys.argv[1])
    times.append(time.perf_counter() - t0)
    rows = frame.height
    del frame
print(json.dumps({"times": times, "rows": rows,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def time_rustxes(path: Path) -> dict:
    """rustxes.import_xes on the same file, best of 2, in a process of its own."""
    done = subprocess.run([str(PYTHON), "-c", RUSTXES_CODE, str(path)], capture_output=True, text=True,
                          timeout=3600)
    if done.returncode:
        raise RuntimeError("rustxes failed: " + done.stderr[-1000:])
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": round(min(found["times"]), 3), "times": [round(t, 3) for t in found["times"]],
            "rows": found["rows"], "peak_rss_mb": round(found["peak_rss_mb"], 1)}


# --------------------------------------------------------------------------- report


def _mark(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "MISS")


def report(rows: list[dict], rust: dict | None, logs: dict) -> dict:
    print()
    print(f"log: {logs['events']:,} events, {logs['cases']:,} cases, {logs['activities']} activities, "
          f"{logs['resources']} resources; {logs['distinct']:,} distinct events")
    # The write targets (issue 11, point 8) are on the events' commit, "stored": the upload's
    # transaction is done and every event is in the database. "Succeeded" comes after the columnar
    # copy is brought up to date and the feeds precomputed, so that the first feed is quick.
    header = (f"{'case':<16}{'events':>11}{'stored s':>10}{'events/s':>11}{'succeeded s':>13}{'events/s':>11}"
              f"{'peak RSS MB':>13}{'  correct':<10}{'write target (stored)':<26}{'memory < 1 GB':<14}")
    print(header)
    print("-" * len(header))
    for row in rows:
        if row.get("skipped"):
            print(f"{row['case']:<16}  skipped: {row['skipped']}")
            continue
        target = (TARGETS["postgres_events_per_s"] if "postgres" in row["case"]
                  else TARGETS["sqlite_events_per_s"] if row["case"].startswith("csv") else None)
        speed_ok = None if target is None else row["stored_events_per_s"] >= target
        row["speed_target_events_per_s"] = target
        row["speed_pass"] = speed_ok
        row["memory_pass"] = row["peak_rss_mb"] < TARGETS["peak_rss_mb"]
        speed = "-" if target is None else f"{_mark(speed_ok)} (>= {target:,}/s)"
        print(f"{row['case']:<16}{row['events_ingested']:>11,}{row['stored_seconds']:>10.2f}"
              f"{row['stored_events_per_s']:>11,}{row['seconds']:>13.2f}{row['events_per_s']:>11,}"
              f"{row['peak_rss_mb']:>13,.0f}  {('yes' if row['correct'] else 'NO'):<8}{speed:<26}"
              f"{_mark(row['memory_pass'])}")
    print()
    for row in rows:
        if row.get("skipped"):
            continue
        answered = ("201: stored inline, so the POST includes the job" if row["http_status"] == 201
                    else "202: queued; the POST is the multipart receive + spool to disk")
        dropped = row["poll_connection_errors"]
        print(f"  {row['case']}: POST {row['post_seconds']:.2f}s ({answered}); job {row['server_seconds']}s "
              f"(started_at..finished_at)")
        print(f"    events stored (finished_at seen) after {row['stored_seconds']:.2f}s = "
              f"{row['events_ingested'] / row['stored_seconds']:,.0f}/s; succeeded (columnar copy up to date, "
              f"feeds precomputed) after {row['seconds']:.2f}s")
        print(f"    rows_read {row['rows_read']:,}, ingested {row['events_ingested']:,} (expected "
              f"{row['expected_distinct']:,}), duplicates {row['events_duplicate']:,}, rejected "
              f"{row['rows_rejected']:,}, cases {row['cases']:,}")
        print(f"    RSS idle {row['idle_rss_mb']:.0f} MB -> peak {row['peak_rss_mb']:.0f} MB; slowest status poll "
              f"{row['slowest_poll_seconds']:.2f}s" + (f" ({dropped} poll connection(s) dropped by the server)"
                                                        if dropped else ""))
        if row.get("children_peak_rss_mb"):
            print(f"    child processes (the XES parser): peak {row['children_peak_rss_mb']:.0f} MB; server + "
                  f"children together: peak {row['server_plus_children_peak_rss_mb']:.0f} MB (sampled at each poll)")
    ratio = None
    xes = next((r for r in rows if r["case"] == "xes-sqlite" and not r.get("skipped")), None)
    if rust:
        print(f"  rustxes.import_xes: {rust['seconds']:.2f}s best of 2 {rust['times']}, {rust['rows']:,} rows, "
              f"peak RSS {rust['peak_rss_mb']:.0f} MB")
        if xes:
            ratio = xes["seconds"] / rust["seconds"]
            print(f"  XES ingest / rustxes read: {xes['seconds']:.2f}s / {rust['seconds']:.2f}s = {ratio:.2f}x  "
                  f"{_mark(ratio <= TARGETS['xes_vs_rustxes'])} (target <= {TARGETS['xes_vs_rustxes']}x)")
    for row in rows:
        if row.get("profile"):
            total = sum(sec for _, sec in row["profile"])
            print(f"\n  where {row['case']}'s server time went (py-spy samples, waits included; "
                  f"{total:.1f}s in all, more than the wall time where threads overlap):")
            for name, sec in row["profile"]:
                print(f"    {name:<60}{sec:>7.2f}s {100 * sec / total:>5.1f}%")
    failed = [r["case"] for r in rows if not r.get("skipped") and not r["correct"]]
    print("\n  correctness: " + ("every ingest stored exactly the distinct events" if not failed
                               else f"WRONG COUNT in {failed}"))
    return {"ratio": ratio}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000, help="events in the generated log")
    ap.add_argument("--only", default="csv-sqlite,csv-postgres,xes-sqlite",
                    help="comma-separated cases to run (csv-sqlite, csv-postgres, xes-sqlite)")
    ap.add_argument("--no-rustxes", action="store_true", help="skip timing rustxes' own read")
    ap.add_argument("--py-spy", action="store_true",
                    help="record each upload with py-spy (raw stacks in bench/out/profile-CASE.txt)")
    args = ap.parse_args(argv)
    if args.events < 100:
        ap.error("--events must be at least 100")
    if not EXE.exists():
        print(f"no {EXE}: run `make install` first")
        return 2
    cases = [c.strip() for c in args.only.split(",") if c.strip()]
    logs = ensure_logs(args.events)
    rows: list[dict] = []
    pace = machine_pace()
    print(describe_pace(pace), flush=True)
    for case in cases:
        print(f"running {case} ...", flush=True)
        if case == "csv-sqlite":
            rows.append(measure(case, logs["csv"], expected=logs["distinct"], mapping=MAPPING, py_spy=args.py_spy))
        elif case == "xes-sqlite":
            rows.append(measure(case, logs["xes"], expected=logs["distinct"], py_spy=args.py_spy))
        elif case == "csv-postgres":
            from tests.support.postgres import PostgresServer, find_bindir

            bindir = find_bindir()
            if bindir is None:
                note = "no PostgreSQL binaries (apt-get install postgresql)"
                print(f"  skipped: {note}")
                rows.append({"case": case, "skipped": note})
                continue
            pg = PostgresServer(bindir).start()
            try:
                rows.append(measure(case, logs["csv"], expected=logs["distinct"], database_url=pg.url(),
                                    mapping=MAPPING, py_spy=args.py_spy))
            finally:
                pg.stop()
        else:
            ap.error(f"unknown case {case!r}")
        last = rows[-1]
        print(f"  {last['events_ingested']:,} events in {last['seconds']:.2f}s "
              f"({last['events_per_s']:,}/s), peak RSS {last['peak_rss_mb']:.0f} MB", flush=True)
    rust = None
    if "xes-sqlite" in cases and not args.no_rustxes:
        print("timing rustxes.import_xes ...", flush=True)
        rust = time_rustxes(logs["xes"])
    extra = report(rows, rust, logs)
    out = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "pace": pace},
        "log": {k: (str(v) if isinstance(v, Path) else v) for k, v in logs.items()},
        "targets": TARGETS, "results": rows, "rustxes": rust, "xes_vs_rustxes": extra["ratio"],
    }
    dest = OUT / "ingest.json"
    dest.write_text(json.dumps(out, indent=2))
    print(f"\nfigures written to {dest.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
