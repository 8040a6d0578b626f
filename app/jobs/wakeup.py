"""Idle workers wake when work is queued, instead of finding it at their next poll.

Polling alone left a queued upload waiting up to `poll_s` (0.5 s; a 1M-row upload measured
0.3-0.5 s from its 202 to its start). Polling stays, as the fallback: a missed wake-up only costs
that delay again.

- PostgreSQL: the transaction that queues work calls `announce`, a NOTIFY that the server delivers
  when (and only if) it commits, to every listening worker on any host.
- SQLite (one machine, by nature): no announcement is needed. A worker watches
  `PRAGMA data_version`, which changes when another connection commits, and looks for work after
  any commit (at most every WATCH_S)."""

import logging
import threading
import time

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

log = logging.getLogger("app.jobs.wakeup")
CHANNEL = "blueprint_miner_jobs"
WATCH_S = 0.02  # how often an idle SQLite worker reads data_version (a few microseconds each)
STOP_CHECK_S = 0.5  # how soon a listening worker sees that it is asked to stop


def announce(session: Session) -> None:
    """Wake the workers once the session's transaction commits (PostgreSQL; a no-op on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


class Waiter:
    """A worker's idle wait: `mark()` before looking for work, then `wait()` returns early if work
    may have been queued since the mark. Holds one connection of its own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._raw = None  # the pooled connection, detached: it listens for the worker's lifetime
        self._version: int | None = None

    def _connection(self):
        if self._raw is None:
            raw = self.engine.raw_connection()
            raw.detach()
            driver = raw.dbapi_connection
            if self.postgres:
                driver.autocommit = True  # notifications arrive between transactions only
                driver.execute(f"LISTEN {CHANNEL}")
            self._raw = raw
        return self._raw.dbapi_connection

    def mark(self) -> None:
        if not self.postgres:
            try:
                self._version = self._data_version()
            except Exception:  # then wait() polls
                self._version = None

    def wait(self, timeout: float, stopping: threading.Event) -> None:
        try:
            if self.postgres:
                self._listen(timeout, stopping)
            else:
                self._watch(timeout, stopping)
        except Exception:  # a broken listening connection: poll, and connect again next time
            log.warning("worker wake-up unavailable; polling", exc_info=True)
            self.close()
            stopping.wait(timeout)

    def _listen(self, timeout: float, stopping: threading.Event) -> None:
        deadline = time.monotonic() + timeout
        while not stopping.is_set() and (left := deadline - time.monotonic()) > 0:
            # In slices, so that a stop is seen promptly however long the poll.
            if next(iter(self._connection().notifies(timeout=min(left, STOP_CHECK_S), stop_after=1)), None):
                return

    def _watch(self, timeout: float, stopping: threading.Event) -> None:
        deadline = time.monotonic() + timeout
        while not stopping.wait(WATCH_S) and time.monotonic() < deadline:
            if self._data_version() != self._version:
                return

    def _data_version(self) -> int:
        return self._connection().execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        if self._raw is not None:
            try:
                self._raw.close()
            finally:
                self._raw = None
