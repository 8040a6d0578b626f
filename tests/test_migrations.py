"""Alembic is the only way the schema is made: the migrated database matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import migrate
from app.db import Base, import_models, make_engine


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
