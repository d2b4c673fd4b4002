"""The sealed SQL tracker store, in this process, on SQLite and on a PostgreSQL database of its own."""
import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.retention import purge_conversations
from bot.settings import ROOT
from bot.tracker_store import SealError, SealedSQLTrackerStore

ADMIN = "postgresql://postgres@127.0.0.1/postgres"
PHONE = "13900002222"


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
        return
    name = f"tracker_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"postgresql://postgres@127.0.0.1/{name}"
    with admin.connect() as c:
        c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def conversation(sender, at):
    events = [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
        UserUttered(f"我叫张三 电话{PHONE}", intent={"name": "inform", "confidence": 1.0}, timestamp=at + 1),
        SlotSet("phone", PHONE, timestamp=at + 2),
        SlotSet("contact_name", "张三", timestamp=at + 2),
    ]
    return DialogueStateTracker.from_events(sender, events)


def rows(store):
    with store.engine.connect() as c:
        return c.execute(text("SELECT sender_id, type_name, data FROM events")).all()


def test_a_conversation_comes_back_whole_from_a_new_store(url, domain):
    key = Fernet.generate_key().decode()
    asyncio.run(SealedSQLTrackerStore(domain, host=url, key=key).save(conversation("rest:c1", 1_700_000_000.0)))
    again = asyncio.run(SealedSQLTrackerStore(domain, host=url, key=key).retrieve("rest:c1"))
    assert again.get_slot("phone") == PHONE and again.get_slot("contact_name") == "张三"
    assert again.latest_message.text == f"我叫张三 电话{PHONE}"


def test_what_the_citizen_said_is_stored_only_sealed(url, domain):
    store = SealedSQLTrackerStore(domain, host=url, key=Fernet.generate_key().decode())
    asyncio.run(store.save(conversation("rest:c2", 1_700_000_000.0)))
    stored = rows(store)
    assert len(stored) == 6
    assert all(r.data.startswith("gAAAAA") for r in stored)  # Fernet tokens
    assert not any(PHONE in r.data or "张三" in r.data for r in stored)


def test_a_wrong_key_cannot_read_the_conversations(url, domain):
    asyncio.run(SealedSQLTrackerStore(domain, host=url, key=Fernet.generate_key().decode()).save(conversation("rest:c3", 1.0)))
    with pytest.raises(SealError):  # never a ValueError: Rasa exits the server on one inside its session scope
        asyncio.run(SealedSQLTrackerStore(domain, host=url, key=Fernet.generate_key().decode()).retrieve("rest:c3"))


def test_purge_deletes_old_conversations_and_old_sessions_but_never_the_current_one(url, domain):
    store = SealedSQLTrackerStore(domain, host=url, key=Fernet.generate_key().decode())
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    old, recent = (now - timedelta(days=100)).timestamp(), (now - timedelta(days=1)).timestamp()
    asyncio.run(store.save(conversation("rest:old", old)))
    asyncio.run(store.save(conversation("rest:recent", recent)))
    # A conversation begun long ago and still in use: its first session is old, its current one is not.
    returning = conversation("rest:returning", old)
    for event in conversation("rest:returning", recent).events:
        returning.update(event)
    asyncio.run(store.save(returning))

    report = purge_conversations(url, now - timedelta(days=90))
    assert "1 deleted whole" in report and "12 events" in report
    senders = [r.sender_id for r in rows(store)]
    assert "rest:old" not in senders
    assert senders.count("rest:recent") == 6 and senders.count("rest:returning") == 6
    assert asyncio.run(store.retrieve("rest:returning")).get_slot("phone") == PHONE


def _events(tracker):
    return [e.as_dict() for e in tracker.events] if tracker is not None else None


def test_two_servers_on_one_database_each_see_the_others_turns(url, domain):
    """Replicas share the database; each keeps recent sessions in memory and must still read the other's writes."""
    key = Fernet.generate_key().decode()
    first, second = SealedSQLTrackerStore(domain, host=url, key=key), SealedSQLTrackerStore(domain, host=url, key=key)
    asyncio.run(first.save(conversation("rest:r1", 1_700_000_000.0)))
    tracker = asyncio.run(second.retrieve("rest:r1"))
    tracker.update(SlotSet("address", "朝阳区望京西园三区5号楼", timestamp=1_700_000_010.0))
    asyncio.run(second.save(tracker))
    again = asyncio.run(first.retrieve("rest:r1"))  # first still holds the session without the address
    assert again.get_slot("address") == "朝阳区望京西园三区5号楼"
    again.update(SlotSet("contact_name", "李四", timestamp=1_700_000_020.0))
    asyncio.run(first.save(again))
    fresh = SealedSQLTrackerStore(domain, host=url, key=key)
    assert _events(asyncio.run(second.retrieve("rest:r1"))) == _events(asyncio.run(fresh.retrieve("rest:r1")))
    assert len(rows(fresh)) == 8  # each event stored once


def test_a_new_session_is_read_as_rasa_reads_it(url, domain):
    key = Fernet.generate_key().decode()
    store = SealedSQLTrackerStore(domain, host=url, key=key)
    tracker = conversation("rest:s1", 1_700_000_000.0)
    asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve("rest:s1"))
    for event in conversation("rest:s1", 1_700_100_000.0).events:  # the session expired: a new one starts
        tracker.update(event)
    asyncio.run(store.save(tracker))
    kept = _events(asyncio.run(store.retrieve("rest:s1")))
    assert kept == _events(asyncio.run(SealedSQLTrackerStore(domain, host=url, key=key).retrieve("rest:s1")))
    assert len(kept) == 6 and all(e["timestamp"] >= 1_700_100_000.0 for e in kept)  # the new session only


def test_a_purged_conversation_is_not_served_from_memory(url, domain):
    store = SealedSQLTrackerStore(domain, host=url, key=Fernet.generate_key().decode())
    asyncio.run(store.save(conversation("rest:p1", 1_000_000.0)))
    assert asyncio.run(store.retrieve("rest:p1")) is not None
    purge_conversations(url, datetime(2026, 12, 1, tzinfo=timezone.utc))
    assert asyncio.run(store.retrieve("rest:p1")) is None
