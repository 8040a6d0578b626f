"""The sync API: configuration with write-only credentials, validation as problem+json naming the
field, runs queued and listed, and workspace isolation."""

import pytest

from app.auth import service as auth
from app.db import transaction
from tests.helpers import make_source, stored_events
from tests.sync.conftest import configure, generic_params, run_now, synced_source


def test_put_get_and_delete_a_configuration_without_ever_showing_credentials(client, api):
    source_id = make_source(client)
    body = configure(client, source_id, "http_json", generic_params(api), {"bearer": "test-token"},
                     schedule={"cron": "*/5 * * * *", "timezone": "Europe/Rome"}, lookback_s=120)
    assert body["credentials_set"] is True and "credentials" not in body
    assert body["schedule"] == {"cron": "*/5 * * * *", "timezone": "Europe/Rome"}
    assert body["lookback_s"] == 120 and body["last_run"] is None and body["watermark"] is None
    assert body["next_run_at"] is not None and body["next_run_at"][14:16] in {f"{m:02d}" for m in range(0, 60, 5)}
    got = client.get(f"/v1/sources/{source_id}/sync").json()
    assert got == body
    assert client.delete(f"/v1/sources/{source_id}/sync").status_code == 204
    gone = client.get(f"/v1/sources/{source_id}/sync")
    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"


def test_the_workspaces_syncs_are_listed_by_source(app, client, ctx, api):
    api.data.generate_generic(12)
    unsynced = make_source(client, name="unsynced")
    synced = synced_source(client, api)
    files = make_source(client, name="inbox")
    configure(client, files, "files", {"path": "/nonexistent"}, schedule={"every_s": 60}, enabled=False)
    run = run_now(client, ctx, synced)
    listed = client.get("/v1/sync").json()
    assert [s["source_id"] for s in listed] == [synced, files] and unsynced not in {s["source_id"] for s in listed}
    assert listed[0] == client.get(f"/v1/sources/{synced}/sync").json()
    assert listed[0]["last_run"]["id"] == run["id"] and listed[0]["last_run"]["events_ingested"] == 12
    assert listed[1]["last_run"] is None and "test-token" not in str(listed)
    with transaction(app.state.session_factory) as session:
        key = auth.create_key(session, workspace="beta", scopes=["read"])
    assert client.get("/v1/sync", headers={"Authorization": f"Bearer {key}"}).json() == []


def test_a_put_without_credentials_keeps_the_stored_ones(client, ctx, api):
    api.data.generate_generic(30)
    source_id = synced_source(client, api)
    configure(client, source_id, "http_json", generic_params(api, limit=7))  # no credentials: kept
    assert client.get(f"/v1/sources/{source_id}/sync").json()["credentials_set"] is True
    run = run_now(client, ctx, source_id)
    assert run["status"] == "succeeded", run
    assert run["events_ingested"] == 30 and run["pages"] == 5 and stored_events(ctx.engine, source_id) == 30


@pytest.mark.parametrize(("change", "field"), [
    ({"schedule": {"cron": "*/5 * * *"}}, "body.schedule.cron"),
    ({"schedule": {"cron": "61 * * * *"}}, "body.schedule.cron"),
    ({"schedule": {"cron": "0 9 * * *", "timezone": "Europe/Roma"}}, "body.schedule.timezone"),
    ({"schedule": {"every_s": 0}}, "body.schedule.every_s"),
    ({"schedule": {"cron": "0 9 * * *", "every_s": 60}}, "body.schedule"),
    ({"connector": "ftp"}, "connector"),
    ({"params": {"url": "not a url"}}, "params.url"),
    ({"connector": "sql", "params": {"url": "sqlite:///x.db", "query": "SELECT 1", "watermark_column": "t"}},
     "params.query"),
    ({"params": {"url": "http://ann:pw@example.test/x", "records": "", "fields": {"a": "a"}}}, "params.url"),
    ({"lookback_s": -1}, "body.lookback_s"),
])
def test_invalid_settings_are_422_problems_naming_the_field(client, api, change, field):
    source_id = make_source(client)
    body = {"connector": "http_json", "params": generic_params(api), "credentials": {"bearer": "t"},
            "schedule": {"every_s": 60}, **change}
    r = client.put(f"/v1/sources/{source_id}/sync", json=body)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    problem = r.json()
    named = problem.get("field") or problem["errors"][0]["location"]
    assert named == field, problem
    assert client.get(f"/v1/sources/{source_id}/sync").status_code == 404  # nothing stored


