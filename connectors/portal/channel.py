"""The city-portal widget's channel: Rasa's Socket.IO channel with the page's metadata and news kept for absent visitors."""
import asyncio
import json
import logging
import os
import re
import time
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncRedisManager, AsyncServer

from bot import media
from bot.settings import Settings
from bot.vocabulary import LANGUAGES
from connectors.common import (
    MAX_BODY, PHOTO_ONLY, conversation_id, keep_photo, limit_requests, platform_id, take_turn,
)

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"[0-9a-f]{32}")
# One photo and the form around it; the rest of the Rasa server keeps MAX_BODY.
MAX_UPLOAD = media.MAX_BYTES + 64 * 1024
UPLOAD_STATUS = {"too_big": 413, "not_image": 415, "damaged": 422, "too_many_pixels": 422, "unavailable": 503}


class Presence:
    """Which web sessions have a visitor connected, seen from every Rasa replica (REDIS_URL set).

    One sorted set per session in Redis: socket id -> expiry. Each replica refreshes its own sockets
    every REFRESH seconds, so a replica that dies leaves its visitors "present" for at most TTL
    seconds (they reconnect to another replica well within that, and rejoin the room there).
    """

    TTL = 15.0
    REFRESH = 5.0

    def __init__(self, url: Text, prefix: Text) -> None:
        from redis import asyncio as aioredis

        self.redis = aioredis.Redis.from_url(url, socket_timeout=5)
        self.prefix = f"{prefix}:web:"
        self._refresher: Optional[asyncio.Task] = None

    async def join(self, session_id: Text, sid: Text) -> None:
        await self._add({sid: self._expiry()}, session_id)

    async def leave(self, session_id: Text, sid: Text) -> None:
        await self.redis.zrem(self.prefix + session_id, sid)

    async def present(self, session_id: Text) -> bool:
        return await self.redis.zcount(self.prefix + session_id, time.time(), "+inf") > 0

    def keep_fresh(self, visitors: Dict[Text, Set[Text]]) -> None:
        if self._refresher is None or self._refresher.done():
            self._refresher = asyncio.ensure_future(self._refresh(visitors))

    async def _refresh(self, visitors: Dict[Text, Set[Text]]) -> None:
        while True:
            await asyncio.sleep(self.REFRESH)
            for session_id, sids in list(visitors.items()):
                try:
                    await self._add({sid: self._expiry() for sid in sids}, session_id)
                except Exception:  # Redis away for a moment: the next round tries again
                    logger.warning("Could not refresh the web visitors' presence in Redis.")

    async def _add(self, members: Dict[Text, float], session_id: Text) -> None:
        if not members:
            return
        key = self.prefix + session_id
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, members)
            pipe.zremrangebyscore(key, "-inf", time.time())
            pipe.expire(key, int(self.TTL * 2))
            await pipe.execute()

    def _expiry(self) -> float:
        return time.time() + self.TTL


