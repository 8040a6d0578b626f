"""SQL over the events table (bulk writes are in writer.py). The uploads table is ingest's."""

from datetime import UTC, datetime, timedelta
from typing import Any

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
