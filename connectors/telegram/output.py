"""Answers to Telegram users through the Bot API (python-telegram-bot): plain text, split, inline keyboards."""
import asyncio
import hashlib
import logging
from collections import OrderedDict
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from connectors.common import platform_id

log = logging.getLogger(__name__)

MAX_CHARS = 4096  # Telegram's limit for one message, counted in UTF-16 code units
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
SEPARATORS = ("\n\n", "\n", "。", "！", "？", ". ", "! ", "? ", "；", "; ", "，", ", ", " ")


class TelegramUnavailable(RuntimeError):
    """The Bot API refused the token or could not be reached (the message never names the token)."""


def file_url(base_url: str) -> str:
    """Where the Bot API serves downloads: https://api.telegram.org/bot -> https://api.telegram.org/file/bot."""
    root, _, last = base_url.rstrip("/").rpartition("/")
    return f"{root}/file/{last}"


class LazyBot:
    """One python-telegram-bot Bot per process, created and initialized (getMe) at first use, in the running loop."""

    def __init__(self, token: str, base_url: str):
        self.token = token
        self.base_url = base_url
        self._bot: Optional[Bot] = None
        self._lock = asyncio.Lock()

    async def get(self) -> Bot:
        async with self._lock:
            if self._bot is None:
                bot = Bot(self.token, base_url=self.base_url, base_file_url=file_url(self.base_url))
                try:
                    await bot.initialize()
                except InvalidToken:
                    # PTB's own message quotes the token: raise without it (and without the chain).
                    raise TelegramUnavailable("the Bot API refused the token") from None
                except TelegramError as exc:
                    raise TelegramUnavailable(f"Bot API unreachable: {type(exc).__name__}") from None
                self._bot = bot
            return self._bot

    async def close(self) -> None:
        async with self._lock:
            if self._bot is not None:
                await self._bot.shutdown()
                self._bot = None


class Payloads:
    """Button payloads too long for callback_data, kept by a short key (the button title is the fallback)."""

    def __init__(self, keep: int = 10000):
        self.keep = keep
        self._long: "OrderedDict[str, str]" = OrderedDict()

    def data_for(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith("#"):
            return payload
        key = "#" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        self._long[key] = payload
        self._long.move_to_end(key)
        while len(self._long) > self.keep:
            self._long.popitem(last=False)
        return key

    def resolve(self, data: str) -> Optional[str]:
        return self._long.get(data) if data.startswith("#") else data


class TelegramOutput(OutputChannel):
    """Sends each bot message at once (turns and notifications alike).

    Plain text without parse_mode: nothing to escape, and a citizen's "*" or "<" arrives as typed."""

    def __init__(self, bots: LazyBot, payloads: Payloads):
        self.bots = bots
        self.payloads = payloads

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in split(text):
            await self.send(recipient_id, part)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        parts = split(text) or ["…"]
        for part in parts[:-1]:
            await self.send(recipient_id, part)
        await self.send(recipient_id, parts[-1], keyboard(buttons, self.payloads))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send(self, chat_id: str, text: str, markup: Optional[InlineKeyboardMarkup] = None) -> bool:
        """One sendMessage; False, logged, when Telegram refused it (a lost answer must not fail the whole turn)."""
        for attempt in (1, 2):
            try:
                bot = await self.bots.get()
                await bot.send_message(chat_id=int(platform_id("telegram", chat_id)), text=text, reply_markup=markup)
                return True
            except RetryAfter as exc:
                wait = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") else exc.retry_after
                if attempt == 2 or wait > 30:
                    break
                await asyncio.sleep(wait)
            except Forbidden:
                log.warning("Telegram chat %s blocked the bot; answer dropped", chat_id)
                return False
            except NetworkError as exc:  # includes TimedOut; one more try
                if attempt == 2:
                    log.warning("Telegram send to %s failed: %s", chat_id, type(exc).__name__)
                    return False
                await asyncio.sleep(1.0)
            except (TelegramError, TelegramUnavailable) as exc:
                log.warning("Telegram send to %s failed: %s", chat_id, exc)
                return False
        log.warning("Telegram send to %s failed: flood limit", chat_id)
        return False


def keyboard(buttons: List[Dict[str, Any]], payloads: Payloads) -> InlineKeyboardMarkup:
    """Rasa buttons as an inline keyboard: short titles on one row, longer ones one per row."""
    keys = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "?")
        if button.get("url"):
            keys.append(InlineKeyboardButton(title, url=button["url"]))
        else:
            data = payloads.data_for(str(button.get("payload") or title))
            keys.append(InlineKeyboardButton(title, callback_data=data))
    if len(keys) <= 3 and all(len(k.text) <= 8 for k in keys):
        return InlineKeyboardMarkup([keys])
    return InlineKeyboardMarkup([[k] for k in keys])


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split(text: str, limit: int = MAX_CHARS) -> List[str]:
    """Parts of at most `limit` units, cut at a paragraph, line, sentence or word end where there is one."""
    parts = []
    rest = (text or "").strip()
    while units(rest) > limit:
        end = _fitting(rest, limit)
        cut = end
        for sep in SEPARATORS:
            at = rest.rfind(sep, 0, end)
            if at > end // 2:
                cut = at + len(sep)
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _fitting(text: str, limit: int) -> int:
    """The number of characters of `text` that fit in `limit` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)
