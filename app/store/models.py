"""The canonical events table."""

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models_common import BigId, Json


class Event(Base):
    """One event. Times are microseconds since the Unix epoch, UTC: exact, compact and
    read back into NumPy without parsing."""

    __tablename__ = "events"
    __table_args__ = (
        # Idempotency: a 128-bit digest of every mapped field, lifecycle and attribute (or of the
        # client's event_id). Its leading source_id also serves the mining scans of a source.
        Index("uq_events_source_digest", "source_id", "hash_hi", "hash_lo", unique=True),
        Index("ix_events_upload", "upload_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[int] = mapped_column(Integer)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(Text)
    activity: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[int] = mapped_column(BigInteger)
    start_timestamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    resource: Mapped[str | None] = mapped_column(Text, nullable=True)
    role: Mapped[str | None] = mapped_column(Text, nullable=True)
    lifecycle: Mapped[str | None] = mapped_column(String(100), nullable=True)
    attributes: Mapped[dict | None] = mapped_column(Json, nullable=True)
    # Position in its file: ties on (case, timestamp) keep the file's order, as pm4py does.
    ordinal: Mapped[int] = mapped_column(BigInteger)
    event_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    hash_hi: Mapped[int] = mapped_column(BigInteger)
    hash_lo: Mapped[int] = mapped_column(BigInteger)


EVENT_COLUMNS = ("workspace_id", "source_id", "upload_id", "case_id", "activity", "timestamp",
                 "start_timestamp", "resource", "role", "lifecycle", "attributes", "ordinal",
                 "event_key", "hash_hi", "hash_lo")
