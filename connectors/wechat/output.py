"""Output channels of WeChat: pushed through the customer-service API, or gathered for a passive reply."""
import asyncio
import logging
from typing import Any, Dict, List, Tuple

from rasa.core.channels.channel import OutputChannel

from connectors.common import platform_id
from connectors.wechat.api import OUT_OF_WINDOW, CustomerServiceClient, WeChatAPIError
from connectors.wechat.text import MAX_BYTES, OptionMemory, fit, render

log = logging.getLogger(__name__)


def short(openid: str) -> str:
    """Enough of an OpenID to follow one user through a log, not enough to message them."""
    return openid[:6] + "…" if len(openid) > 6 else openid


class WeChatOutput(OutputChannel):
    """Sends each bot message at once through the customer-service API (notifications, slow answers)."""

    def __init__(self, client: CustomerServiceClient, options: OptionMemory):
        self.client = client
        self.options = options

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        text, payloads = render(message)
        self.options.remember(platform_id("wechat", recipient_id), payloads)
        if text:
            await self.push(recipient_id, text)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.push(recipient_id, text)

    async def push(self, openid: str, text: str) -> bool:
        """Send one text (split where WeChat's size limit demands); False, logged, when WeChat refused."""
        openid = platform_id("wechat", openid)  # Rasa names the user by the conversation id, wechat:<openid>
        remaining = [text]
        while remaining:
            part, remaining = fit(remaining)
            part, overflow = _cut(part)
            if overflow:
                remaining.insert(0, overflow)
            try:
                await self.client.send_text(openid, part)
            except WeChatAPIError as exc:
                # Not raised on: Rasa would fail the whole turn (or the notification) for one lost push.
                hint = " (user silent for over 48 h)" if exc.errcode == OUT_OF_WINDOW else ""
                log.warning("WeChat push to %s failed: %s%s", short(openid), exc, hint)
                return False
        return True


class TurnOutput(OutputChannel):
    """Gathers one turn's bot messages; they become the passive reply, or are pushed once the deadline passed."""

    def __init__(self, pusher: WeChatOutput):
        self.pusher = pusher
        self.texts: List[str] = []
        self._sent = 0
        self._pushing = False
        self._lock = asyncio.Lock()

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        text, payloads = render(message)
        self.pusher.options.remember(platform_id("wechat", recipient_id), payloads)
        if text:
            self.texts.append(text)
        if self._pushing:
            await self._flush(recipient_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    def take_passive(self) -> Tuple[str, bool]:
        """The passive reply (as many messages as fit one); True when some are left for push_rest."""
        reply, rest = fit(self.texts[self._sent:])
        self._sent = len(self.texts) - len(rest)
        reply, overflow = _cut(reply)
        if overflow:
            self.texts.insert(self._sent, overflow)
        return reply, self._sent < len(self.texts)

    async def push_rest(self, recipient_id: str) -> None:
        """From now on every message goes out through the customer-service API, those waiting first."""
        self._pushing = True
        await self._flush(recipient_id)

    async def _flush(self, recipient_id: str) -> None:
        async with self._lock:  # keeps the order when the turn and push_rest flush at once
            while self._sent < len(self.texts):
                text = self.texts[self._sent]
                self._sent += 1
                await self.pusher.push(recipient_id, text)


def _cut(text: str) -> Tuple[str, str]:
    """A single text over the byte limit: the part that fits, and the rest."""
    data = text.encode("utf-8")
    if len(data) <= MAX_BYTES:
        return text, ""
    head = data[:MAX_BYTES].decode("utf-8", errors="ignore")
    return head, text[len(head):]
