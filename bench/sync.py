"""Sync benchmark: whole runs through the runner, from real counterparts into a source's stored events.

Run from the repository root:

    .venv/bin/python bench/sync.py                       # 1M-row sql pull, 200k-event http_json pull
    .venv/bin/python bench/sync.py --rows 200000 --events 50000 --store sqlite
    .venv/bin/python bench/sync.py --only http

One throwaway PostgreSQL (tests/support/postgres.py) holds the ops table the sql connector reads
(--rows rows of 7 columns) and, unless --store sqlite, the Blueprint Miner database the events are
stored in. The http_json source is the local API server (tests/support/api_server.py) in its own
process, serving --events generic records in pages of 1,000. Each figure is one run carried out
by `run_next_sync` (the worker's code): pull, map, validate, digest, bulk insert, one transaction
per unit with its watermark; the clock runs from the claim to the run's end and the events are
counted in the database afterwards. Targets are printed beside each figure; nothing asserts on time."""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from app import migrate  # noqa: E402
from app.auth import service as auth  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_session_factory, transaction  # noqa: E402
from app.jobs.worker import WorkerContext  # noqa: E402
from app.sources import service as sources  # noqa: E402
from app.sources.schemas import SourceCreate  # noqa: E402
from app.sync import service as sync  # noqa: E402
from app.sync.runner import run_next_sync  # noqa: E402
from app.sync.schemas import SyncConfigIn  # noqa: E402
from tests.support.postgres import PostgresServer, find_bindir, free_port  # noqa: E402

SQL_TARGET, HTTP_TARGET = 150_000, 50_000
CHUNK_ROWS = os.environ.get("BENCH_SYNC_CHUNK_ROWS")  # rows per stored unit of the sql pull; unset: the default
BATCH_RECORDS = os.environ.get("BENCH_SYNC_BATCH_RECORDS")  # records per stored unit of the http_json pull
OPS_MAPPING = {"case_id": "case_id", "activity": "activity", "timestamp": "updated_at", "resource": "resource",
               "role": "role", "event_id": "id"}