def test_runs_are_listed_newest_first_and_paged(client, ctx, api):
    api.data.generate_generic(10)
    source_id = synced_source(client, api)
    ids = [run_now(client, ctx, source_id)["id"] for _ in range(3)]
    page = client.get(f"/v1/sources/{source_id}/sync/runs", params={"limit": 2}).json()
    assert [r["id"] for r in page["items"]] == ids[::-1][:2] and page["total"] == 3
    rest = client.get(f"/v1/sources/{source_id}/sync/runs", params={"limit": 2, "offset": 2}).json()
    assert [r["id"] for r in rest["items"]] == ids[:1]
    first, later = client.get(f"/v1/sync/runs/{ids[0]}").json(), client.get(f"/v1/sync/runs/{ids[2]}").json()
    assert first["trigger"] == "manual" and first["events_ingested"] == 10 and first["watermark_before"] is None
    assert later["events_ingested"] == 0 and later["watermark_before"] == first["watermark_after"] is not None
    assert client.get(f"/v1/sources/{source_id}/sync").json()["last_run"]["id"] == ids[2]


def test_a_second_request_while_one_is_queued_returns_the_queued_run(client, api):
    source_id = synced_source(client, api)
    first = client.post(f"/v1/sources/{source_id}/sync/run").json()
    again = client.post(f"/v1/sources/{source_id}/sync/run")
    assert again.status_code == 202 and again.json()["id"] == first["id"] and first["status"] == "queued"
    assert client.get(f"/v1/sources/{source_id}/sync/runs").json()["total"] == 1


def test_another_workspace_sees_neither_the_configuration_nor_the_runs(app, client, api):
    source_id = synced_source(client, api)
    run_id = client.post(f"/v1/sources/{source_id}/sync/run").json()["id"]
    with transaction(app.state.session_factory) as session:
        key = auth.create_key(session, workspace="beta", scopes=["ingest", "read", "admin"])
    other = {"Authorization": f"Bearer {key}"}
    for method, path in [("GET", f"/v1/sources/{source_id}/sync"), ("PUT", f"/v1/sources/{source_id}/sync"),
                         ("DELETE", f"/v1/sources/{source_id}/sync"), ("POST", f"/v1/sources/{source_id}/sync/run"),
                         ("GET", f"/v1/sources/{source_id}/sync/runs"), ("GET", f"/v1/sync/runs/{run_id}")]:
        body = {"json": {"connector": "files", "params": {"path": "/"}, "schedule": {"every_s": 5}}} \
            if method == "PUT" else {}
        r = client.request(method, path, headers=other, **body)
        assert r.status_code == 404, (method, path, r.text)


def test_configuring_needs_admin_and_running_needs_ingest(app, client, api):
    source_id = synced_source(client, api)
    with transaction(app.state.session_factory) as session:
        reader = auth.create_key(session, workspace="alpha", scopes=["read"])
        ingester = auth.create_key(session, workspace="alpha", scopes=["ingest"])
    as_reader, as_ingester = {"Authorization": f"Bearer {reader}"}, {"Authorization": f"Bearer {ingester}"}
    body = {"connector": "files", "params": {"path": "/"}, "schedule": {"every_s": 5}}
    assert client.put(f"/v1/sources/{source_id}/sync", json=body, headers=as_ingester).status_code == 403
    assert client.post(f"/v1/sources/{source_id}/sync/run", headers=as_reader).status_code == 403
    assert client.post(f"/v1/sources/{source_id}/sync/run", headers=as_ingester).status_code == 202
    assert client.get(f"/v1/sources/{source_id}/sync", headers=as_reader).status_code == 200
