"""Large uploads answer 202 at once; GET /v1/uploads/{id} shows them through to the end."""

import time

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import ADMIN_KEY, SAMPLES
from tests.helpers import make_source, upload


@pytest.fixture
def async_client(settings):
    app = create_app(settings.model_copy(update={"async_upload_mb": 0.5}))
    with TestClient(app, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as c:
        yield c


def _wait(client, upload_id: int) -> dict:
    for _ in range(600):
        body = client.get(f"/v1/uploads/{upload_id}").json()
        if body["status"] in ("succeeded", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError("upload did not finish")


def test_large_upload_is_queued_then_succeeds(async_client):
    sid = make_source(async_client, name="helpdesk", mapping={
        "case_id": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp", "resource": "Resource"})
    r = upload(async_client, sid, SAMPLES / "helpdesk.csv")
    assert r.status_code == 202 and r.json()["status"] in ("queued", "running")
    done = _wait(async_client, r.json()["id"])
    assert (done["status"], done["events_ingested"], done["events_duplicate"], done["rows_read"]) == (
        "succeeded", 21221, 127, 21348)
    assert done["finished_at"] is not None


def test_a_queued_upload_that_fails_is_shown_failed(async_client):
    sid = make_source(async_client, name="x", mapping={"case_id": "missing", "activity": "a", "timestamp": "t"})
    r = upload(async_client, sid, SAMPLES / "helpdesk.csv")
    assert r.status_code == 202
    done = _wait(async_client, r.json()["id"])
    assert done["status"] == "failed" and "missing" in done["detail"]
    assert async_client.get(f"/v1/sources/{sid}/stats").json()["events"] == 0


def test_the_first_feed_after_a_worker_run_upload_shows_its_events(client, app):
    """The worker brings the copy and the blueprint's saved feed up to date before the upload
    says succeeded: that first feed holds the new events, not the ones before."""
    import time

    from tests.helpers import make_source, upload

    sid = make_source(client, name="late", mapping={"case_id": "c", "activity": "a", "timestamp": "t"})
    assert upload(client, sid, b"c,a,t\n0,A,2024-01-01T00:00:00Z\n", name="first.csv").status_code == 201
    bp = client.post("/v1/blueprints", json={"name": "late", "sources": [sid]}).json()["id"]
    assert client.get(f"/v1/blueprints/{bp}/feed").json()["stats"]["events"] == 1
    rows = "".join(f"{i},A,2024-01-01T00:00:{i % 60:02d}Z\n{i},B,2024-01-01T01:00:00Z\n" for i in range(1, 200_000))
    r = upload(client, sid, ("c,a,t\n" + rows).encode(), name="big.csv")
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 120
    while (status := client.get(f"/v1/uploads/{r.json()['id']}").json()["status"]) not in ("succeeded", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert status == "succeeded"
    feed = client.get(f"/v1/blueprints/{bp}/feed").json()
    assert feed["stats"]["events"] == 1 + 2 * 199_999 and feed["stats"]["cases"] == 200_000
