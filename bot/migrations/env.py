"""Alembic environment of the channel store; run through bot.db.migrate()."""
from alembic import context

from bot.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
