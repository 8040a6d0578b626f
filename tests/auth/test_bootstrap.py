"""Two processes that start at once with the same bootstrap key (two APIs) both start.

Each made the workspace and the key by a select then an insert. When both selects ran before
either insert committed, the second insert broke the unique name and that API failed to start
(seen in CI: `test_two_apis_and_a_worker_share_the_work`)."""

import threading

import pytest
from sqlalchemy import func, select

from app.auth import service as auth
from app.auth.models import ApiKey, Workspace
from app.db import transaction

KEY = "bpm_bootstrap_race_0123456789abcdef"


def _count(factory, model, **where) -> int:
    with transaction(factory) as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return session.scalar(query)


def test_a_second_start_that_overlaps_the_first_finds_the_key_and_workspace_made(app):
    factory = app.state.session_factory
    errors: list[BaseException] = []
    second_done = threading.Event()

    def second_start() -> None:
        try:
            with transaction(factory) as session:
                assert auth.create_key(session, workspace="racing", scopes=["read"], name="bootstrap",
                                       key=KEY) == KEY
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            second_done.set()

    with transaction(factory) as first:
        # Both find nothing: the first has made its rows but not committed them yet.
        assert auth.create_key(first, workspace="racing", scopes=["read"], name="bootstrap", key=KEY) == KEY
        thread = threading.Thread(target=second_start)
        thread.start()
        # The second waits for the first's write (SQLite's lock; PostgreSQL's unique index).
        assert not second_done.wait(0.5)
    thread.join(30)
    assert not thread.is_alive() and errors == []
    assert _count(factory, Workspace, name="racing") == 1
    assert _count(factory, ApiKey, key_hash=auth.hash_key(KEY)) == 1


def test_the_key_made_again_keeps_one_row_and_its_workspace(app):
    factory = app.state.session_factory
    for _ in range(2):
        with transaction(factory) as session:
            auth.create_key(session, workspace="again", scopes=["read"], key=KEY)
    assert _count(factory, ApiKey, key_hash=auth.hash_key(KEY)) == 1
    with transaction(factory) as session:
        ws = session.scalars(select(Workspace).where(Workspace.name == "again")).one()
        assert session.scalars(select(ApiKey.workspace_id).where(ApiKey.key_hash == auth.hash_key(KEY))).one() == ws.id


def test_an_api_starts_while_another_process_holds_the_write_lock(settings, db_url):
    """The bootstrap key made by an earlier start: a later start only reads it (SQLite's write
    lock, held here by a worker's transaction, is not needed to start)."""
    from fastapi.testclient import TestClient

    from app.db import make_engine
    from app.main import create_app

    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's one write lock")
    quick = settings.model_copy(update={"bootstrap_api_key": KEY, "sqlite_busy_timeout_s": 0.5, "worker": "none"})
    with TestClient(create_app(quick)):
        pass  # the first start makes the key
    holder = make_engine(db_url)
    with holder.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            with TestClient(create_app(quick)) as client:
                assert client.get("/healthz").status_code == 200
        finally:
            conn.exec_driver_sql("ROLLBACK")
    holder.dispose()
