"""Rasa's SQL tracker store with every event's data encrypted: what a citizen said stays in the database only sealed.

The clear columns (sender_id, type_name, timestamp, intent_name, action_name) are what Rasa
queries by and what `bot.retention` deletes by; they hold no words of the citizen. The
`data` column (the text, the entities, the slots: names, phones, addresses) is a Fernet token
under CHANNEL_DATA_KEY.
"""
import json
import logging
import os
from pathlib import Path
from typing import Any, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event

from bot import files, rasa_speedups
from bot.crypto import Vault

logger = logging.getLogger(__name__)


class SealError(RuntimeError):
    """Stored events that this key cannot open (a wrong CHANNEL_DATA_KEY, or damaged rows).

    Not a ValueError: Rasa's `session_scope` takes any ValueError for a missing PostgreSQL
    schema and exits the whole server.
    """


class SealedSQLTrackerStore(SQLTrackerStore):
    """`type: bot.tracker_store.SealedSQLTrackerStore`, `url:` a SQLAlchemy URL (sqlite or postgresql)."""

    def __init__(self, domain=None, host: Optional[Text] = None, key: Optional[Text] = None, event_broker=None, **kwargs: Any):
        url = host or os.environ.get("TRACKER_STORE_URL")
        if not url or "://" not in url:
            raise ValueError("the tracker store needs a SQLAlchemy URL (TRACKER_STORE_URL)")
        self.vault = Vault(key or os.environ.get("CHANNEL_DATA_KEY", ""))
        rasa_speedups.install()  # every Rasa server of ours makes this store
        if url.startswith("sqlite:///"):
            files.secure_dir(Path(url[len("sqlite:///"):]).parent)
        # A URL in `host` is taken whole by Rasa's get_db_url, for sqlite as for postgresql.
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # As the channel store: WAL and a busy timeout, so `bot.cli purge` running beside the
            # server makes it wait instead of failing a save (Rasa would then keep that turn in memory).
            event.listen(self.engine, "connect", _busy_timeout)
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions)
            sealed = [row.data for row in query.all()]
        try:
            events = [json.loads(self.vault.decrypt(data)) for data in sealed]
        except ValueError as exc:
            raise SealError(f"cannot open the stored events of a conversation: {exc}") from None
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=self.vault.encrypt(json.dumps(data)),
                    )
                )
            session.commit()


def _busy_timeout(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
