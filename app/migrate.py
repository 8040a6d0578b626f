"""Run Alembic migrations: the only way the schema is made."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from app.errors import AppError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database of `engine` to the latest schema.

    On SQLite, foreign keys are off while migrations run: a migration that rebuilds a table (batch
    mode: copy, drop, rename) would otherwise cascade the drop to every child row. The pragma only
    takes effect outside a transaction, so it is set before the migration's transaction begins,
    and the references are checked before it commits."""
    cfg = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()  # pysqlite runs a PRAGMA outside any SQLite transaction; end SQLAlchemy's
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite and conn.execute(text("PRAGMA foreign_key_check")).first() is not None:
                    raise AppError("migration left rows whose references are broken; rolled back")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
