"""ids are never reused: SQLite tables with AUTOINCREMENT

SQLite hands a deleted row's id to the next row unless the table is declared AUTOINCREMENT, and
caches keyed by id (feeds, models, columnar copies) then served one workspace's data to another.
PostgreSQL's sequences never go back, so only SQLite's tables are rebuilt (batch mode copies each
table; app.migrate turns foreign keys off meanwhile, since dropping the old table would otherwise
cascade to its children). The next id of each table continues after its current largest id.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 11:00:00
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TABLES = ("workspaces", "api_keys", "sources", "uploads", "blueprints")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": False}):
            pass