def shared_state() -> Optional[Dict[Text, Text]]:
    """With REDIS_URL (replicas), the Socket.IO message queue and the presence live in Redis."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    return {"url": url, "prefix": os.environ.get("LOCK_STORE_PREFIX") or "chat12345"}


class WebOutput(SocketIOOutput):
    """Emits to the Socket.IO room of the session inside the conversation id `socketio:<session id>`."""

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        await super()._send_message(platform_id(WebChatInput.name(), socket_id), response)


class WebChatInput(SocketIOInput):
    """rasa-webchat on Socket.IO; the session id (kept by the browser) names the conversation, `socketio:<id>`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # session id -> socket ids connected to it now; news for an empty session waits in the store.
        self.visitors: Dict[Text, Set[Text]] = {}
        # Set by the notify channel: delivers the news stored for a session (a coroutine taking its conversation id).
        self.on_visit: Optional[Callable[[Text], Awaitable[None]]] = None
        self.media = media.MediaStore.from_settings(Settings.load())
        shared = shared_state()
        self.presence = Presence(shared["url"], shared["prefix"]) if shared else None
        self.manager = AsyncRedisManager(shared["url"], channel=f"{shared['prefix']}:socketio") if shared else None

    async def is_connected(self, conversation: Text) -> bool:
        """A visitor of this session is connected, to this replica or (with Redis) to any other."""
        session_id = platform_id(self.name(), conversation)
        if self.visitors.get(session_id):
            return True
        return self.presence is not None and await self.presence.present(session_id)

    def get_output_channel(self) -> Optional[WebOutput]:
        return WebOutput(self.sio, self.bot_message_evt) if self.sio is not None else None

    def get_metadata(self, request: Any) -> Optional[Dict[Text, Any]]:
        """The page's customData (rasa-webchat) or metadata, keeping only what the bot reads."""
        data = request if isinstance(request, dict) else {}
        raw = data.get(self.metadata_key) or data.get("customData") or {}
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raw = {}
        if not isinstance(raw, dict):
            return {}
        metadata = {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, (str, int, float, bool))}
        if metadata.get("language") not in LANGUAGES:
            metadata.pop("language", None)
        metadata.pop("photos", None)  # only the upload endpoint attaches photos (sealed ones, at that)
        return metadata

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # A Socket.IO packet is capped like an HTTP body (python-engineio allows 1 MB by default).
        # With replicas, an emit to a session's room goes through Redis to whichever replica holds its socket.
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=[], max_http_buffer_size=MAX_BODY, client_manager=self.manager
        )
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        limit_requests(bp)
        self.sio = sio

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> Any:
            return response.json({"status": "ok"})

        @bp.route("/photo", methods=["POST"], stream=True)
        async def photo(request: Request) -> Any:
            """The widget's upload button: one photo for a session with a socket connected now (its visitor)."""
            # Sanic lifts the server's body cap for a streamed route: this one has its own, checked as it streams.
            request.stream.request_max_size = MAX_UPLOAD
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > MAX_UPLOAD):
                return _refused("too_big", "zh")  # unread
            body = bytearray()
            try:
                async for chunk in request.stream:
                    body += chunk
            except Exception:  # noqa: BLE001 - PayloadTooLarge while streaming a chunked body
                return _refused("too_big", "zh")
            request.body = bytes(body)
            form = request.form or {}
            lang = form.get("language") if form.get("language") in LANGUAGES else "zh"
            session_id = form.get("session_id") or ""
            if not SESSION_ID.fullmatch(session_id) or not self.visitors.get(session_id):
                # The session id is the conversation's credential, as on the socket; and it must be live.
                return response.json({"error": "no_session"}, status=403)
            upload = (request.files or {}).get("photo")
            if upload is None:
                return response.json({"error": "no_photo"}, status=400)
            conversation = conversation_id(self.name(), session_id)
            output = WebOutput(sio, self.bot_message_evt)
            try:
                entry = await keep_photo(self.media, conversation, upload.body)
            except media.Refused as refused:
                await output.send_text_message(conversation, media.refusal(refused.reason, lang))
                return _refused(refused.reason, lang)
            message = UserMessage(
                PHOTO_ONLY, output, conversation, input_channel=self.name(),
                metadata={"language": lang, "photos": [entry]},
            )
            await take_turn(on_new_message, message, trusted=True)  # the channel wrote this text, not the visitor
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text) -> None:
            for session_id, sids in list(self.visitors.items()):
                if sid not in sids:
                    continue
                sids.discard(sid)
                if not sids:
                    self.visitors.pop(session_id, None)
                if self.presence is not None:
                    await self.presence.leave(session_id, sid)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
                # Only ids this server makes: a visitor cannot name a Telegram chat or a REST sender.
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                # python-socketio 5.9: enter_room is synchronous (5.10 made it a coroutine).
                sio.enter_room(sid, session_id, namespace=self.namespace)
            self.visitors.setdefault(session_id, set()).add(sid)
            if self.presence is not None:
                await self.presence.join(session_id, sid)
                self.presence.keep_fresh(self.visitors)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            if self.session_persistence and self.on_visit is not None:
                try:
                    await self.on_visit(conversation_id(self.name(), session_id))
                except Exception:  # a failed delivery stays stored for the next visit
                    logger.exception("Could not deliver stored news to a web visitor.")

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not isinstance(sender_id, str) or sid not in self.visitors.get(sender_id, ()):
                    logger.warning("Web message for a session this socket did not request: ignored.")
                    return
            else:
                sender_id = sid
            text = data.get("message", "")
            if not isinstance(text, str):
                text = ""  # answered like a blank message
            message = UserMessage(
                text,
                WebOutput(sio, self.bot_message_evt),
                conversation_id(self.name(), sender_id),
                input_channel=self.name(),
                metadata=self.get_metadata(data),
            )
            await take_turn(on_new_message, message)

        return bp


def _refused(reason: Text, lang: Text) -> Any:
    return response.json({"error": reason, "message": media.refusal(reason, lang)}, status=UPLOAD_STATUS[reason])


def web_channel(channels: List[Any]) -> Optional[WebChatInput]:
    return next((c for c in channels if isinstance(c, WebChatInput)), None)
