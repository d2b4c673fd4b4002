"""followers of a ticket (each rates once), merges, and the address key the duplicate lookup reads

Revision ID: b0004
Revises: b0002
"""
from alembic import op
import sqlalchemy as sa

revision = 'b0004'
down_revision = 'b0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_key', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('merged_into', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_service_requests_duplicates', ['service_code', 'address_key', 'requested_at'], unique=False)
        batch_op.create_index('ix_service_requests_code_place', ['service_code', 'lat', 'long'], unique=False)
    op.create_table('followers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('follower_key', sa.String(length=128), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('rating', sa.String(length=24), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('rating_key', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['service_requests.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('request_id', 'follower_key')
    )
    with op.batch_alter_table('followers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followers_request_id'), ['request_id'], unique=False)
    # Tickets filed before this revision get their key too, so a new report can find them. The key is
    # computed as bot.address does today; a later change of the rules needs a migration of its own.
    from bot import address

    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, address FROM service_requests WHERE address IS NOT NULL")).fetchall()
    for row_id, text in rows:
        connection.execute(
            sa.text("UPDATE service_requests SET address_key = :key WHERE id = :id"),
            {"key": address.key(text), "id": row_id},
        )


def downgrade() -> None:
    with op.batch_alter_table('followers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followers_request_id'))
    op.drop_table('followers')
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requests_code_place')
        batch_op.drop_index('ix_service_requests_duplicates')
        batch_op.drop_column('merged_into')
        batch_op.drop_column('address_key')
