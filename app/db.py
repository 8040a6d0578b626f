"""Engine, sessions and the transaction boundary: the one place that commits or rolls back."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Declarative base of every table."""


def import_models() -> None:
    """Register every table on Base.metadata (for Alembic and the schema check)."""
    from app.auth import models as _auth  # noqa: F401
    from app.blueprint import models as _blueprint  # noqa: F401
    from app.ingest import models as _ingest  # noqa: F401
    from app.jobs import models as _jobs  # noqa: F401
    from app.sources import models as _sources  # noqa: F401
    from app.store import models as _store  # noqa: F401
    from app.sync import models as _sync  # noqa: F401


def _sqlite_pragmas(busy_timeout_s: float):
    def apply(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        # WAL lets readers go on while one upload writes; a large page cache keeps the
        # random-keyed dedup index in memory during bulk inserts.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        _rest(cur)

    return apply


def _rest(cur) -> None:
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-262144")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


# SQLite has one writer at a time. A worker's job holds the write lock for the seconds its
# transaction takes; API requests wait at most API_BUSY_TIMEOUT_S for it, then answer 503 with
# Retry-After (app/errors.py), never a minute's hang. Jobs wait longer: they are not in a hurry.
API_BUSY_TIMEOUT_S = 10.0
JOB_BUSY_TIMEOUT_S = 120.0


def make_engine(url: str, *, busy_timeout_s: float = API_BUSY_TIMEOUT_S) -> Engine:
    """An engine for `url`, with SQLite tuned for concurrent reads and bulk writes."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s})
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_s))
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def dialect_insert(session: Session) -> Callable:
    """The session's dialect's `insert`, which has `on_conflict_do_nothing`: an insert that two
    processes may race to make (the loser's row is skipped, not an error)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_session(request: Request) -> Iterator[Session]:
    """The request's session: committed after the endpoint returns, rolled back on error."""
    with transaction(request.app.state.session_factory) as session:
        yield session


# scope="function": the session commits before the response is sent, so a client that reads right
# after a write sees it (by default FastAPI closes yield dependencies after sending the response).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def release_connection(session: Session) -> None:
    """End a read-only request's transaction early, giving its connection back to the pool; the
    session's next query begins a new one. For a request about to wait on another's work: waiting
    while holding a connection is hold-and-wait (50 clients asking for one cold feed held all of
    the pool's connections while the one computing it needed one more, and timed out after 30 s)."""
    if session.in_transaction():
        session.commit()  # a read-only transaction: committing only ends it


@contextmanager
def job_transaction(engine: Engine) -> Iterator[Session]:
    """A job's unit of work on a connection of its own.

    A job may set session.info["invalidate_connection"] (the SQLite writer does, after attaching
    its staging file, which cannot be detached inside a transaction): the connection is then
    closed instead of going back to the pool."""
    with engine.connect() as conn:
        session = Session(bind=conn, expire_on_commit=False, autoflush=False)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            invalidate = session.info.get("invalidate_connection")
            session.close()
            if invalidate:
                conn.invalidate()
