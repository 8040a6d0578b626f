"""Process models by data version, in the database: asked for by whoever computes a feed, computed
by a worker (app/blueprint/model_jobs.py), read by any API process. The API never runs the miner."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from app.blueprint.models import ProcessModel
from app.db import dialect_insert, transaction
from app.errors import MiningError
from app.jobs.wakeup import announce

# What the feed says of a model row's status.
SHOWN = {"queued": "computing", "running": "computing", "ready": "ready", "failed": "failed", "stale": "unknown"}


@contextmanager
def _session_or_transaction(factory: sessionmaker[Session], session: Session | None) -> Iterator[Session]:
    """The caller's session, or a transaction of our own. A request passes its session: taking a
    second pooled connection while holding one is hold-and-wait, and under a crowd (50 clients of
    one feed) every request held one and waited 30 s for another."""
    if session is not None:
        yield session
    else:
        with transaction(factory) as own:
            yield own


class ModelStore:
    """Ask for, look up and wait for the BPMN models of data versions."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def request(self, key: str, *, workspace_id: int, blueprint_id: int, query: dict) -> None:
        """Queue the model of data version `key` unless it is known already."""
        with transaction(self.factory) as session:
            insert = dialect_insert(session)
            made = session.execute(insert(ProcessModel).values(
                key=key, workspace_id=workspace_id, blueprint_id=blueprint_id, query=query, status="queued",
                created_at=datetime.now(UTC)).on_conflict_do_nothing(index_elements=["key"]))
            if made.rowcount:
                announce(session)

    def status(self, key: str, session: Session | None = None) -> tuple[str, str | None]:
        """('ready' | 'computing' | 'failed' | 'unknown', error)."""
        with _session_or_transaction(self.factory, session) as db:
            row = db.get(ProcessModel, key)
            return ("unknown", None) if row is None else (SHOWN[row.status], row.error)

    def settle(self, key: str, timeout: float) -> None:
        """Wait up to `timeout` seconds for the model of `key` to be ready or failed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.status(key)[0] == "computing":
            time.sleep(0.05)

    def result(self, key: str, timeout: float) -> bytes:
        """The BPMN document of `key`, waiting while it is computed."""
        self.settle(key, timeout)
        with transaction(self.factory) as session:
            row = session.get(ProcessModel, key)
            if row is None:
                raise MiningError("the blueprint has no events yet: there is no process to model")
            if row.status == "failed":
                raise MiningError(f"process discovery failed: {row.error}")
            if row.status != "ready":
                raise MiningError(f"the process model is still being computed (no worker has finished it in "
                                  f"{timeout:.0f} s); try again shortly")
            return row.bpmn.encode()

    def close(self) -> None:
        """Nothing to stop: the models live in the database."""
