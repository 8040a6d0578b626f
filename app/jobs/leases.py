"""Acquire, renew and release leases: compare-and-swap on one row, the same on SQLite and PostgreSQL.

Acquiring inserts the row if no one holds it (a conflict means someone does), or takes it over
with an UPDATE conditioned on the owner read a moment before, so of two processes racing for a
dead holder's lease exactly one wins. Each statement is its own short transaction."""

import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import dialect_insert, transaction
from app.jobs.models import Lease

HOST = "".join(c if c.isalnum() else "_" for c in socket.gethostname())[:40] or "host"
LEASE_S = 60.0  # PostgreSQL: a holder renews every LEASE_S / 3
SQLITE_LEASE_S = 7 * 86400.0  # SQLite: one host, so a holder is judged by its process, not by time


def new_owner(role: str) -> str:
    """An identity for a process's work: `role@host:pid:random`."""
    return f"{role}@{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_alive(owner: str) -> bool | None:
    """Whether the owner's process still runs (None: on another host, cannot tell)."""
    try:
        _, where = owner.split("@", 1)
        host, pid, _ = where.split(":")
    except ValueError:
        return None
    if host != HOST:
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def lease_seconds(session: Session) -> float:
    return SQLITE_LEASE_S if session.get_bind().dialect.name == "sqlite" else LEASE_S


def _expired(row: Lease, now: datetime) -> bool:
    alive = owner_alive(row.owner)
    return alive is False or (alive is None and _aware(row.until) < now) or _aware(row.until) < now


def acquire(factory: sessionmaker[Session], resource: str, owner: str) -> bool:
    """Take the lease on `resource` for `owner` if free or its holder is gone."""
    with transaction(factory) as session:
        now = _now()
        until = now + timedelta(seconds=lease_seconds(session))
        insert = dialect_insert(session)
        made = session.execute(insert(Lease).values(resource=resource, owner=owner, until=until, acquired_at=now)
                               .on_conflict_do_nothing(index_elements=["resource"]))
        if made.rowcount == 1:
            return True
        row = session.get(Lease, resource)
        if row is None or not _expired(row, now):
            return row is not None and row.owner == owner
        taken = session.execute(update(Lease).where(Lease.resource == resource, Lease.owner == row.owner)
                                .values(owner=owner, until=until, acquired_at=now))
        return taken.rowcount == 1


def hold(session: Session, resource: str, owner: str) -> None:
    """Take a lease inside the caller's transaction, on a resource just made in it (so no other
    process can see the resource before it is held)."""
    now = _now()
    session.add(Lease(resource=resource, owner=owner, until=now + timedelta(seconds=lease_seconds(session)),
                      acquired_at=now))
    session.flush()


def renew(factory: sessionmaker[Session], resource: str, owner: str) -> bool:
    """Extend the lease; False if someone else holds it now (the work must stop)."""
    with transaction(factory) as session:
        until = _now() + timedelta(seconds=lease_seconds(session))
        done = session.execute(update(Lease).where(Lease.resource == resource, Lease.owner == owner)
                               .values(until=until))
        return done.rowcount == 1


def release(factory: sessionmaker[Session], resource: str, owner: str) -> None:
    with transaction(factory) as session:
        session.execute(delete(Lease).where(Lease.resource == resource, Lease.owner == owner))


def holder(factory: sessionmaker[Session], resource: str) -> str | None:
    """The live holder of a lease, or None."""
    with transaction(factory) as session:
        row = session.scalars(select(Lease).where(Lease.resource == resource)).first()
        return row.owner if row is not None and not _expired(row, _now()) else None


class Heartbeat:
    """Renews a lease every third of its length on a thread of its own, while a job runs.
    `lost` is set if the lease was taken: the job then stops at its next checkpoint."""

    def __init__(self, factory: sessionmaker[Session], resource: str, owner: str) -> None:
        self.factory, self.resource, self.owner = factory, resource, owner
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{resource}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(LEASE_S / 3):
            try:
                if not renew(self.factory, self.resource, self.owner):
                    self.lost.set()
                    return
            except Exception:  # a failed renewal is retried at the next beat
                continue

    def __enter__(self) -> "Heartbeat":
        # SQLite: every process is on one host and a lease is judged by its holder's process, so
        # nothing to renew (and a renewal would wait behind the job's own write lock).
        if self.factory.kw["bind"].dialect.name != "sqlite":
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
