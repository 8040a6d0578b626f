"""Process models in the database: a feed asks, a worker computes (any worker, once), every API
reads; a model whose data changed meanwhile is not served."""

import pytest

from app.jobs.runtime import worker_context
from app.jobs.worker import run_worker
from tests.helpers import make_source, upload

CSV = b"case,act,ts\n1,A,2024-01-01T10:00:00Z\n1,B,2024-01-01T11:00:00Z\n2,A,2024-01-02T10:00:00Z\n" \
      b"2,B,2024-01-02T12:00:00Z\n"
MAPPING = {"case_id": "case", "activity": "act", "timestamp": "ts"}


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"worker": "none"})  # the test plays the worker


def _blueprint(client) -> tuple[int, int]:
    sid = make_source(client, mapping=MAPPING)
    assert upload(client, sid, CSV).status_code == 201
    return sid, client.post("/v1/blueprints", json={"name": "m", "sources": [sid]}).json()["id"]


def test_a_feed_asks_a_worker_computes_and_the_api_serves_it(client, settings):
    _, bp = _blueprint(client)
    first = client.get(f"/v1/blueprints/{bp}/feed")
    assert first.json()["model"]["status"] == "computing"
    ctx = worker_context(settings)
    run_worker(ctx, once=True)
    second = client.get(f"/v1/blueprints/{bp}/feed")
    assert second.json()["model"]["status"] == "ready" and second.headers["ETag"] != first.headers["ETag"]
    bpmn = client.get(f"/v1/blueprints/{bp}/bpmn")
    assert bpmn.status_code == 200 and b'name="A"' in bpmn.content and b'name="B"' in bpmn.content
    with ctx.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*), min(status) FROM process_models").one() == (1, "ready")
    ctx.engine.dispose()


def test_a_model_whose_data_changed_is_marked_stale_and_asked_for_again(client, settings):
    sid, bp = _blueprint(client)
    client.get(f"/v1/blueprints/{bp}/feed")
    assert upload(client, sid, b"case,act,ts\n3,A,2024-01-03T10:00:00Z\n", name="more.csv").status_code == 201
    ctx = worker_context(settings)
    run_worker(ctx, once=True)
    with ctx.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT status FROM process_models").scalars().all() == ["stale"]
    assert client.get(f"/v1/blueprints/{bp}/feed").json()["model"]["status"] == "computing"
    run_worker(ctx, once=True)
    assert client.get(f"/v1/blueprints/{bp}/feed").json()["model"]["status"] == "ready"
    ctx.engine.dispose()


def test_without_events_there_is_no_model(client):
    sid = make_source(client, mapping=MAPPING)
    bp = client.post("/v1/blueprints", json={"name": "empty", "sources": [sid]}).json()["id"]
    assert client.get(f"/v1/blueprints/{bp}/feed").json()["model"]["status"] == "unknown"
    r = client.get(f"/v1/blueprints/{bp}/bpmn")
    assert r.status_code == 422 and "no events" in r.json()["detail"]
