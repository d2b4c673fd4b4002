"""Alembic environment of the dispatch backend's store; run through bot.db.migrate()."""
from alembic import context

from bot.backend.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    version_table="backend_alembic_version",
)
with context.begin_transaction():
    context.run_migrations()
