"""Run Alembic migrations: the only way the schema is made."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from app.errors import AppError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


MIGRATION_LOCK = 0x42504D6D  # "BPMm": the advisory lock that serializes migrations (PostgreSQL)


def _one_at_a_time(conn) -> None:
    """Take the migration lock for the transaction. SQLite: BEGIN IMMEDIATE takes the write lock
    now (waiting up to the busy timeout), and pysqlite then leaves the transaction to us; without
    it DDL ran outside any transaction, a statement at a time."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _at_head(engine: Engine, cfg: Config) -> bool:
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def upgrade(engine: Engine) -> None:
    """Bring the database of `engine` to the latest schema.

    On SQLite, foreign keys are off while migrations run: a migration that rebuilds a table (batch
    mode: copy, drop, rename) would otherwise cascade the drop to every child row. The pragma only
    takes effect outside a transaction, so it is set before the migration's transaction begins,
    and the references are checked before it commits.

    Processes that start together (two APIs and a worker on a new database) migrate one at a
    time: the later ones find the schema made. Without that, the second failed on "table
    workspaces already exists" (3 of 18 starts, three at a time on SQLite). The lock is taken
    only when the schema is behind: a start on an up-to-date database only reads, so an API
    starts while a worker's long transaction holds SQLite's write lock."""
    cfg = alembic_config()
    if _at_head(engine, cfg):
        return
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()  # pysqlite runs a PRAGMA outside any SQLite transaction; end SQLAlchemy's
        try:
            with conn.begin():
                _one_at_a_time(conn)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite and conn.execute(text("PRAGMA foreign_key_check")).first() is not None:
                    raise AppError("migration left rows whose references are broken; rolled back")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
