"""Polling mode: a getUpdates loop inside the Rasa server, for a city without a public HTTPS URL yet."""
import asyncio
import logging
from typing import Awaitable, Callable, Optional

from telegram import Update
from telegram.error import Conflict, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class Poller:
    """Fetches updates with long polling and feeds each, in order, to the channel's own update handler."""

    def __init__(self, bots, handle: Callable[[Update], Awaitable[None]], timeout: int = 25, max_backoff: float = 30.0):
        self.bots = bots
        self.handle = handle
        self.timeout = timeout
        self.max_backoff = max_backoff
        self._task: Optional[asyncio.Task] = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def run(self) -> None:
        backoff = 1.0
        offset = None
        webhook_deleted = False
        while True:
            try:
                bot = await self.bots.get()
                if not webhook_deleted:
                    # getUpdates is refused (409) while a webhook is set; pending updates stay queued.
                    await bot.delete_webhook(drop_pending_updates=False)
                    webhook_deleted = True
                updates = await bot.get_updates(offset=offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except TimedOut:
                continue  # a long poll that ran out: ask again
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (Conflict, NetworkError, TelegramError, RuntimeError) as exc:
                # Conflict: another poller with this token; Forbidden/InvalidToken: wrong token (keep trying,
                # the operator sees the log). RuntimeError covers TelegramUnavailable from the lazy bot.
                level = logging.ERROR if isinstance(exc, Forbidden) else logging.WARNING
                log.log(level, "Telegram polling failed (%s); again in %.0f s", type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            for update in updates:
                offset = update.update_id + 1  # confirmed to Telegram by the next getUpdates
                await self.handle(update)


def _seconds(value) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