def admin(server: PostgresServer):
    return create_engine(server.url().replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")


def make_ops(server: PostgresServer, rows: int) -> str:
    with admin(server).connect() as conn:
        conn.execute(text("CREATE DATABASE ops"))
    engine = create_engine(server.url("ops").replace("postgresql://", "postgresql+psycopg://"))
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
    return server.url("ops")


def store_context(server: PostgresServer, store: str, data_dir: Path) -> WorkerContext:
    if store == "postgresql":
        with admin(server).connect() as conn:
            conn.execute(text("CREATE DATABASE store"))
        url = server.url("store")
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{data_dir / 'store.sqlite'}"
    settings = Settings(database_url=url, data_dir=data_dir, secret_key="bench", log_json=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with transaction(make_session_factory(engine)) as session:
        auth.create_key(session, workspace="bench", scopes=["admin"])
    return WorkerContext(engine=engine, factory=make_session_factory(engine), settings=settings)


def timed_run(ctx: WorkerContext, name: str, config: dict, mapping: dict | None = None) -> tuple[int, float, object]:
    """Events stored, wall seconds, and the run, for one run of a new source configured with `config`."""
    with transaction(ctx.factory) as session:
        workspace_id = session.execute(text("SELECT id FROM workspaces WHERE name = 'bench'")).scalar_one()
        source = sources.create_source(session, workspace_id=workspace_id,
                                       body=SourceCreate(name=name, mapping=mapping or {}))
        sync.put_config(session, workspace_id=workspace_id, source_id=source.id, body=SyncConfigIn(**config),
                        settings=ctx.settings)
        run = sync.queue_run(session, workspace_id=workspace_id, source_id=source.id)
    started = time.perf_counter()
    assert run_next_sync(ctx)
    seconds = time.perf_counter() - started
    with transaction(ctx.factory) as session:
        stored = session.execute(text("SELECT count(*) FROM events WHERE source_id = :s"), {"s": source.id}).scalar()
        return stored, seconds, sync.get_run(session, workspace_id=workspace_id, run_id=run.id)


def bench_sql(ctx: WorkerContext, url: str, rows: int, store: str) -> None:
    query = "SELECT * FROM ops WHERE updated_at > :watermark ORDER BY updated_at"
    config = {"connector": "sql", "params": {"url": url, "query": query, "watermark_column": "updated_at",
                                         **({"chunk_rows": int(CHUNK_ROWS)} if CHUNK_ROWS else {})},
              "schedule": {"every_s": 3600}}
    stored, seconds, run = timed_run(ctx, "ops", config, OPS_MAPPING)
    rate = stored / seconds
    print(f"sql -> {store:<10} {stored:>9,} events in {seconds:6.2f} s = {rate:>9,.0f} events/s "
          f"(run {run.status}, {run.events_ingested:,} ingested)  target {SQL_TARGET:,}/s: "
          f"{'PASS' if rate >= SQL_TARGET else 'MISS'}")


def bench_incremental(ctx: WorkerContext, ops_url: str, rows: int, added: int = 1000) -> None:
    """A run that adds `added` rows to the 1M-event source, measured from the rows' arrival in the
    ops table until a fresh API process's feed shows them: the run (pull, store), the worker's
    follow-up (columnar copy, the blueprint's feed saved), and the API reading the saved feed."""
    from app.blueprint.cache import FeedCache
    from app.blueprint.feed import feed_result
    from app.blueprint.process_model import ModelStore
    from app.jobs.runtime import source_updater

    cache, models = FeedCache(size=4), ModelStore(ctx.factory)
    ctx.state["on_stored"] = source_updater(ctx.engine, ctx.factory, ctx.settings, cache, models)
    with transaction(ctx.factory) as session:
        source_id, workspace_id = session.execute(text(
            "SELECT id, workspace_id FROM sources WHERE name = 'ops'")).one()
        bp = session.execute(text("INSERT INTO blueprints (workspace_id, name, definition, revision, created_at, "
                                  "updated_at) VALUES (:w, 'ops', :d, 1, :t, :t) RETURNING id"),
                             {"w": workspace_id, "d": f'{{"sources": [{source_id}]}}',
                              "t": time.strftime("%Y-%m-%d %H:%M:%S+00:00", time.gmtime())}).scalar_one()
    ctx.state["on_stored"](source_id)  # the copy and the feed as they stand, before the new rows

    def feed_events() -> int:
        with transaction(ctx.factory) as session:
            found, _ = feed_result(session, FeedCache(), workspace_id=workspace_id, blueprint_id=bp,
                                   window=(None, None), segment=[], data_dir=ctx.settings.data_dir, models=models)
            return found.feed["stats"]["events"]

    before = feed_events()
    ops = create_engine(ops_url.replace("postgresql://", "postgresql+psycopg://"))
    started = time.perf_counter()
    with ops.begin() as conn:
        conn.execute(text(f"INSERT INTO ops SELECT g, 'case-new-' || (g % 100), 'Open', 'agent-1', 'team-1', "
                          f"now(), 1 FROM generate_series({rows + 1}, {rows + added}) g"))
    with transaction(ctx.factory) as session:
        sync.queue_run(session, workspace_id=workspace_id, source_id=source_id)
    assert run_next_sync(ctx)
    after = feed_events()
    seconds = time.perf_counter() - started
    ops.dispose()
    print(f"incremental run: {added:,} rows added to a {before:,}-event source, shown by the feed "
          f"({after - before:,} more events) {seconds:.2f} s after they arrived  target 2 s: "
          f"{'PASS' if seconds <= 2 and after - before == added else 'MISS'}")


def bench_http(ctx: WorkerContext, events: int, store: str) -> None:
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
                  "paging": {"type": "next_link", "path": "links.next"},
                  "watermark": {"param": "updated_since", "column": "at", "ordered": True},
                  "mapping": {"case_id": "case", "activity": "step", "timestamp": "at", "resource": "by",
                              "event_id": "id"},
                  **({"batch_records": int(BATCH_RECORDS)} if BATCH_RECORDS else {})}
        config = {"connector": "http_json", "params": params, "credentials": {"bearer": "test-token"},
                  "schedule": {"every_s": 3600}}
        stored, seconds, run = timed_run(ctx, "api", config)
        rate = stored / seconds
        print(f"http_json -> {store:<10} {stored:>9,} events in {seconds:6.2f} s = {rate:>9,.0f} events/s "
              f"(run {run.status}, {run.pages} pages of 1,000)  target {HTTP_TARGET:,}/s: "
              f"{'PASS' if rate >= HTTP_TARGET else 'MISS'}")
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--store", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--only", choices=["sql", "http"], help="Run one of the two.")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (shared with other work; "
          "figures vary)")
    server = PostgresServer(find_bindir()).start()
    data_dir = Path(tempfile.mkdtemp(prefix="bm-bench-sync-"))
    try:
        ctx = store_context(server, args.store, data_dir)
        if args.only in (None, "sql"):
            ops_url = make_ops(server, args.rows)
            bench_sql(ctx, ops_url, args.rows, args.store)
            bench_incremental(ctx, ops_url, args.rows)
        if args.only in (None, "http"):
            bench_http(ctx, args.events, args.store)
        ctx.engine.dispose()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
