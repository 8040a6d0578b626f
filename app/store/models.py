"""The canonical events table."""

from sqlalchemy import JSON, BigInteger, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Event(Base):
    """One event. Times are microseconds since the Unix epoch, UTC: exact, compact, and read back
    into NumPy without parsing.

    The primary key is the event's identity within its source: a 128-bit digest of every mapped
    field, lifecycle and attribute (or of the client's event_id). It is the table's only index:
    it makes re-sent events duplicates, and its leading source_id serves the scans of a source.
    There are deliberately no foreign keys: per-row referential triggers cost PostgreSQL ~20 s per
    million inserted events. The store keeps the references itself: events are written only by an
    upload's job, and deleting an upload or a source deletes its events in the same transaction."""

    __tablename__ = "events"
    __table_args__ = (PrimaryKeyConstraint("source_id", "hash_hi", "hash_lo", name="pk_events"),)

    source_id: Mapped[int] = mapped_column(Integer)
    hash_hi: Mapped[int] = mapped_column(BigInteger)
    hash_lo: Mapped[int] = mapped_column(BigInteger)
    workspace_id: Mapped[int] = mapped_column(Integer)
    upload_id: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(Text)
    activity: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    start_timestamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    resource: Mapped[str | None] = mapped_column(Text, nullable=True)
    role: Mapped[str | None] = mapped_column(Text, nullable=True)
    lifecycle: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # json, not jsonb, on PostgreSQL: written once, read by key; jsonb costs ~1 s per million on COPY
    attributes: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Position in its file: ties on (case, timestamp) keep the file's order, as pm4py does.
    ordinal: Mapped[int] = mapped_column(BigInteger)
    event_key: Mapped[str | None] = mapped_column(Text, nullable=True)
