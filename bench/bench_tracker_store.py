"""What sealing the tracker store costs: one turn's save and load, Rasa's SQLTrackerStore against ours, on SQLite."""
import asyncio
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bench.common import percentiles
from bot.settings import ROOT
from bot.tracker_store import SealedSQLTrackerStore

CONVERSATIONS = 200
TURNS = 8  # a filing: description, name, phone, confirmation, and some repair


def _turn(tracker, i):
    at = time.time()
    for event in (
        UserUttered(f"电话是1390000{i:04d},地址朝阳区望京西园三区{i}号楼", intent={"name": "inform", "confidence": 0.9}, timestamp=at),
        SlotSet("phone", f"1390000{i:04d}", timestamp=at),
        SlotSet("requested_slot", "confirmed", timestamp=at),
        ActionExecuted("intake_form", timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
    ):
        tracker.update(event)


def _measure(store):
    saves, loads = [], []
    for c in range(CONVERSATIONS):
        tracker = DialogueStateTracker.from_events(
            f"rest:b{c}", [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        )
        for i in range(TURNS):
            _turn(tracker, i)
            started = time.perf_counter()
            asyncio.run(store.save(tracker))
            saves.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            asyncio.run(store.retrieve(tracker.sender_id))
            loads.append((time.perf_counter() - started) * 1000)
    return {"save": percentiles(saves), "load": percentiles(loads)}


def run() -> dict:
    domain = Domain.load(str(ROOT / "domain.yml"))
    with tempfile.TemporaryDirectory() as tmp:
        plain = SQLTrackerStore(domain, dialect="sqlite", db=str(Path(tmp) / "plain.db"))
        sealed = SealedSQLTrackerStore(domain, host=f"sqlite:///{Path(tmp) / 'sealed.db'}", key=Fernet.generate_key().decode())
        return {
            "events_per_conversation_at_the_end": 3 + 5 * TURNS,
            "rasa_sql_tracker_store_ms": _measure(plain),
            "sealed_sql_tracker_store_ms": _measure(sealed),
            "bytes_per_event": {"plain": _size(plain), "sealed": _size(sealed)},
        }


def _size(store):
    with store.engine.connect() as c:
        total, count = c.exec_driver_sql("SELECT sum(length(data)), count(*) FROM events").one()
    return round(total / count)
