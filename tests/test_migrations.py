"""Alembic is the only way the schema is made: the migrated database matches the models."""

import os
import subprocess

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from app import migrate
from app.db import Base, import_models, make_engine
from tests.conftest import BACKENDS, ROOT

EXE = str(ROOT / ".venv" / "bin" / "blueprint-miner")


def test_models_and_migrations_agree(db_url):
    import_models()
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_is_idempotent_and_creates_every_table(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)  # already at head: a no-op
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"workspaces", "api_keys", "sources", "uploads", "events", "alembic_version"} <= tables


@pytest.mark.parametrize("backend", BACKENDS)
def test_processes_that_migrate_a_new_database_at_once_all_succeed(backend, request, tmp_path):
    """Two APIs and a worker started together on a new database: one migrates, the others wait
    and find the schema made. Before the migration lock, 3 of 18 such starts failed on SQLite."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    else:
        url = request.getfixturevalue("pg_server").create_database("m_")
    env = {**os.environ, "BLUEPRINT_DATABASE_URL": url, "BLUEPRINT_DATA_DIR": str(tmp_path / "data")}
    starts = [subprocess.Popen([EXE, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
              for _ in range(3)]
    outputs = [start.communicate(timeout=120)[0].decode() for start in starts]
    assert [start.returncode for start in starts] == [0, 0, 0], outputs
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_an_up_to_date_database_is_not_locked_to_migrate(db_url):
    """A start on an up-to-date database only reads: on SQLite it goes on while another process's
    long transaction holds the write lock (before, BEGIN IMMEDIATE waited and failed)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's one write lock")
    holder = make_engine(db_url)
    engine = make_engine(db_url, busy_timeout_s=0.5)
    with holder.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # a worker's transaction, mid-write
        try:
            migrate.upgrade(engine)  # returns at once, nothing to do
        finally:
            conn.exec_driver_sql("ROLLBACK")
    engine.dispose()
    holder.dispose()
