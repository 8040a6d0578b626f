"""Stress benchmark: what hostile input and a crowd of clients cost the server.

Run from the repository root:

    .venv/bin/python bench/stress.py regex          # catastrophic patterns over 10,000-character names
    .venv/bin/python bench/stress.py concurrent     # 50 concurrent cold feeds of the 1M-event log
    .venv/bin/python bench/stress.py                # both

`regex`: a source whose activities and an attribute are 10,000-character strings (`a`*10000 + '!'
and the like) and blueprints whose lane rules, attribute rules and phases use `(a+)+$`,
`^(a|aa)+$` and `(x+x+)+y` (each takes a backtracking engine exponential time). For each
blueprint: the cold feed's time, and meanwhile /healthz polled every 10 ms (the longest answer).
Targets: every feed < 1 s; /healthz never over 100 ms.

`concurrent`: bench/mine.py's seeded 1M-event log, uploaded once; the server restarted (empty
cache) and one cold feed timed, with its peak memory (VmHWM); restarted again and 50 clients GET
the same feed at once. The server logs "feed computed" once per computation: the bench counts
them. Targets: one computation; peak memory within 1.5x of the single feed's.

Nothing asserts on time; the figures print and go to bench/out/stress.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest  # noqa: E402
import mine  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
HOSTILE = ["(a+)+$", "^(a|aa)+$", "(x+x+)+y"]


def _hostile_log(cases: int = 200) -> bytes:
    long_a, long_x = "a" * 10_000 + "!", "x" * 10_000
    rows = ["case,act,ts,res,k"]
    for c in range(cases):
        day = 1 + c % 28
        rows += [f"{c},{long_a},2024-01-{day:02d}T08:00:00Z,r{c % 7},{long_a}",
                 f"{c},{long_x},2024-01-{day:02d}T09:00:00Z,r{c % 5},{long_x}",
                 f"{c},{'a' * 9_999}b,2024-01-{day:02d}T10:00:00Z,r{c % 3},{'a' * 10_000}"]
    return ("\n".join(rows) + "\n").encode()


def _blueprints(source: int) -> list[dict]:
    out = []
    for pattern in HOSTILE:
        out.append({"name": f"lanes {pattern}", "sources": [source],
                    "lanes": [{"lane": "customer", "match": {"activity_regex": pattern}}]})
        out.append({"name": f"attribute {pattern}", "sources": [source],
                    "lanes": [{"lane": "support", "match": {"attribute_regex": {"k": pattern}}}]})
        out.append({"name": f"phases {pattern}", "sources": [source],
                    "phases": [{"name": "P", "activity_regex": pattern}]})
    return out


class HealthProbe:
    """Polls /healthz every 10 ms on its own connection; keeps the longest answer."""

    def __init__(self, base: str) -> None:
        self.base, self.longest, self.polls = base, 0.0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while not self._stop.is_set():
                t0 = time.perf_counter()
                http.get("/healthz").raise_for_status()
                self.longest = max(self.longest, time.perf_counter() - t0)
                self.polls += 1
                time.sleep(0.01)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_regex() -> dict:
    server = ingest.Server()
    try:
        source = server.create_source("hostile", {"case_id": "case", "activity": "act", "timestamp": "ts",
                                                  "resource": "res"})
        path = server.tmp / "hostile.csv"
        path.write_bytes(_hostile_log())
        up = server.upload(source, path)["upload"]
        print(f"  uploaded {up['events_ingested']} events with 10,000-character activities", flush=True)
        rows = []
        # The process's first feed also imports pm4py for the BPMN model (about 1 s, holding the
        # interpreter): taken first, on a plain blueprint, and reported apart.
        plain = server.http.post("/v1/blueprints", json={"name": "plain", "sources": [source]}).json()["id"]
        with HealthProbe(server.base) as first_probe:
            t0 = time.perf_counter()
            server.http.get(f"/v1/blueprints/{plain}/feed").raise_for_status()
            first = {"feed_s": round(time.perf_counter() - t0, 3), "healthz_longest_ms":
                     round(first_probe.longest * 1000, 1)}
        print(f"  first feed of the process (plain rules, pm4py imported for the model): {first['feed_s']} s, "
              f"/healthz longest {first['healthz_longest_ms']} ms", flush=True)
        with HealthProbe(server.base) as probe:
            for body in _blueprints(source):
                r = server.http.post("/v1/blueprints", json=body)
                r.raise_for_status()
                t0 = time.perf_counter()
                feed = server.http.get(f"/v1/blueprints/{r.json()['id']}/feed")
                seconds = time.perf_counter() - t0
                feed.raise_for_status()
                rows.append({"blueprint": body["name"], "feed_s": round(seconds, 3)})
                print(f"  {body['name']:<28} feed {seconds * 1000:7.1f} ms", flush=True)
        result = {"first_feed": first, "feeds": rows, "slowest_feed_s": max(r["feed_s"] for r in rows),
                  "healthz_longest_ms": round(probe.longest * 1000, 1), "healthz_polls": probe.polls}
        print(f"  slowest feed {result['slowest_feed_s'] * 1000:.0f} ms (target < 1000 ms: "
              f"{_mark(result['slowest_feed_s'] < 1)}); /healthz longest {result['healthz_longest_ms']} ms over "
              f"{probe.polls} polls (target <= 100 ms: {_mark(result['healthz_longest_ms'] <= 100)})")
        return result
    finally:
        server.close()


def _mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _concurrent_gets(server: mine.MineServer, blueprint: int, clients: int) -> list[tuple[int, float, str]]:
    barrier = threading.Barrier(clients)

    def one(_: int) -> tuple[int, float, str]:
        with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {server.key}"},
                          timeout=600) as http:
            barrier.wait()
            t0 = time.perf_counter()
            r = http.get(f"/v1/blueprints/{blueprint}/feed")
            return r.status_code, time.perf_counter() - t0, r.headers.get("etag", "")

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(one, range(clients)))


def run_concurrent(events: int, clients: int) -> dict:
    logs = mine.ensure_csv(events)
    data_dir = Path(tempfile.mkdtemp(prefix="bm-stress-"))
    key = "bench-admin-" + uuid.uuid4().hex
    env = dict(mine.os.environ, BLUEPRINT_DATA_DIR=str(data_dir), BLUEPRINT_BOOTSTRAP_API_KEY=key,
               BLUEPRINT_DATABASE_URL=f"sqlite:///{data_dir}/bench.sqlite")
    subprocess.run([str(mine.EXE), "migrate"], env=env, check=True, capture_output=True, timeout=300)
    server = mine.MineServer(data_dir, key, "ingest")
    try:
        source = server.create_source("stress", ingest.MAPPING)
        server.upload(source, logs["csv"])
        blueprint = server.http.post("/v1/blueprints", json=mine.blueprint_body(source)).json()["id"]
        mine.wait_for_model(server, blueprint)
    finally:
        server.close()
    figures: dict = {"events": events, "clients": clients}
    for label in ("single", "crowd"):
        # Cold means computed: without the feeds the worker saved on disk, which a restart would read.
        shutil.rmtree(data_dir / "feeds", ignore_errors=True)
        server = mine.MineServer(data_dir, key, label)
        try:
            server.wait_idle()
            idle = ingest.proc_status(server.pid)["VmRSS"] / 1024
            answers = _concurrent_gets(server, blueprint, 1 if label == "single" else clients)
            peak = ingest.proc_status(server.pid)["VmHWM"] / 1024
            mine.wait_for_model(server, blueprint)
        finally:
            server.close()
        computed = server.log_path.read_text().count('"message": "feed computed"')
        seconds = [s for _, s, _ in answers]
        figures[label] = {"statuses": sorted({c for c, _, _ in answers}), "etags": len({e for *_, e in answers}),
                          "computations": computed, "idle_rss_mb": round(idle, 1), "peak_rss_mb": round(peak, 1),
                          "latency_s": {"min": round(min(seconds), 3), "median": round(statistics.median(seconds), 3),
                                        "max": round(max(seconds), 3)}}
        print(f"  {label}: {len(answers)} GETs, statuses {figures[label]['statuses']}, {computed} computation(s), "
              f"latency {figures[label]['latency_s']} s, peak RSS {peak:.0f} MB (idle {idle:.0f} MB)", flush=True)
    ratio = figures["crowd"]["peak_rss_mb"] / figures["single"]["peak_rss_mb"]
    figures["peak_ratio"] = round(ratio, 2)
    print(f"  {clients} concurrent cold feeds: {figures['crowd']['computations']} computation (target 1: "
          f"{_mark(figures['crowd']['computations'] == 1)}); peak {ratio:.2f}x one feed's (target <= 1.5x: "
          f"{_mark(ratio <= 1.5)})")
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", nargs="?", choices=["regex", "concurrent", "all"], default="all")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=50)
    args = ap.parse_args(argv)
    out: dict = {}
    if args.what in ("regex", "all"):
        print("== hostile patterns", flush=True)
        out["regex"] = run_regex()
    if args.what in ("concurrent", "all"):
        print(f"== {args.clients} concurrent cold feeds, {args.events:,} events", flush=True)
        out["concurrent"] = run_concurrent(args.events, args.clients)
    OUT.mkdir(exist_ok=True)
    (OUT / "stress.json").write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
