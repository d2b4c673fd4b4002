"""followings: conversations that joined a ticket (told its news, may rate it); a rating's follower key

Revision ID: 0003_followings
Revises: 0002_ratings
"""
from alembic import op
import sqlalchemy as sa

revision = '0003_followings'
down_revision = '0002_ratings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('followings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.String(length=32), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('follower_key', sa.String(length=128), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key'),
    sa.UniqueConstraint('ticket_id', 'sender_id')
    )
    with op.batch_alter_table('followings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followings_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followings_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_followings_ticket_id'), ['ticket_id'], unique=False)
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follower_key', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_column('follower_key')
    with op.batch_alter_table('followings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followings_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_followings_state'))
        batch_op.drop_index(batch_op.f('ix_followings_sender_id'))
    op.drop_table('followings')
