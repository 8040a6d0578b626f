"""Fixtures of the sync tests: the local API server, a worker context on the test's database, and
helpers that configure a source's sync through the API and run the worker's sync jobs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.config import Settings
from app.jobs.worker import WorkerContext, run_worker
from app.sync.runner import run_next_sync, schedule_due_syncs
from tests.conftest import ADMIN_KEY
from tests.helpers import make_source
from tests.support.api_server import ApiServer

ROOT = Path(__file__).resolve().parents[2]
FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 5}
GENERIC_FIELDS = {"id": "id", "case": "case.ref", "step": "step", "at": "meta.updated_at", "by": "meta.by"}
GENERIC_MAPPING = {"case_id": "case", "activity": "step", "timestamp": "at", "resource": "by", "event_id": "id"}


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    """The tests' settings without the embedded worker: each test drives the sync jobs itself (in
    this process through `ctx`, or in worker processes it starts), so runs happen when it says."""
    return Settings(database_url=db_url, data_dir=tmp_path / "data", bootstrap_api_key=ADMIN_KEY,
                    bootstrap_workspace="alpha", log_json=False, worker="none")


@pytest.fixture
def api():
    with ApiServer() as server:
        yield server


@pytest.fixture
def ctx(app, client) -> WorkerContext:
    """A worker's context in this process, on the test's database (client: the app has started)."""
    return WorkerContext(engine=app.state.engine, factory=app.state.session_factory, settings=app.state.settings)


def generic_params(api, *, limit: int = 40, **extra) -> dict:
    return {"url": f"{api.url}/generic/next_link", "query": {"limit": str(limit)}, "records": "data",
            "fields": GENERIC_FIELDS, "paging": {"type": "next_link", "path": "links.next"}, **FAST,
            "watermark": {"param": "updated_since", "column": "at", "ordered": True},
            "mapping": GENERIC_MAPPING, **extra}


def configure(client, source_id: int, connector: str, params: dict, credentials: dict | None = None,
              schedule: dict | None = None, **extra) -> dict:
    body = {"connector": connector, "params": params, "schedule": schedule or {"every_s": 3600}, **extra}
    if credentials is not None:
        body["credentials"] = credentials
    r = client.put(f"/v1/sources/{source_id}/sync", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def synced_source(client, api, name: str = "api", **extra) -> int:
    source_id = make_source(client, name=name)
    configure(client, source_id, "http_json", generic_params(api), {"bearer": "test-token"}, **extra)
    return source_id


def run_now(client, ctx, source_id: int) -> dict:
    """Queue a run through the API, let the worker's jobs run until idle, return the run."""
    r = client.post(f"/v1/sources/{source_id}/sync/run")
    assert r.status_code == 202, r.text
    run_worker(ctx, kinds=[schedule_due_syncs, run_next_sync], once=True)
    return client.get(f"/v1/sync/runs/{r.json()['id']}").json()


@pytest.fixture
def ops_db(pg_server):
    """An empty database of its own on the test PostgreSQL server, for an `ops` table to pull from."""
    url = pg_server.create_database("ops_")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    yield url, engine
    engine.dispose()


def fill_ops(engine, rows: int) -> None:
    """`rows` operations, three sharing each second, five to a case."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE ops (id bigint PRIMARY KEY, case_id text, activity text, resource text, "
                          "updated_at timestamptz NOT NULL)"))
        conn.execute(text(
            "INSERT INTO ops SELECT g, 'case-' || (g / 5), (ARRAY['Open','Assign','Work','Close'])[1 + g % 4], "
            "'agent-' || (g % 40), timestamptz '2024-01-01 00:00:00+00' + (g / 3) * interval '1 second' "
            f"FROM generate_series(1, {rows}) g"))


OPS_QUERY = ("SELECT id, case_id, activity, resource, updated_at FROM ops WHERE updated_at > :watermark "
             "ORDER BY updated_at")
OPS_MAPPING = {"case_id": "case_id", "activity": "activity", "timestamp": "updated_at", "resource": "resource",
               "event_id": "id"}


def start_worker(settings, *, once: bool = False, log_path=None) -> subprocess.Popen:
    """A real worker process (tests.support.sync_worker) on the test's database and data folder."""
    env = {**os.environ, "BLUEPRINT_DATABASE_URL": settings.database_url, "BLUEPRINT_DATA_DIR": str(settings.data_dir),
           "PYTHONPATH": str(ROOT)}
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - the child owns it
    return subprocess.Popen([sys.executable, "-m", "tests.support.sync_worker", *(["--once"] if once else [])],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
