"""Uploads: one file (or one pushed batch) and what became of it."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models_common import Json, Timestamp, utcnow


class Upload(Base):
    __tablename__ = "uploads"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (caches key by them)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="file")  # file | push | sync (a unit a sync run stored)
    filename: Mapped[str] = mapped_column(String(500), default="")
    format: Mapped[str] = mapped_column(String(20), default="")
    options: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    spool_path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    events_ingested: Mapped[int] = mapped_column(BigInteger, default=0)
    events_duplicate: Mapped[int] = mapped_column(BigInteger, default=0)
    cases: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # Runs begun: a process that stopped mid-way leaves it running, and the next worker retries it.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
