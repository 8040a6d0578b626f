"""The runner's contract: a stop between units queues the run again and the next worker resumes
from the committed watermark; rows the mapping cannot read fail the run with their errors and
keep the watermark; a lost lease stores nothing more; one active run per source; freshness."""

import sqlite3
from datetime import UTC, datetime, timedelta

from sqlalchemy import text, update

from app.db import transaction
from app.jobs.worker import WorkerContext
from app.sync.connectors.records import iso_utc
from app.sync.models import SyncConfig
from app.sync.runner import lease_name, run_next_sync, schedule_due_syncs
from app.sync.service import sync_freshness
from tests.helpers import make_source, stored_events
from tests.support.api_routes import BASE
from tests.sync.conftest import configure, generic_params, run_now, synced_source


def test_a_stop_between_units_queues_the_run_and_the_next_worker_resumes_it(client, ctx, engine, api, monkeypatch):
    from app.sync.runner import _Refresh

    api.data.generate_generic(200)
    source_id = make_source(client)
    configure(client, source_id, "http_json", generic_params(api, batch_records=50), {"bearer": "test-token"})
    monkeypatch.setattr(_Refresh, "REFRESH_S", 0.0)  # the source brought up to date after every unit
    ctx.state["on_stored"] = lambda _: ctx.stopping.set()
    stopped = run_now(client, ctx, source_id)
    first_unit = stopped["events_ingested"]
    assert (stopped["status"], stopped["attempts"]) == ("queued", 1) and 0 < first_unit < 200
    assert stored_events(engine, source_id) == first_unit
    watermark = client.get(f"/v1/sources/{source_id}/sync").json()["watermark"]
    assert watermark == stopped["watermark_after"] == iso_utc(BASE + timedelta(seconds=first_unit - 1))

    other = WorkerContext(engine=ctx.engine, factory=ctx.factory, settings=ctx.settings)
    assert run_next_sync(other)
    done = client.get(f"/v1/sync/runs/{stopped['id']}").json()
    assert (done["status"], done["attempts"], done["events_ingested"]) == ("succeeded", 2, 200)
    assert done["events_duplicate"] == 1  # the record at the watermark, read again on resuming
    assert stored_events(engine, source_id) == 200


def test_rows_the_mapping_cannot_read_fail_the_run_and_keep_the_watermark(client, ctx, engine, tmp_path):
    path = tmp_path / "ops.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE ops (id INTEGER, case_id TEXT, activity TEXT, at TEXT, updated_at TEXT)")
        conn.executemany("INSERT INTO ops VALUES (?, ?, ?, ?, ?)",
                         [(i, f"c{i // 3}", "Work", "yesterday" if i == 120 else f"2024-01-01T10:{i % 60:02d}:00Z",
                           f"2024-01-01 00:{i // 60:02d}:{i % 60:02d}") for i in range(200)])
    mapping = {"case_id": "case_id", "activity": "activity", "timestamp": "at", "event_id": "id"}
    source_id = make_source(client, mapping=mapping)
    query = "SELECT * FROM ops WHERE updated_at > :watermark ORDER BY updated_at"
    configure(client, source_id, "sql", {"url": f"sqlite:///{path}", "query": query, "watermark_column": "updated_at",
                                         "chunk_rows": 50})
    run = run_now(client, ctx, source_id)
    assert run["status"] == "failed" and run["error"].startswith("1 of 50 rows are invalid; nothing was stored")
    assert [(e["row"], e["column"]) for e in run["errors"]] == [(121, "at")]  # row 121 of the run's pull
    assert run["rows_rejected"] == 1 and run["events_ingested"] == 100 and stored_events(engine, source_id) == 100
    assert run["watermark_after"] == "2024-01-01 00:01:39"  # the last stored unit's
    assert client.get(f"/v1/sources/{source_id}/sync").json()["watermark"] == run["watermark_after"]
    freshness = _freshness(ctx, source_id)
    assert freshness["last_success_at"] is None and freshness["last_error"] == run["error"]


def test_a_lost_lease_stops_the_run_before_its_next_unit(client, ctx, engine, api, monkeypatch):
    from app.sync.runner import _Refresh

    monkeypatch.setattr(_Refresh, "REFRESH_S", 0.0)  # the hook runs after every unit: it takes the lease away
    api.data.generate_generic(200)
    source_id = make_source(client)
    configure(client, source_id, "http_json", generic_params(api, batch_records=50), {"bearer": "test-token"})

    def taken_over(_source):  # another worker judged this one gone and took the source
        with transaction(ctx.factory) as session:
            session.execute(text("UPDATE leases SET owner = 'worker@elsewhere:1:x' WHERE resource = :r"),
                            {"r": lease_name(source_id)})

    ctx.state["on_stored"] = taken_over
    run = run_now(client, ctx, source_id)
    assert run["status"] == "running" and 0 < run["events_ingested"] < 200  # left to the new holder
    assert stored_events(engine, source_id) == run["events_ingested"]  # one unit, nothing after it
    with engine.connect() as conn:
        assert conn.execute(text("SELECT owner FROM leases")).scalar_one() == "worker@elsewhere:1:x"


def test_the_schedule_never_queues_a_second_run_while_one_is_active(client, ctx, api):
    source_id = synced_source(client, api, schedule={"every_s": 1})
    assert schedule_due_syncs(ctx)
    with transaction(ctx.factory) as session:  # due again at once
        session.execute(update(SyncConfig).values(next_run_at=datetime.now(UTC) - timedelta(days=1)))
    before = datetime.now(UTC)
    assert not schedule_due_syncs(ctx)
    after = datetime.now(UTC)
    runs = client.get(f"/v1/sources/{source_id}/sync/runs").json()
    assert runs["total"] == 1 and runs["items"][0]["trigger"] == "schedule"
    assert client.post(f"/v1/sources/{source_id}/sync/run").json()["id"] == runs["items"][0]["id"]
    # Moved on to one period after that pass, not left due (bounded by the pass itself, not by "now":
    # a loaded machine may take longer than the period to make the requests above).
    next_run = datetime.fromisoformat(client.get(f"/v1/sources/{source_id}/sync").json()["next_run_at"])
    assert before + timedelta(seconds=1) <= next_run <= after + timedelta(seconds=1)


def test_a_disabled_configuration_is_not_scheduled(client, ctx, api):
    source_id = synced_source(client, api, schedule={"every_s": 1}, enabled=False)
    assert client.get(f"/v1/sources/{source_id}/sync").json()["next_run_at"] is None
    assert not schedule_due_syncs(ctx)


def test_freshness_tells_the_lag_of_the_newest_event_stored(client, ctx, api):
    api.data.generate_generic(30)
    source_id = synced_source(client, api)
    assert _freshness(ctx, make_source(client, name="plain")) is None
    run = run_now(client, ctx, source_id)
    freshness = _freshness(ctx, source_id)
    newest = datetime(2024, 3, 1, 8, 0, 29, tzinfo=UTC)
    assert run["newest_event_at"].startswith("2024-03-01T08:00:29")
    assert abs(freshness["lag_s"] - (datetime.now(UTC) - newest).total_seconds()) < 60
    assert freshness["last_success_at"] == datetime.fromisoformat(run["finished_at"])
    assert freshness["last_error"] is None and freshness["next_run_at"] is not None


def _freshness(ctx, source_id: int) -> dict | None:
    with transaction(ctx.factory) as session:
        return sync_freshness(session, source_id)
