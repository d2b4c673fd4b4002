"""Deletes what the channel keeps about citizens once it is older than the retention period.

`python -m bot.cli purge` (a city schedules it daily, e.g. from cron or a Kubernetes CronJob).
What goes, after RETENTION_DAYS (default 90):
- conversations (Rasa's tracker store) whose last event is older; in a conversation still in use,
  the events of its earlier sessions that are older (the current session is never cut);
- delivered or rejected submissions (the payload: description, address, name, sealed phone; and the
  ticket-to-conversation map); a submission still pending is kept, or its ticket would be lost;
- status news kept for web visitors (pending_notifications), ratings no longer pending (ratings:
  delivered, rejected, or held from the old feedback table); a pending one is kept until delivered;
- followings (conversations that joined a ticket) no longer pending: a join still to be told to the
  backend is kept until delivered;
- platform dedupe rows (platform_messages) after DEDUPE_DAYS already: platforms retry within a day.
The dispatch backend is not touched: its tickets are the city's case records, kept under the
city's records rules (the phone sealed there too), not the channel's to delete.
"""
from datetime import datetime, timedelta, timezone
from typing import List, Optional

from sqlalchemy import column, delete, func, inspect, or_, select, table

from bot.db import Following, PendingNotification, PlatformMessage, Rating, Submission, engine_for
from bot.settings import Settings

DEDUPE_DAYS = 7

_events = table("events", column("sender_id"), column("timestamp"), column("type_name"))


def purge(settings: Settings, days: Optional[int] = None, now: Optional[datetime] = None) -> List[str]:
    """Delete everything older than `days` (default: settings.retention_days); one line of counts per store."""
    days = settings.retention_days if days is None else days
    if days < 1:
        raise ValueError("the retention period is at least one day")
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=days)
    return [
        purge_conversations(settings.tracker_store_url, cutoff),
        purge_channel_store(settings.database_url, cutoff, now - timedelta(days=min(days, DEDUPE_DAYS))),
        "dispatch backend: untouched (tickets are the city's case records, kept under its records rules)",
    ]


def purge_conversations(tracker_store_url: str, cutoff: datetime) -> str:
    engine = engine_for(tracker_store_url)
    if not inspect(engine).has_table("events"):
        return "conversations: no tracker store yet"
    limit = cutoff.timestamp()
    other = _events.alias("other")
    idle = (
        select(_events.c.sender_id).group_by(_events.c.sender_id).having(func.max(_events.c.timestamp) < limit)
    )
    latest_session_start = (
        select(func.max(other.c.timestamp))
        .where(other.c.sender_id == _events.c.sender_id, other.c.type_name == "session_started")
        .scalar_subquery()
    )
    with engine.begin() as connection:
        senders = connection.execute(select(func.count()).select_from(idle.subquery())).scalar_one()
        result = connection.execute(
            delete(_events).where(
                _events.c.timestamp < limit,
                or_(_events.c.sender_id.in_(idle), _events.c.timestamp < latest_session_start),
            )
        )
    return f"conversations: {senders} deleted whole, {result.rowcount} events deleted (older than {cutoff:%Y-%m-%d})"


def purge_channel_store(database_url: str, cutoff: datetime, dedupe_cutoff: datetime) -> str:
    engine = engine_for(database_url)
    if not inspect(engine).has_table("submissions"):
        return "channel store: empty"
    with engine.begin() as connection:
        submissions = connection.execute(
            delete(Submission).where(Submission.created_at < cutoff, Submission.state != "pending")
        ).rowcount
        kept = connection.execute(
            select(func.count()).select_from(Submission).where(Submission.created_at < cutoff, Submission.state == "pending")
        ).scalar_one()
        notifications = connection.execute(delete(PendingNotification).where(PendingNotification.created_at < cutoff)).rowcount
        ratings = connection.execute(
            delete(Rating).where(Rating.created_at < cutoff, Rating.state != "pending")
        ).rowcount
        followings = connection.execute(
            delete(Following).where(Following.created_at < cutoff, Following.state != "pending")
        ).rowcount
        dedupe = connection.execute(delete(PlatformMessage).where(PlatformMessage.created_at < dedupe_cutoff)).rowcount
    return (
        f"channel store: {submissions} submissions, {notifications} pending notifications, {ratings} ratings, "
        f"{dedupe} platform dedupe rows, {followings} followings deleted; {kept} old submissions kept because still undelivered"
    )
