"""SQL over the events table (bulk writes are in writer.py). The uploads table is ingest's."""

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from app.store.models import Event

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _from_us(value: int | None) -> datetime | None:
    """Microseconds as a datetime, exactly (no float rounding). Ingest keeps timestamps within
    1900..2200; a value outside what datetime holds (stored before that check) reads as unknown
    instead of failing the request."""
    if value is None:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(value))
    except OverflowError:
        return None


def source_stats(session: Session, *, source_id: int) -> dict[str, Any]:
    """Events, cases, activities, resources and time span of one source."""
    row = session.execute(
        select(func.count(), func.count(Event.case_id.distinct()), func.count(Event.activity.distinct()),
               func.count(Event.resource.distinct()), func.min(Event.timestamp), func.max(Event.timestamp))
        .where(Event.source_id == source_id)).one()
    return {"events": row[0], "cases": row[1], "activities": row[2], "resources": row[3],
            "first_timestamp": _from_us(row[4]), "last_timestamp": _from_us(row[5])}


def delete_upload_events(session: Session, *, source_id: int, upload_id: int) -> int:
    # source_id first: the primary key's prefix narrows the scan to the upload's source.
    return session.execute(delete(Event).where(Event.source_id == source_id, Event.upload_id == upload_id)).rowcount


def delete_source_events(session: Session, *, source_id: int) -> None:
    session.execute(delete(Event).where(Event.source_id == source_id))


ATTRIBUTE_SAMPLE = 5000
_ATTRIBUTE_NAMES = {
    # json (not jsonb) on PostgreSQL: json_object_keys reads it; scalars (JSON null) are skipped.
    "postgresql": "SELECT DISTINCT json_object_keys(e.attributes) FROM (SELECT attributes FROM events "
                  "WHERE source_id = :source AND json_typeof(attributes) = 'object' LIMIT :sample) e",
    "sqlite": "SELECT DISTINCT j.key FROM (SELECT attributes FROM events WHERE source_id = :source "
              "AND json_type(attributes) = 'object' LIMIT :sample) e, json_each(e.attributes) j",
}

def attribute_names(session: Session, *, source_id: int, sample: int = ATTRIBUTE_SAMPLE) -> list[str]:
    """The attribute names found on a sample of the source's events (the first rows the database
    hands out), sorted: enough to find the attributes most events carry, such as a team."""
    sql = _ATTRIBUTE_NAMES["postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"]
    return sorted(session.scalars(text(sql), {"source": source_id, "sample": sample}))


INGEST_LOCK_NAMESPACE = 0x42_4D  # advisory-lock namespace of per-source ingest locks (PostgreSQL)


