"""`bot.cli purge`: what the channel store keeps about citizens goes after the retention period, undelivered tickets stay."""
import os
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import cli
from bot.db import PendingNotification, PlatformMessage, Rating, Submission, engine_for, migrate
from bot.retention import purge
from bot.settings import Settings

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'channel.db'}"
    migrate(url)
    return Settings(database_url=url, tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}")


def submission(n, state, age_days):
    return Submission(
        idempotency_key=f"k{n}", reference=f"BJ20260101-Q{n:04d}", sender_id=f"rest:c{n}", payload="{}",
        state=state, created_at=NOW - timedelta(days=age_days),
    )


def count(session, model):
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_old_personal_data_goes_and_undelivered_tickets_stay(settings):
    with Session(engine_for(settings.database_url), future=True) as s, s.begin():
        s.add_all([
            submission(1, "delivered", 100), submission(2, "rejected", 91), submission(3, "pending", 120),
            submission(4, "delivered", 10),
            PendingNotification(sender_id="web:a", ticket_id="BJ1", status="resolved", created_at=NOW - timedelta(days=95)),
            PendingNotification(sender_id="web:b", ticket_id="BJ2", status="resolved", created_at=NOW - timedelta(days=5)),
            PlatformMessage(platform="wechat", message_id="1", created_at=NOW - timedelta(days=8)),
            PlatformMessage(platform="wechat", message_id="2", created_at=NOW - timedelta(hours=3)),
            Rating(idempotency_key="r1", ticket_id="BJ1", sender_id="rest:a", rating="satisfied", state="delivered",
                   attempts=1, created_at=NOW - timedelta(days=95), delivered_at=NOW - timedelta(days=95)),
            Rating(idempotency_key="r3", ticket_id="BJ3", sender_id="rest:c", rating="satisfied", state="pending",
                   attempts=1, created_at=NOW - timedelta(days=95)),
        ])
    lines = purge(settings, days=90, now=NOW)
    assert lines[0] == "conversations: no tracker store yet"
    assert lines[1].startswith("channel store: 2 submissions, 1 pending notifications, 1 ratings, 1 platform dedupe rows, 0 followings deleted")
    assert lines[1].endswith("1 old submissions kept because still undelivered")
    assert "dispatch backend: untouched" in lines[2]
    with Session(engine_for(settings.database_url), future=True) as s:
        assert sorted(s.execute(select(Submission.reference)).scalars()) == ["BJ20260101-Q0003", "BJ20260101-Q0004"]
        assert count(s, PendingNotification) == 1 and count(s, PlatformMessage) == 1 and count(s, Rating) == 1


def test_purge_refuses_a_retention_of_zero_days(settings):
    with pytest.raises(ValueError):
        purge(settings, days=0)


def test_the_purge_command_reads_retention_days(settings, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRACKER_STORE_URL", settings.tracker_store_url)
    monkeypatch.setenv("RETENTION_DAYS", "30")
    umask = os.umask(0o022)
    try:
        assert cli.main(["purge"]) == 0
    finally:
        os.umask(umask)  # the command makes its process's files private; give pytest its own back
    out = capsys.readouterr().out
    assert "channel store: 0 submissions" in out and "dispatch backend: untouched" in out
