"""Sync connector benchmark: the connectors alone, against real counterparts on this machine.

Run from the repository root:

    .venv/bin/python bench/sync_connectors.py                    # 1M-row sql pull, 200k-event http_json pull
    .venv/bin/python bench/sync_connectors.py --rows 200000 --events 50000
    .venv/bin/python bench/sync_connectors.py --only http
    .venv/bin/python bench/sync_connectors.py --only files --files 100 --file-mb 10

sql: a throwaway PostgreSQL (tests/support/postgres.py) with an ops table of --rows rows; one full
pull (`updated_at > :watermark ORDER BY updated_at`, 50,000-row units) through each reader (ADBC
COPY and the SQLAlchemy server-side cursor). http_json: the local API server
(tests/support/api_server.py) in its own process, serving --events generic records in pages of
1,000 (next-link paging); one full pull with the custom connector. Times are wall-clock of the
pull alone (the table and the server are made before); the clock stops when the last unit is
handed over. files: a folder of --files CSV files of --file-mb MB each, all taken already, and one
new one; a pull that knows the taken files by checksum only (it reads every file to hash it, as
before migration 0007) against one that also knows how each was listed (it reads the new file
only). Targets are printed beside each figure; nothing asserts on time."""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from app.sync.connectors import get_connector, validate  # noqa: E402
from app.sync.connectors.base import TakenFiles  # noqa: E402
from tests.support.postgres import PostgresServer, find_bindir, free_port  # noqa: E402

SQL_TARGET, HTTP_TARGET = 150_000, 50_000


def timed_pull(kind: str, params: dict, credentials: dict) -> tuple[int, float, int, float]:
    """Rows, wall seconds, units, and CPU seconds of this process (all threads) during the pull."""
    checked, creds = validate(kind, params, credentials)
    started, cpu, rows, units = time.perf_counter(), time.process_time(), 0, 0
    for unit in get_connector(kind).pull(checked, creds, None):
        rows, units = rows + unit.table.num_rows, units + 1
    return rows, time.perf_counter() - started, units, time.process_time() - cpu


def bench_sql(rows: int) -> None:
    server = PostgresServer(find_bindir()).start()
    try:
        engine = create_engine(server.url().replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            conn.execute(text(
                "CREATE TABLE ops AS SELECT g AS id, 'case-' || (g / 7) AS case_id, "
                "(ARRAY['Open','Assign','Work','Review','Close'])[1 + g % 5] AS activity, "
                "'agent-' || (g % 50) AS resource, "
                "'team-' || (g % 6) AS role, timestamptz '2024-01-01' + g * interval '1 second' AS updated_at, "
                f"(g % 1000) * 1.25 AS cost FROM generate_series(1, {rows}) g"))
            conn.execute(text("CREATE INDEX ON ops (updated_at)"))
            conn.execute(text("ANALYZE ops"))
        engine.dispose()
        query = "SELECT * FROM ops WHERE updated_at > :watermark ORDER BY updated_at"
        for reader in ("adbc", "sqlalchemy"):
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            settings = {"url": server.url(), "query": query, "watermark_column": "updated_at", "reader": reader}
            got, seconds, units, cpu = timed_pull("sql", settings, {})
            grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
            rate = got / seconds
            print(f"sql/{reader:<10} {got:>9,} rows in {seconds:6.2f} s = {rate:>9,.0f} rows/s in {units} units "
                  f"(connector CPU {cpu:.2f} s, peak RSS +{grown} MB)  "
                  f"target {SQL_TARGET:,}/s: {'PASS' if rate >= SQL_TARGET else 'MISS'}")
    finally:
        server.stop()


def bench_http(events: int) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "tests.support.api_server", "--port", str(port),
                               "--generic", str(events)], cwd=ROOT, env=env, stdout=subprocess.PIPE)
    try:
        server.stdout.readline()  # "serving on ..."
        url = f"http://127.0.0.1:{port}"
        httpx.get(f"{url}/generic/next_link?limit=1", headers={"Authorization": "Bearer test-token"})
        params = {"url": f"{url}/generic/next_link", "query": {"limit": "1000"}, "records": "data",
                  "fields": {"id": "id", "case": "case.ref", "step": "step", "at": "meta.updated_at", "by": "meta.by",
                             "cost": "cost"},
                  "paging": {"type": "next_link", "path": "links.next"}, "batch_records": 10_000,
                  "watermark": {"param": "updated_since", "column": "at", "ordered": True},
                  "mapping": {"case_id": "case", "activity": "step", "timestamp": "at", "resource": "by",
                              "event_id": "id"}}
        got, seconds, units, cpu = timed_pull("http_json", params, {"bearer": "test-token"})
        rate = got / seconds
        print(f"http_json/custom {got:>9,} events in {seconds:6.2f} s = {rate:>9,.0f} events/s in {units} units "
              f"(pages of 1,000, server in its own process; connector CPU {cpu:.2f} s)  target {HTTP_TARGET:,}/s: "
              f"{'PASS' if rate >= HTTP_TARGET else 'MISS'}")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _csv_file(path: Path, megabytes: int, case: str) -> None:
    line = f"{case},Work,2024-01-01T10:00:00Z,agent-1\n".encode()
    block = line * ((1 << 20) // len(line))
    with path.open("wb") as out:
        out.write(b"case,activity,time,resource\n")
        for _ in range(megabytes):
            out.write(block)


def _timed_files_pull(folder: Path, taken: TakenFiles) -> tuple[list, float]:
    checked, creds = validate("files", {"path": str(folder), "settle_s": 0}, {})
    started = time.perf_counter()
    units = [(u.name, u.checksum, u.size, u.mtime_ns) for u in get_connector("files").pull(checked, creds, None,
                                                                                          taken=taken)]
    return units, time.perf_counter() - started


def bench_files(files: int, megabytes: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bm-bench-files-") as tmp:
        folder = Path(tmp)
        for n in range(files):
            _csv_file(folder / f"day-{n:04d}.csv", megabytes, f"c{n}")
        old, _ = _timed_files_pull(folder, TakenFiles())
        _csv_file(folder / "new.csv", 1, "new")
        by_checksum = TakenFiles(checksums=frozenset(u[1] for u in old))
        listed = TakenFiles(checksums=by_checksum.checksums, listed=frozenset((u[0], u[2], u[3]) for u in old))
        for label, taken in (("checksums only (before 0007)", by_checksum), ("checksums and listing", listed)):
            units, seconds = _timed_files_pull(folder, taken)
            print(f"files/{label:<29} {files} taken files of {megabytes} MB + 1 new: {seconds:6.2f} s, "
                  f"took {[u[0] for u in units]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=50, help="Taken files in the files case.")
    parser.add_argument("--file-mb", type=int, default=10, help="Size of each of them.")
    parser.add_argument("--only", choices=["sql", "http", "files"], help="Run one of the three.")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (shared with other work; figures vary)")
    if args.only in (None, "sql"):
        bench_sql(args.rows)
    if args.only in (None, "http"):
        bench_http(args.events)
    if args.only in (None, "files"):
        bench_files(args.files, args.file_mb)


if __name__ == "__main__":
    main()
