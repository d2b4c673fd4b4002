"""Rasa's SQL tracker store with every event's data encrypted: what a citizen said stays in the database only sealed.

The clear columns (sender_id, type_name, timestamp, intent_name, action_name) are what Rasa
queries by and what `bot.retention` deletes by; they hold no words of the citizen. The
`data` column (the text, the entities, the slots: names, phones, addresses) is a Fernet token
under CHANNEL_DATA_KEY.
"""
import itertools
import json
import logging
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any, List, NamedTuple, Optional, Set, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from bot import action_retry, files, rasa_speedups
from bot.crypto import Vault

logger = logging.getLogger(__name__)

# Conversations whose latest session is kept in memory (about 80 KB each after a filing conversation).
CACHED_CONVERSATIONS = 512


class SealError(RuntimeError):
    """Stored events that this key cannot open (a wrong CHANNEL_DATA_KEY, or damaged rows).

    Not a ValueError: Rasa's `session_scope` takes any ValueError for a missing PostgreSQL
    schema and exits the whole server.
    """


class _Row(NamedTuple):
    id: int
    type_name: Text
    timestamp: Optional[float]
    text: Text  # the event's JSON, opened


class SealedSQLTrackerStore(SQLTrackerStore):
    """`type: bot.tracker_store.SealedSQLTrackerStore`, `url:` a SQLAlchemy URL (sqlite or postgresql).

    Rasa's own store reads a conversation's whole latest session and counts its rows on every turn.
    This one keeps the latest session of recent conversations in memory, opened, and asks the database
    only what changed since: rows after the last one it knows, or whether that last one is still the
    newest. Another server (replicas share the database) or `bot.cli purge` changing a conversation
    is seen at the next turn, which then reads it again whole.
    """

    def __init__(self, domain=None, host: Optional[Text] = None, key: Optional[Text] = None, event_broker=None, **kwargs: Any):
        url = host or os.environ.get("TRACKER_STORE_URL")
        if not url or "://" not in url:
            raise ValueError("the tracker store needs a SQLAlchemy URL (TRACKER_STORE_URL)")
        self.vault = Vault(key or os.environ.get("CHANNEL_DATA_KEY", ""))
        self._sessions: "OrderedDict[Text, List[_Row]]" = OrderedDict()
        self._just_read: Set[Text] = set()  # conversations read from the database by this turn
        rasa_speedups.install()  # every Rasa server of ours makes this store
        action_retry.install()
        if url.startswith("sqlite:///"):
            files.secure_dir(Path(url[len("sqlite:///"):]).parent)
        # A URL in `host` is taken whole by Rasa's get_db_url, for sqlite as for postgresql.
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens and closes a SQLite file for every session (NullPool): keep connections.
            self.engine.dispose()
            self.engine = sa.create_engine(self.engine.url, poolclass=QueuePool, connect_args={"check_same_thread": False})
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
            # As the channel store: WAL and a busy timeout, so `bot.cli purge` running beside the
            # server makes it wait instead of failing a save (Rasa would then keep that turn in memory).
            event.listen(self.engine, "connect", _sqlite_settings)
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        if fetch_events_from_all_sessions:
            with self.session_scope() as session:
                rows = self._opened(self._event_query(session, sender_id, fetch_events_from_all_sessions=True))
        else:
            rows = self._latest_session(sender_id)
        if self.domain and rows:
            return DialogueStateTracker.from_dict(sender_id, [json.loads(row.text) for row in rows], self.domain.slots)
        return None

    def _latest_session(self, sender_id: Text) -> List[_Row]:
        known = self._sessions.get(sender_id)
        with self.session_scope() as session:
            if known:
                since = self._opened(self._event_query_after(session, sender_id, known[-1].id))
                if since and since[0].id == known[-1].id:
                    rows = _from_latest_session_start(known + since[1:])
                else:
                    known = None  # the last row known is gone: purged, so read what is left
            if not known:
                rows = self._opened(self._event_query(session, sender_id, fetch_events_from_all_sessions=False))
        self._remember(sender_id, rows)
        self._just_read.add(sender_id)
        return rows

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            stored = self._known_and_current(session, sender_id)
            if stored is None:
                count = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
                stored = [] if count == 0 else None
            else:
                count = len(stored)
            rows = []
            # Core inserts, one statement each (its id comes back): the ORM's unit of work around the same
            # inserts was a tenth of the Rasa server's CPU per turn.
            insert = self.SQLEvent.__table__.insert()
            for event in itertools.islice(tracker.events, count, None):
                data = event.as_dict()
                text = json.dumps(data)
                done = session.execute(
                    insert,
                    dict(
                        sender_id=sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=self.vault.encrypt(text),
                    ),
                )
                rows.append(_Row(done.inserted_primary_key[0], event.type_name, data.get("timestamp"), text))
            session.commit()
        if stored is None:
            self._sessions.pop(sender_id, None)  # stored rows not known: the next turn reads them
        else:
            self._remember(sender_id, _from_latest_session_start(stored + rows))

    def _known_and_current(self, session: Any, sender_id: Text) -> Optional[List[_Row]]:
        """The rows kept for this conversation, if the last of them is still its newest in the database.

        A turn reads its conversation, then saves it, holding the conversation's lock throughout: rows read
        by that turn are current without asking again (Rasa's own store relies on the lock as much)."""
        known = self._sessions.get(sender_id)
        if sender_id in self._just_read:
            self._just_read.discard(sender_id)
            return known
        if not known:
            return None
        newest = session.query(sa.func.max(self.SQLEvent.id)).filter(self.SQLEvent.sender_id == sender_id).scalar()
        return known if newest == known[-1].id else None

    def _event_query_after(self, session: Any, sender_id: Text, row_id: int) -> Any:
        """The conversation's rows from `row_id` on, that row included."""
        return (
            session.query(self.SQLEvent)
            .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id >= row_id)
            .order_by(self.SQLEvent.id)
        )

    def _opened(self, query: Any) -> List[_Row]:
        columns = query.with_entities(self.SQLEvent.id, self.SQLEvent.type_name, self.SQLEvent.timestamp, self.SQLEvent.data)
        try:
            return [_Row(i, type_name, timestamp, self.vault.decrypt(data)) for i, type_name, timestamp, data in columns.all()]
        except ValueError as exc:
            raise SealError(f"cannot open the stored events of a conversation: {exc}") from None

    def _remember(self, sender_id: Text, rows: List[_Row]) -> None:
        if not rows:
            self._sessions.pop(sender_id, None)
            return
        self._sessions[sender_id] = rows
        self._sessions.move_to_end(sender_id)
        while len(self._sessions) > CACHED_CONVERSATIONS:
            self._just_read.discard(self._sessions.popitem(last=False)[0])


def _from_latest_session_start(rows: List[_Row]) -> List[_Row]:
    """What Rasa's query of the latest session returns: the rows at or after the newest session start."""
    starts = [row.timestamp for row in rows if row.type_name == SessionStarted.type_name and row.timestamp is not None]
    if not starts:
        return rows
    start = max(starts)
    return [row for row in rows if row.timestamp is not None and row.timestamp >= start]


def _sqlite_settings(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    # In WAL mode NORMAL writes a commit to the log without waiting for the disk: a killed process loses
    # nothing, a power cut may lose the last turns. An fsync per turn blocked the whole server's event loop.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
