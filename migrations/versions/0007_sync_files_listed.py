"""sync_files: each taken file's size and mtime as listed, so later runs need not read it again

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sync_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('size', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('mtime_ns', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sync_files', schema=None) as batch_op:
        batch_op.drop_column('mtime_ns')
        batch_op.drop_column('size')
