"""A 200,000-row ops table in a real PostgreSQL, pulled by scheduled runs while rows are added and
changed between them: the stored events equal the table exactly, and a run with nothing new adds 0."""

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.sync.runner import run_next_sync, schedule_due_syncs
from tests.helpers import make_source
from tests.sync.conftest import OPS_MAPPING, OPS_QUERY, configure, fill_ops

ROWS = 200_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def table_as_events(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, case_id, activity, resource, updated_at FROM ops")).all()
    return {str(r[0]): (r[1], r[2], r[3], (r[4] - EPOCH) // timedelta(microseconds=1)) for r in rows}


def stored(engine, source_id: int) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT event_key, case_id, activity, resource, timestamp FROM events "
                                 "WHERE source_id = :s"), {"s": source_id}).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def scheduled_run(client, ctx, source_id: int) -> dict:
    """Wait for the 1-second schedule to queue a run, carry it out, return it."""
    deadline = time.monotonic() + 10
    while not schedule_due_syncs(ctx):
        assert time.monotonic() < deadline, "the schedule never queued a run"
        time.sleep(0.1)
    assert run_next_sync(ctx)
    return client.get(f"/v1/sources/{source_id}/sync/runs").json()["items"][0]


def test_scheduled_runs_keep_a_copy_equal_to_the_table(client, ctx, engine, ops_db):
    url, ops = ops_db
    fill_ops(ops, ROWS)
    source_id = make_source(client, name="ops", mapping=OPS_MAPPING)
    configure(client, source_id, "sql", {"url": url, "query": OPS_QUERY, "watermark_column": "updated_at"},
              schedule={"every_s": 1}, lookback_s=60)
    stored_for = []
    ctx.state["on_stored"] = stored_for.append

    first = scheduled_run(client, ctx, source_id)
    assert (first["status"], first["trigger"], first["events_ingested"]) == ("succeeded", "schedule", ROWS), first
    # Four units of 50,000 rows; what reads the source is brought up to date once, before success.
    assert first["pages"] >= 1 and stored_for == [source_id]
    top = datetime.fromisoformat(first["watermark_after"])
    assert top == datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=ROWS // 3)

    with ops.begin() as conn:
        conn.execute(text("UPDATE ops SET activity = 'Reworked', updated_at = :t WHERE id % 400 = 0"),
                     {"t": top + timedelta(seconds=10)})
        conn.execute(text("INSERT INTO ops SELECT g, 'case-new', 'Open', 'agent-x', :t + g * interval '1 ms' "
                          "FROM generate_series(300001, 301000) g"), {"t": top + timedelta(seconds=20)})
        conn.execute(text("INSERT INTO ops VALUES (400001, 'case-late', 'Open', 'agent-y', :t)"),
                     {"t": top - timedelta(seconds=30)})  # committed late, inside the lookback
    second = scheduled_run(client, ctx, source_id)
    assert second["status"] == "succeeded", second
    assert (second["events_ingested"], second["events_updated"]) == (1001, 500)
    assert second["events_duplicate"] == 180 - 1  # the last minute re-read; id 200000 was also updated
    assert second["watermark_before"] == first["watermark_after"]

    with ops.begin() as conn:
        conn.execute(text("UPDATE ops SET resource = 'agent-z', updated_at = now() WHERE id <= 10"))
        conn.execute(text("INSERT INTO ops VALUES (500001, 'case-new', 'Close', 'agent-x', now())"))
    third = scheduled_run(client, ctx, source_id)
    assert (third["status"], third["events_ingested"], third["events_updated"]) == ("succeeded", 1, 10)
    assert stored(engine, source_id) == table_as_events(ops)

    fourth = scheduled_run(client, ctx, source_id)
    assert fourth["status"] == "succeeded" and fourth["events_ingested"] == fourth["events_updated"] == 0
    assert fourth["events_duplicate"] == 11  # the lookback re-reads the third run's rows, stored already
    assert stored(engine, source_id) == table_as_events(ops)
    uploads = client.get(f"/v1/sources/{source_id}/uploads").json()
    assert {u["kind"] for u in uploads} == {"sync"}
    assert sum(u["events_ingested"] for u in uploads) == len(table_as_events(ops))  # updates moved, not added
