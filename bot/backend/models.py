"""Tables of the reference dispatch backend (its own store, BACKEND_DATABASE_URL)."""
from sqlalchemy import Column, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship

from bot.db import utcnow

Base = declarative_base()


class ServiceRequest(Base):
    __tablename__ = "service_requests"
    id = Column(Integer, primary_key=True)
    service_request_id = Column(String(32), nullable=False, unique=True)
    idempotency_key = Column(String(128), unique=True)
    service_code = Column(String(32), nullable=False, index=True)
    request_type = Column(String(16), nullable=False, default="complaint")
    urgency = Column(String(16), nullable=False, default="normal")
    status = Column(String(16), nullable=False, default="received", index=True)
    description = Column(Text, nullable=False)
    address = Column(Text)
    district = Column(String(16))
    lat = Column(Float)
    long = Column(Float)
    language = Column(String(2), nullable=False, default="zh")
    account_id = Column(String(255))
    media_url = Column(Text)
    media_urls = Column(Text)  # JSON list of every photo's URL (an extension); media_url is the first
    # Contact details: encrypted at rest; the digest finds a citizen's tickets without decrypting.
    contact_name_enc = Column(Text)
    phone_enc = Column(Text)
    phone_digest = Column(String(64), index=True)
    phone_masked = Column(String(24))
    email_enc = Column(Text)
    requested_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expected_at = Column(DateTime(timezone=True), nullable=False)
    rating = Column(String(24))
    rating_comment = Column(Text)
    rating_key = Column(String(128))  # the Idempotency-Key the rating came with: its retry is no second rating
    # Wrong last-four-digit answers since the last right one or the last lock, whoever gave them.
    verify_failures = Column(Integer, nullable=False, default=0, server_default="0")
    verify_locked_until = Column(DateTime(timezone=True))
    # bot.address.key of the address: with the code and the date, where a duplicate is looked for.
    address_key = Column(String(255))
    merged_into = Column(String(32))  # the ticket this one was merged into (it is then closed)
    notes = relationship("StatusNote", order_by="StatusNote.id", lazy="selectin")
    followers = relationship("Follower", order_by="Follower.id", lazy="selectin")
    __table_args__ = (
        Index("ix_service_requests_duplicates", "service_code", "address_key", "requested_at"),
        Index("ix_service_requests_code_place", "service_code", "lat", "long"),
    )


class StatusNote(Base):
    __tablename__ = "status_notes"
    id = Column(Integer, primary_key=True)
    request_id = Column(Integer, ForeignKey("service_requests.id"), nullable=False, index=True)
    status = Column(String(16), nullable=False)
    note = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class DayCounter(Base):
    """The per-day sequence of ticket ids (BJ20261128-0042), incremented inside the filing transaction."""

    __tablename__ = "day_counters"
    day = Column(String(8), primary_key=True)
    last = Column(Integer, nullable=False, default=0)


class Webhook(Base):
    __tablename__ = "webhooks"
    id = Column(Integer, primary_key=True)
    url = Column(Text, nullable=False, unique=True)
    secret = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class WebhookEvent(Base):
    """An event one receiver is still to be told: written in the transaction of the change it tells of,
    sent by the server's courier (bot/backend/webhooks.py), deleted once the receiver took it. So a
    receiver that is down, a backend restart or a change made with the staff CLI loses no news."""

    __tablename__ = "webhook_events"
    id = Column(Integer, primary_key=True)
    url = Column(Text, nullable=False, index=True)
    event = Column(Text, nullable=False)  # JSON; the ticket id, its status and the staff note: nothing personal
    state = Column(String(16), nullable=False, default="pending", index=True)  # pending | failed (given up)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Follower(Base):
    """A citizen who joined a ticket instead of filing the same problem again (or came with a merge).

    `follower_key` is the channel's opaque name for that citizen (nothing personal); `filer:<id>` stands for
    the filer of a ticket merged into this one. Each follower may rate the ticket once, as the filer may.
    """

    __tablename__ = "followers"
    __table_args__ = (UniqueConstraint("request_id", "follower_key"),)
    id = Column(Integer, primary_key=True)
    request_id = Column(Integer, ForeignKey("service_requests.id"), nullable=False, index=True)
    follower_key = Column(String(128), nullable=False)
    origin = Column(String(16), nullable=False, default="joined")  # joined | merged
    rating = Column(String(24))
    rating_comment = Column(Text)
    rating_key = Column(String(128))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
