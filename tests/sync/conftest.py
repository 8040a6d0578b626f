"""Fixtures of the sync tests: the local API server, a worker context on the test's database, and
helpers that configure a source's sync through the API and run the worker's sync jobs."""

import pytest

from app.jobs.worker import WorkerContext, run_worker
from app.sync.runner import run_next_sync, schedule_due_syncs
from tests.helpers import make_source
from tests.support.api_server import ApiServer

FAST = {"backoff_base_s": 0.01, "backoff_max_s": 0.05, "timeout_s": 5}
GENERIC_FIELDS = {"id": "id", "case": "case.ref", "step": "step", "at": "meta.updated_at", "by": "meta.by"}
GENERIC_MAPPING = {"case_id": "case", "activity": "step", "timestamp": "at", "resource": "by", "event_id": "id"}


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
