"""Sync tables: each source's pull configuration, its runs, and the files it has taken."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

# The tables referenced below, so a worker that imports only this package can flush rows.
from app.auth import models as _workspaces  # noqa: F401
from app.db import Base
from app.ingest import models as _uploads  # noqa: F401
from app.models_common import Json, Timestamp, utcnow
from app.sources import models as _sources  # noqa: F401

ACTIVE = ("queued", "running")


class SyncConfig(Base):
    """How (connector, params, encrypted credentials) and when (schedule) a source is pulled, and
    the committed watermark: it moves only in the transaction that stores the events it covers."""

    __tablename__ = "sync_configs"

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    connector: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    credentials: Mapped[str | None] = mapped_column(Text, nullable=True)  # Fernet token, never plain
    schedule: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    lookback_s: Mapped[float] = mapped_column(Float, default=0.0)
    watermark: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_run_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class SyncRun(Base):
    """One pull of a source. At most one run per source is queued or running (a partial unique
    index), and its counters add up the units stored so far, in the same transactions."""

    __tablename__ = "sync_runs"
    __table_args__ = (
        Index("uq_sync_runs_active", "source_id", unique=True,
              sqlite_where=text("status IN ('queued', 'running')"),
              postgresql_where=text("status IN ('queued', 'running')")),
        {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    trigger: Mapped[str] = mapped_column(String(10), default="manual")  # schedule | manual
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[int] = mapped_column(Integer, default=0)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    events_ingested: Mapped[int] = mapped_column(BigInteger, default=0)
    events_duplicate: Mapped[int] = mapped_column(BigInteger, default=0)
    events_updated: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    watermark_before: Mapped[str | None] = mapped_column(Text, nullable=True)
    watermark_after: Mapped[str | None] = mapped_column(Text, nullable=True)
    newest_event_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class SyncFile(Base):
    """A file (by sha256) the files connector has delivered for a source: recorded in the
    transaction that stores its events, so a file is taken once however runs end. Undoing its
    upload keeps the record (upload_id becomes NULL): the file is not taken again."""

    __tablename__ = "sync_files"

    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    checksum: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(1000))
    # The file as it was listed, so the next runs need not read it to know it (NULL: taken before 0007).
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id", ondelete="SET NULL"), nullable=True)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"), nullable=True)
    ingested_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
