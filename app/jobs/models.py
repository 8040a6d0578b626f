"""Leases: which process holds which piece of work, and until when."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models_common import Timestamp, utcnow


class Lease(Base):
    """One row per piece of work being done ("upload:12", "sync:5", "model:<data version>").

    Held by one process (`owner`: host, pid and a random part) until `until`; a holder renews it
    while it works (PostgreSQL), and a lease whose holder is gone (its time passed, or on SQLite,
    where every process shares one host, its process no longer runs) may be taken over."""

    __tablename__ = "leases"

    resource: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime] = mapped_column(Timestamp)
    acquired_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
