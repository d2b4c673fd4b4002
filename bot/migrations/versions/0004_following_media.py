"""followings: the joiner's photos, sent with the join to the joined ticket

Revision ID: 0004_following_media
Revises: 0003_followings
"""
from alembic import op
import sqlalchemy as sa

revision = '0004_following_media'
down_revision = '0003_followings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('followings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media_urls', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('followings', schema=None) as batch_op:
        batch_op.drop_column('media_urls')
