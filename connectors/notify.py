"""Status news from the dispatch backend: a signed webhook that makes Rasa tell the citizen who filed the ticket
and every citizen who joined it, each on their own channel."""
import asyncio
import hashlib
import json
import logging
import re
import time
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import PendingNotification, PlatformMessage, engine_for, migrate, utcnow
from bot.settings import Settings
from bot.signing import verify
from bot.vocabulary import STATUSES
from connectors.common import claim, clean, limit_requests
from connectors.portal.channel import WebChatInput, web_channel

logger = logging.getLogger(__name__)

INTENT = "EXTERNAL_ticket_update"
TICKET_ID = re.compile(r"[A-Z0-9][A-Z0-9\-]{0,63}")
MAX_NOTE = 2000


@lru_cache(maxsize=1)
def _outbox() -> Any:
    from bot.dispatch import Outbox

    return Outbox.from_settings(Settings.load())


def conversations_of(ticket_id: Text) -> List[Any]:
    """The conversations (sender_id, channel, language) that filed or joined the ticket, from the outbox."""
    return _outbox().conversations_of(ticket_id)


def record_merge(merged_id: Text, into_id: Text) -> int:
    return _outbox().record_merge(merged_id, into_id)


class NotifyInput(InputChannel):
    """POST /webhooks/notify/webhook: the backend's signed status_changed event."""

    @classmethod
    def name(cls) -> Text:
        return "notify"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls((credentials or {}).get("secret", ""))

    def __init__(
        self,
        secret: Text,
        find: Callable[[Text], List[Any]] = conversations_of,
        merge: Callable[[Text, Text], int] = record_merge,
    ) -> None:
        self.secret = secret or ""
        self.find = find
        self.merge = merge
        self.settings = Settings.load()
        self._migrated = False

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("notify_webhook", __name__)
        limit_requests(bp)

        @bp.listener("after_server_start")
        async def hook_web_visits(app: Any, _loop: Any) -> None:
            web = web_channel(getattr(app.ctx, "input_channels", None) or [])
            if web is not None:
                web.on_visit = lambda conversation: self.deliver_stored(app, web, conversation)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> Any:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Any:
            body = request.body or b""
            if not verify(
                self.secret,
                request.headers.get("X-12345-Timestamp", ""),
                body,
                request.headers.get("X-12345-Signature", ""),
            ):
                return response.json({"error": "forbidden"}, status=403)
            try:
                event = json.loads(body)
                ticket_id = str(event["service_request_id"]).strip().upper()
                status = "" if event.get("event") == "merged" else str(event["status"])  # a merge has none
            except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
                return response.json({"error": "bad event"}, status=400)
            if not TICKET_ID.fullmatch(ticket_id):
                return response.json({"error": "bad service_request_id"}, status=400)
            if event.get("event") == "merged":
                into = str(event.get("merged_into") or "").strip().upper()
                if not TICKET_ID.fullmatch(into):
                    return response.json({"error": "bad merged_into"}, status=400)
                added = await request.app.loop.run_in_executor(None, self.merge, ticket_id, into)
                return response.json({"followers_added": added})
            if event.get("event", "status_changed") != "status_changed" or status not in STATUSES:
                return response.json({"ignored": True})
            note = clean(event.get("note"))[:MAX_NOTE]  # shown to the citizen and stored: cleaned like their own text
            conversations = await request.app.loop.run_in_executor(None, self.find, ticket_id)
            if not conversations:
                return response.json({"delivered": False, "reason": "not filed through this channel"})
            # Side by side (each conversation has its own lock): the backend's webhook waits 5 s, not per follower.
            updated = event.get("updated_datetime")
            told = await asyncio.gather(*(
                self.tell(request.app, c.sender_id, ticket_id, status, note, _event_id(c.sender_id, ticket_id, status, updated, note))
                for c in conversations
            ))
            return response.json({"delivered": all(told)})

        return bp

    async def tell(
        self, app: Any, sender_id: Text, ticket_id: Text, status: Text, note: Text, event_id: Optional[Text] = None
    ) -> bool:
        """Trigger the news on the conversation's latest channel; a web visitor away gets it at the next visit.

        The backend retries an event it got no 2xx for; a replica that died after telling the citizen
        would have it told twice. Under the conversation's lock (Redis with replicas) the event is
        looked up first and recorded after: a retry, on any replica, finds it told."""
        agent = app.ctx.agent
        channels: List[InputChannel] = getattr(app.ctx, "input_channels", None) or []
        async with agent.lock_store.lock(sender_id):
            if event_id and await app.loop.run_in_executor(None, self._seen, event_id):
                return True
            tracker = await agent.processor.fetch_tracker_and_update_session(sender_id)
            latest = tracker.get_latest_input_channel()
            web = web_channel(channels)
            if web is not None and latest == web.name() and not await web.is_connected(sender_id):
                await app.loop.run_in_executor(None, self._store, sender_id, ticket_id, status, note)
                delivered = False
            else:
                output = self._output_channel(channels, latest)
                await agent.trigger_intent(INTENT, _entities(ticket_id, status, note), output, tracker)
                delivered = not isinstance(output, CollectingOutputChannel)
            if event_id:  # told (or stored for the next visit): a retry of this event changes nothing
                await app.loop.run_in_executor(None, self._record, event_id)
        return delivered

    async def deliver_stored(self, app: Any, web: WebChatInput, conversation: Text) -> None:
        agent = app.ctx.agent
        # Read under the conversation's lock: two tabs of one visitor on two replicas take turns, so
        # the second finds the news marked delivered by the first.
        async with agent.lock_store.lock(conversation):
            waiting = await app.loop.run_in_executor(None, self._waiting, conversation)
            for item in waiting:
                tracker = await agent.processor.fetch_tracker_and_update_session(conversation)
                await agent.trigger_intent(
                    INTENT, _entities(item.ticket_id, item.status, item.note or ""), web.get_output_channel(), tracker
                )
                await app.loop.run_in_executor(None, self._mark_delivered, item.id)

    @staticmethod
    def _output_channel(channels: List[InputChannel], name: Optional[Text]) -> OutputChannel:
        for channel in channels:
            if channel.name() == name:
                output = channel.get_output_channel()
                if output is not None:
                    return output
        logger.warning("No output channel for %s: the news stays in the conversation only.", name)
        return CollectingOutputChannel()

    def _engine(self) -> Any:
        if not self._migrated:
            migrate(self.settings.database_url)
            self._migrated = True
        return engine_for(self.settings.database_url)

    def _seen(self, event_id: Text) -> bool:
        with Session(self._engine(), future=True) as s:
            query = select(PlatformMessage.id).where(
                PlatformMessage.platform == self.name(), PlatformMessage.message_id == event_id
            )
            return s.execute(query).first() is not None

    def _record(self, event_id: Text) -> None:
        claim(self._engine(), self.name(), event_id)

    def _store(self, sender_id: Text, ticket_id: Text, status: Text, note: Text) -> None:
        with Session(self._engine(), future=True) as s, s.begin():
            s.add(PendingNotification(sender_id=sender_id, ticket_id=ticket_id, status=status, note=note))

    def _waiting(self, sender_id: Text) -> List[PendingNotification]:
        with Session(self._engine(), future=True, expire_on_commit=False) as s:
            query = (
                select(PendingNotification)
                .where(PendingNotification.sender_id == sender_id, PendingNotification.delivered_at.is_(None))
                .order_by(PendingNotification.id)
            )
            return list(s.execute(query).scalars())

    def _mark_delivered(self, item_id: int) -> None:
        with Session(self._engine(), future=True) as s, s.begin():
            item = s.get(PendingNotification, item_id)
            if item is not None:
                item.delivered_at = utcnow()


def _event_id(sender_id: Text, ticket_id: Text, status: Text, updated: Any, note: Text) -> Text:
    """One status change of one ticket told to one conversation (the backend's retries carry the same fields)."""
    raw = "\x1f".join((sender_id, ticket_id, status, str(updated or ""), note))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _entities(ticket_id: Text, status: Text, note: Text) -> List[Dict[Text, Any]]:
    return [
        {"entity": "ticket_id", "value": ticket_id},
        {"entity": "status", "value": status},
        {"entity": "note", "value": note},
    ]
