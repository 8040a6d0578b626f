"""Blueprints: one service's definition (sources, correlation, lane rules, phases, assumptions)."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models_common import Json, Timestamp, utcnow


class Blueprint(Base):
    __tablename__ = "blueprints"
    __table_args__ = {"sqlite_autoincrement": True}  # ids are never reused (caches key by them)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(Json)
    # Bumped on every change: part of the feed's data version (and so of its ETag).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow)


class ProcessModel(Base):
    """The BPMN model of one data version of a blueprint's feed (its ETag), computed by a worker.

    `query` holds what the feed was asked for (window, segment), so a worker can rebuild the
    same events; a worker finding the data version changed meanwhile marks the row stale."""

    __tablename__ = "process_models"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("blueprints.id", ondelete="CASCADE"), index=True)
    query: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)  # queued|running|ready|failed|stale
    bpmn: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
