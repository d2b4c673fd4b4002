"""every photo of a ticket: media_urls (a JSON list; media_url stays the first)

Revision ID: b0003
Revises: b0002
"""
from alembic import op
import sqlalchemy as sa

revision = 'b0003'
down_revision = 'b0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media_urls', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_column('media_urls')
