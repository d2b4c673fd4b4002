"""verification counts per ticket, a rating's key, phones masked without their last four digits

Revision ID: b0002
Revises: b0001
"""
import re

from alembic import op
import sqlalchemy as sa

revision = 'b0002'
down_revision = 'b0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_key', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('verify_failures', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('verify_locked_until', sa.DateTime(timezone=True), nullable=True))
    # The old mask (138****8000) kept the last four digits, the verification secret, in clear.
    # The new one (138*****000) needs only the first three and last three, which the old one has.
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, phone_masked FROM service_requests WHERE phone_masked IS NOT NULL")).fetchall()
    for row_id, masked in rows:
        connection.execute(
            sa.text("UPDATE service_requests SET phone_masked = :masked WHERE id = :id"),
            {"masked": _remask(masked), "id": row_id},
        )


def downgrade() -> None:
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_column('verify_locked_until')
        batch_op.drop_column('verify_failures')
        batch_op.drop_column('rating_key')


def _remask(masked: str) -> str:
    visible = re.sub(r"[^\d*]", "", masked)
    if len(visible) < 8:
        return "*" * len(visible)
    return visible[:3] + "*" * (len(visible) - 6) + visible[-3:]
