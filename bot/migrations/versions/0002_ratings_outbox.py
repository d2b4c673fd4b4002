"""ratings through the outbox, instead of the write-only feedback table

Revision ID: 0002_ratings
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002_ratings'
down_revision = '0001'
branch_labels = None
depends_on = None

HELD = "given before ownership was checked (migrated from the feedback table); not delivered"


def upgrade() -> None:
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('ticket_id', sa.String(length=32), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=False),
    sa.Column('rating', sa.String(length=24), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_ticket_id'), ['ticket_id'], unique=False)
    # Ratings kept by the old action were never delivered, and nobody checked who gave them (anyone
    # could rate anyone's ticket): they are kept for an operator to judge, held, never sent on their own.
    op.execute(
        sa.text(
            "INSERT INTO ratings (idempotency_key, ticket_id, sender_id, rating, comment, state, attempts,"
            " last_error, created_at, delivered_at, next_attempt_at)"
            " SELECT 'feedback-' || id, ticket_id, '', rating, comment,"
            " CASE WHEN delivered_at IS NULL THEN 'held' ELSE 'delivered' END, 0,"
            " CASE WHEN delivered_at IS NULL THEN :held END, created_at, delivered_at, NULL"
            " FROM feedback"
        ).bindparams(held=HELD)
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_ticket_id'))
    op.drop_table('feedback')


def downgrade() -> None:
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.String(length=32), nullable=False),
    sa.Column('rating', sa.String(length=24), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_ticket_id'), ['ticket_id'], unique=False)
    op.execute(
        "INSERT INTO feedback (ticket_id, rating, comment, created_at, delivered_at)"
        " SELECT ticket_id, rating, comment, created_at, delivered_at FROM ratings"
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ratings_state'))
    op.drop_table('ratings')
