"""Seen digests (exact, whatever the hi halves share) and a sync run's memory of what it stored:
used while nobody else writes to the source, forgotten as soon as anybody does."""

import threading
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import text

from app.db import job_transaction
from app.ingest import service as ingest
from app.ingest.schemas import UploadOptions
from app.sources.models import Source
from app.store.digests import RunMemory, SeenDigests
from tests.helpers import make_source, stored_events, upload

MAPPING = {"case_id": "case", "activity": "activity", "timestamp": "time"}


def _sorted(hi: np.ndarray, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((lo, hi))
    return hi[order], lo[order]


def test_seen_digests_agree_with_a_set_when_many_share_their_hi_half():
    rng = np.random.default_rng(7)
    seen, brute = SeenDigests(), set()
    for _ in range(20):  # more chunks than are kept apart: merged on the way
        hi, lo = _sorted(rng.integers(0, 40, 300), rng.integers(0, 25, 300))  # many repeats, shared hi
        fresh = seen.fresh(hi, lo)
        expected = []
        for pair in zip(hi.tolist(), lo.tolist(), strict=True):
            expected.append(pair not in brute)
            brute.add(pair)
        assert fresh.tolist() == expected
    assert seen.count == len(brute)


def test_seen_digests_keep_int64_extremes_apart():
    seen = SeenDigests()
    edge = np.array([np.iinfo(np.int64).min, -1, 0, np.iinfo(np.int64).max])
    assert seen.fresh(edge, edge).all()
    assert not seen.fresh(edge, edge).any()
    assert seen.fresh(edge, edge[::-1].copy()).tolist() == [True, True, True, True]


def test_a_run_memory_is_used_only_while_the_version_is_its_own():
    memory = RunMemory()
    first = memory.begin_unit(version=3, had_events=False)  # the run starts on an empty source
    assert first is not None
    memory.stored(10)
    assert memory.begin_unit(version=4, had_events=True) is first
    memory.stored(0)  # nothing stored: the version stays
    assert memory.begin_unit(version=5, had_events=True) is None  # somebody else wrote
    assert memory.begin_unit(version=5, had_events=True) is None  # and it stays forgotten


def _unit(engine, settings, source_id: int, rows: list[tuple], memory: RunMemory, mapping: dict = MAPPING,
          tally: ingest.Tally | None = None):
    """Store rows as a sync unit does (app/sync/units.py): its own upload, one transaction."""
    names = ["case", "activity", "time", "id"][:len(rows[0])]
    table = pa.table({name: [r[i] for r in rows] for i, name in enumerate(names)})
    with job_transaction(engine) as session:
        source = session.get(Source, source_id)
        unit = ingest.new_upload(session, workspace_id=source.workspace_id, source=source, kind="sync",
                                 filename="unit", size=0, spool_path=None, options=UploadOptions())
        unit.status, unit.started_at = "running", datetime.now(UTC)
        done = ingest.ingest_table(session, upload=unit, table=table, mapping=mapping, settings=settings,
                                   replace_changed=True, tally=tally or ingest.Tally(), memory=memory)
        return done.events_ingested, done.events_duplicate


def _rows(cases: range) -> list[tuple[str, str, str]]:
    return [(f"c{c}", step, f"2024-03-01T{h:02d}:00:00Z") for c in cases for h, step in ((8, "Open"), (9, "Close"))]


def test_units_after_the_first_rely_on_the_run_and_still_store_each_event_once(client, engine, settings):
    if engine.dialect.name != "postgresql":
        pytest.skip("the look-ups spared are PostgreSQL's (SQLite inserts with ON CONFLICT)")
    sid = make_source(client, mapping=MAPPING)
    memory = RunMemory()
    assert _unit(engine, settings, sid, _rows(range(0, 50)), memory) == (100, 0)
    # The second unit repeats ten of the first's cases: the run's memory drops them, no look-up.
    assert _unit(engine, settings, sid, _rows(range(40, 90)), memory) == (80, 20)
    assert memory.seen is not None and memory.seen.count == 180
    assert _unit(engine, settings, sid, _rows(range(0, 5)), memory) == (0, 10)
    assert stored_events(engine, sid) == 180

    # Another writer: the run forgets and looks its digests up in the database again.
    other = b"case,activity,time\nx1,Open,2024-03-02T08:00:00Z\nc95,Open,2024-03-01T08:00:00Z\n"
    assert upload(client, sid, other).json()["events_ingested"] == 2
    assert _unit(engine, settings, sid, _rows(range(85, 100)), memory) == (19, 11)  # c85-89 and c95's Open
    assert memory.seen is None
    assert stored_events(engine, sid) == 180 + 2 + 19


def test_a_run_that_starts_on_a_source_with_events_looks_them_up(client, engine, settings):
    if engine.dialect.name != "postgresql":
        pytest.skip("the look-ups spared are PostgreSQL's (SQLite inserts with ON CONFLICT)")
    sid = make_source(client, mapping=MAPPING)
    assert upload(client, sid, b"case,activity,time\nc1,Open,2024-03-01T08:00:00Z\n").json()["events_ingested"] == 1
    memory = RunMemory()
    assert _unit(engine, settings, sid, _rows(range(0, 3)), memory) == (5, 1)
    assert memory.seen is None
    assert stored_events(engine, sid) == 6


def test_a_changed_record_keeps_its_digest_and_the_run_its_memory(client, engine, settings):
    """A record with an event_id is digested by that id, so pulled again with other content it
    is replaced in place under the same digest: what the run remembers stays exact. Pulled back
    to its first content, the record is replaced again."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the look-ups spared are PostgreSQL's (SQLite inserts with ON CONFLICT)")
    mapping = {**MAPPING, "event_id": "id"}
    sid = make_source(client, mapping=mapping)
    memory, first = RunMemory(), ("c1", "Open", "2024-03-01T08:00:00Z", "e1")
    assert _unit(engine, settings, sid, [first, ("c1", "Close", "2024-03-01T09:00:00Z", "e2")], memory,
                 mapping) == (2, 0)
    changed = ingest.Tally()
    _unit(engine, settings, sid, [("c1", "Reopened", "2024-03-01T08:00:00Z", "e1")], memory, mapping, changed)
    assert changed.updated == 1 and memory.seen is not None and memory.seen.count == 2
    back = ingest.Tally()
    _unit(engine, settings, sid, [first], memory, mapping, back)
    assert back.updated == 1
    with engine.connect() as conn:
        activities = conn.execute(text("SELECT event_key, activity FROM events WHERE source_id = :s "
                                       "ORDER BY event_key"), {"s": sid}).all()
    assert [tuple(row) for row in activities] == [("e1", "Open"), ("e2", "Close")]


def test_deleting_an_upload_waits_for_a_writer_of_its_source(client, engine):
    """A writer holds the source's ingest lock while it looks digests up and writes; a deletion
    of an upload's events waits for it, so the writer never drops a row as stored that the
    deletion then removes."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the ingest lock is PostgreSQL's (SQLite has one writer)")
    from app.store.repository import take_ingest_lock

    sid = make_source(client, mapping=MAPPING)
    up = upload(client, sid, b"case,activity,time\nc1,Open,2024-03-01T08:00:00Z\n").json()["id"]
    deleted = threading.Event()

    def delete() -> None:
        assert client.delete(f"/v1/uploads/{up}").status_code == 200
        deleted.set()

    with job_transaction(engine) as writer:
        take_ingest_lock(writer, source_id=sid)
        thread = threading.Thread(target=delete)
        thread.start()
        assert not deleted.wait(0.5)  # waits for the writer's transaction
    thread.join(30)
    assert deleted.is_set() and stored_events(engine, sid) == 0
