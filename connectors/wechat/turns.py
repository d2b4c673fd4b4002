"""One handling per WeChat message however often WeChat retries it, answered passively or pushed later."""
import asyncio
import logging
import time
from typing import Awaitable, Callable, Dict, Optional

from connectors.common import SORRY
from connectors.wechat.output import TurnOutput, short

log = logging.getLogger(__name__)

class Turn:
    """The handling of one message; every request for it (the first and WeChat's retries) awaits it."""

    def __init__(self, openid: str, output: TurnOutput, handle: Callable[[], Awaitable[bool]]):
        self.openid = openid
        self.output = output
        self.started = time.monotonic()
        # "waiting", then "passive" (an HTTP reply carries the answer, or its first part) or "push" (all of it
        # goes through the customer-service API); decided once, so a retry never causes a second delivery.
        self.state = "waiting"
        self.reply = ""
        self._background: Optional[asyncio.Task] = None
        self.task = asyncio.ensure_future(handle())
        self.task.add_done_callback(self._finished)

    async def answer(self, timeout: float) -> str:
        """The passive reply: the whole answer if the turn ends within `timeout`, else what is ready by then;
        "" (WeChat's "success") when there is nothing to say now."""
        try:
            await asyncio.wait_for(asyncio.shield(self.task), max(timeout, 0.0))
        except Exception:
            pass  # a late turn (TimeoutError) is pushed, a failed one answered with SORRY: decided below
        finally:
            self._decide()  # also when this request is cancelled: then the answer must be pushed
        return self.reply if self.state == "passive" else ""

    def _decide(self) -> None:
        # The first request to decide fixes the mode for all: never both a passive reply and a push.
        if self.state != "waiting":
            return
        if not self.task.done():
            # Late: what is ready already goes in the reply, the rest is pushed as it comes.
            self.reply, _ = self.output.take_passive()
            self.state = "passive" if self.reply else "push"
            self._background = asyncio.ensure_future(self.output.push_rest(self.openid))
            return
        self.state = "passive"
        if self.task.cancelled() or self.task.exception() is not None:
            self.reply = SORRY["zh"]
        elif self.task.result():
            self.reply, more = self.output.take_passive()
            if more:
                self._background = asyncio.ensure_future(self.output.push_rest(self.openid))

    def _finished(self, task: asyncio.Task) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("WeChat message of %s failed: %r", short(self.openid), error)
            if self._background is not None:  # the HTTP reply has gone: tell the citizen through a push
                self._background = asyncio.ensure_future(self.output.pusher.push(self.openid, SORRY["zh"]))


class TurnBook:
    """Turns of the last `keep` seconds by message key, in this process (the store covers the rest)."""

    def __init__(self, keep: float = 120.0):
        self.keep = keep
        self._turns: Dict[str, Turn] = {}

    def get(self, key: str) -> Optional[Turn]:
        self._prune()
        return self._turns.get(key)

    def add(self, key: str, turn: Turn) -> Turn:
        self._turns[key] = turn
        return turn

    def _prune(self) -> None:
        horizon = time.monotonic() - self.keep
        for key in [k for k, t in self._turns.items() if t.started < horizon and t.task.done()]:
            del self._turns[key]
