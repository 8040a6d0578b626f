"""events.attributes as json, not jsonb, on PostgreSQL

The attributes are written once and read whole or by key (`->>`); jsonb's parse into its binary
form on every COPY cost about 1.1 s of server time per million events and bought nothing here.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:30:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('events', 'attributes', type_=sa.JSON(), existing_type=postgresql.JSONB(),
                        postgresql_using='attributes::json')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('events', 'attributes', type_=postgresql.JSONB(), existing_type=sa.JSON(),
                        postgresql_using='attributes::jsonb')