def take_ingest_lock(session: Session, *, source_id: int) -> None:
    """Hold the source's ingest lock until the transaction ends (PostgreSQL; SQLite has one
    writer anyway). Writers take it before they look digests up, and a deletion of an upload's
    events takes it too: a writer running beside it would otherwise drop rows as stored that
    the deletion then removed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:namespace, :source)"),
                        {"namespace": INGEST_LOCK_NAMESPACE, "source": source_id})


# Which of a chunk's digests (the temporary table) the source holds: one probe of the key per
# digest, whatever the statistics say. As a join, while the events table had never been analyzed
# (a new database's first syncs), the planner put the source's events outside and scanned the
# digests once per event: 2,348 digests against 19,000 events took 4.4 s (44M comparisons),
# against 4-11 ms probed. LATERAL ... LIMIT 1 cannot be flattened into a join: digests stay outside.
LOOKUP = ("SELECT d.i FROM digests d, LATERAL (SELECT 1 FROM events e WHERE e.source_id = %s "
          "AND e.hash_hi = d.hash_hi AND e.hash_lo = d.hash_lo LIMIT 1) AS stored")
# For a transaction that looks digests up or replaces changed records (PostgreSQL): no hash
# join, which reads every event of the source per chunk (50,000 digests against 4M events:
# 1.1-1.4 s hashed, 0.26-0.30 s probed); no materializing the source's events to scan them once
# per digest (a 10,000-row unit of a new database's first sync took up to 13 s so); no
# sequential scan of the incoming rows once per stored event (never analyzed, the events table
# looked like 19 rows: 2,348 changed records against 19,000 events were counted in 5.1 s and
# updated in 6.2 s, against 4 and 17 ms probed); no JIT, which cost 40-125 ms per look-up.
PROBE_SETTINGS = ("SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off",
                  "SET LOCAL enable_material = off", "SET LOCAL enable_seqscan = off", "SET LOCAL jit = off")

_CONTENT = ("case_id", "activity", "timestamp", "start_timestamp", "resource", "role", "lifecycle", "attributes")
_INCOMING = ("hash_hi", "hash_lo", "ordinal", *_CONTENT)
_INCOMING_DDL = ("hash_hi BIGINT, hash_lo BIGINT, ordinal BIGINT, case_id TEXT, activity TEXT, timestamp BIGINT, "
                 "start_timestamp BIGINT, resource TEXT, role TEXT, lifecycle TEXT, attributes TEXT")


def replace_changed(session: Session, *, ids: tuple[int, int, int], table: pa.Table) -> dict[int, int]:
    """Rows of `table` (canonical, with digests) whose digest another upload of the source holds
    with other content replace that content and move to upload ids[2]. Returns how many events
    each earlier upload gave up. Runs after the bulk writer has finished, in its transaction."""
    _, source_id, upload_id = ids
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:  # also when the writer looked nothing up (a sync run's memory, a new source)
        for setting in PROBE_SETTINGS:
            session.execute(text(setting))
    _load_incoming(session, _first_per_digest(table), postgres)
    count, update = changed_records_sql(postgres)
    bound = {"s": source_id, "up": upload_id}
    moved = {int(u): int(n) for u, n in session.execute(text(count), bound)}
    if moved:
        session.execute(text(update), bound)
    session.execute(text("DROP TABLE incoming"))
    return moved


def changed_records_sql(postgres: bool) -> tuple[str, str]:
    """How many stored events each upload holds with other content than the incoming rows (under
    the same digest), and the UPDATE that gives them the incoming content and upload :up."""
    same_key = "e.source_id = :s AND e.hash_hi = i.hash_hi AND e.hash_lo = i.hash_lo AND e.upload_id <> :up"
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    differs = " OR ".join(f"{'CAST(e.attributes AS TEXT)' if postgres and c == 'attributes' else 'e.' + c} "
                          f"{distinct} i.{c}" for c in _CONTENT)
    attributes = "CAST(i.attributes AS json)" if postgres else "i.attributes"
    assign = ", ".join(f"{c} = i.{c}" for c in ("ordinal", *_CONTENT) if c != "attributes")
    return (f"SELECT e.upload_id, count(*) FROM events e JOIN incoming i ON {same_key} WHERE ({differs}) "
            "GROUP BY e.upload_id",
            f"UPDATE events AS e SET {assign}, attributes = {attributes}, upload_id = :up "
            f"FROM incoming AS i WHERE {same_key} AND ({differs})")


def _first_per_digest(table: pa.Table) -> pa.Table:
    """One row per digest, the first (as the writer keeps the first of repeats within an upload)."""
    frame = pd.DataFrame({"hi": table["hash_hi"].to_numpy(), "lo": table["hash_lo"].to_numpy()})
    return table.select(list(_INCOMING)).take(np.flatnonzero(~frame.duplicated().to_numpy()))


def _load_incoming(session: Session, rows: pa.Table, postgres: bool) -> None:
    session.execute(text(f"CREATE TEMP TABLE incoming ({_INCOMING_DDL})"))
    raw = session.connection().connection.dbapi_connection
    if postgres:
        buf = io.BytesIO()
        pacsv.write_csv(rows, buf, pacsv.WriteOptions(include_header=False))
        with raw.cursor() as cur, cur.copy(f"COPY incoming ({', '.join(_INCOMING)}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getbuffer())
        return
    marks = ", ".join("?" * len(_INCOMING))
    cur = raw.cursor()
    cur.executemany(f"INSERT INTO incoming VALUES ({marks})", zip(*(rows[c].to_pylist() for c in _INCOMING),
                                                                 strict=True))
    cur.close()
