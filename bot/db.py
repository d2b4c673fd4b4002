"""The channel's own store (DATABASE_URL): outbox, ticket-to-conversation map, platform dedupe."""
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base
from sqlalchemy.pool import QueuePool

Base = declarative_base()

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class _Delivered:
    """What the background delivery keeps of each row of an outbox table: tried until the backend takes
    (delivered) or refuses (rejected) it, at next_attempt_at, with backoff."""

    state = Column(String(16), nullable=False, default="pending", index=True)  # pending|delivered|rejected
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    delivered_at = Column(DateTime(timezone=True))
    next_attempt_at = Column(DateTime(timezone=True), default=utcnow)


class Submission(_Delivered, Base):
    """A ticket the channel filed or is still to deliver: the outbox and the conversation map."""

    __tablename__ = "submissions"
    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(64), nullable=False, unique=True)
    reference = Column(String(32), nullable=False, unique=True)  # provisional until delivered
    ticket_id = Column(String(32), unique=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False, default="rest")
    language = Column(String(2), nullable=False, default="zh")
    # JSON of the NewTicket; the phone inside is encrypted (bot.crypto), never in clear.
    payload = Column(Text, nullable=False)


class PendingNotification(Base):
    """News for a web visitor who was not connected when it came; sent at the next visit."""

    __tablename__ = "pending_notifications"
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    ticket_id = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False)
    note = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    delivered_at = Column(DateTime(timezone=True))


class PlatformMessage(Base):
    """Messages already handled, so that a platform's retry (WeChat MsgId, Telegram update_id) is handled once."""

    __tablename__ = "platform_messages"
    __table_args__ = (UniqueConstraint("platform", "message_id"),)
    id = Column(Integer, primary_key=True)
    platform = Column(String(16), nullable=False)
    message_id = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Rating(_Delivered, Base):
    """A satisfaction rating (回访) in the outbox: stored first, delivered once by the background delivery.

    One per ticket and conversation (the key), taken only from the conversation that filed the ticket.
    state: pending | delivered | rejected (the backend refused it: already rated, not resolved) |
    held (migrated from the old `feedback` table, given before ownership was checked: never sent).
    """

    __tablename__ = "ratings"
    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(64), nullable=False, unique=True)
    ticket_id = Column(String(32), nullable=False, index=True)
    sender_id = Column(String(255), nullable=False)
    follower_key = Column(String(128))  # set when the rater joined the ticket rather than filed it
    rating = Column(String(24), nullable=False)
    comment = Column(Text)


class Following(_Delivered, Base):
    """A conversation that joined a ticket instead of filing it again, or came to follow it with a merge:
    it is told the ticket's news and may rate it once, as the filer. Stored before the backend is told
    (state pending, delivered by the background delivery like tickets), so a crash loses no join."""

    __tablename__ = "followings"
    __table_args__ = (UniqueConstraint("ticket_id", "sender_id"),)
    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(64), nullable=False, unique=True)
    ticket_id = Column(String(32), nullable=False, index=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(32), nullable=False, default="rest")
    language = Column(String(2), nullable=False, default="zh")
    # What the backend knows this citizen by: opaque, one per ticket (nothing links two tickets' followers).
    follower_key = Column(String(128), nullable=False)
    media_urls = Column(Text)  # JSON list of the joiner's photos, for the joined ticket


@lru_cache(maxsize=None)
def engine_for(url: str) -> Engine:
    """One engine per URL per process (pooled); sessions are opened per unit of work."""
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 gives a SQLite file NullPool: a file open, two pragmas and a close for every unit of
        # work, a fifth of the action server's and the backend's CPU per turn. The connections are kept instead.
        engine = create_engine(
            url, future=True, poolclass=QueuePool, connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the action server and the Rasa server share the file without "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def migrate(url: str, migrations: Path = MIGRATIONS, revision: str = "head") -> None:
    """Bring the schema at `url` to the newest revision (alembic, never create_all on a live DB).

    An older `revision` makes a store as an earlier release left it, for the migrations' own tests."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with engine_for(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
