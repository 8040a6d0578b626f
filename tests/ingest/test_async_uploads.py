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
