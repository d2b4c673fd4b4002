"""An action call that never got an answer is made again, instead of the turn going on without it.

Rasa 3.6 runs a custom action over HTTP and, when the call fails, logs "Bot will continue, but the
actions events are lost" and goes on with the turn. When the action server dies during a form's
validation, the citizen's answer is then silently dropped and the form asks for it again, and a
killed action server behind nginx (make run REPLICAS=N) does exactly that to the conversations it
was serving. A call that failed on the way (refused, reset, a 502/503/504 from nginx) is therefore
made again, a few times within a second and a half: nginx sends it to another action server (it
leaves the failed one out for 5 s). A lone action server that is down is not waited for: the turn
fails as before and the channel answers with its busy reply.

Running an action twice is safe here: the actions that write (filing, rating, joining a ticket)
carry an idempotency key kept in the conversation, so the second run finds the first one's row.
An action that answered, even with an error, is not run again: a 500 is a fault of ours, not a
lost call.
"""
import asyncio
import logging
import time

import aiohttp

logger = logging.getLogger(__name__)

# Pauses before each new call: under a second and a half in all, since the citizen waits (WeChat
# gives a turn 5 s) and a dead lone action server is answered with the busy reply (connectors/common.py).
PAUSES = (0.1, 0.4, 1.0)
# After a call that got no answer even so, the next calls of this process are made once, not retried,
# for this many seconds: the other actions of that turn, and the next turns, give up at once.
GIVE_UP_FOR = 10.0
TRANSIENT_STATUSES = {502, 503, 504}

_installed = False
_unanswered_until = 0.0


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction.run

    async def run(self, output_channel, nlg, tracker, domain):
        global _unanswered_until
        pauses = iter(PAUSES if time.monotonic() >= _unanswered_until else ())
        while True:
            try:
                events = await original(self, output_channel, nlg, tracker, domain)
                _unanswered_until = 0.0
                return events
            except Exception as exc:
                cause = lost_call(exc)
                pause = next(pauses, None) if cause else None
                if pause is None:
                    if cause:
                        _unanswered_until = time.monotonic() + GIVE_UP_FOR
                    raise
                logger.warning("action %s got no answer (%s); calling it again", self.name(), cause)
                await asyncio.sleep(pause)

    RemoteAction.run = run


def lost_call(exc: BaseException):
    """The failure under Rasa's RasaException when the call got no answer from an action server, else None.

    Rasa raises its RasaException `from` an HTTP error status and inside the handler of a connection
    error, so the cause is either `__cause__` or `__context__`.
    """
    for cause in (exc.__cause__, exc.__context__):
        if isinstance(cause, aiohttp.ClientConnectionError):
            return type(cause).__name__
        if isinstance(cause, aiohttp.ClientError) and getattr(cause, "status", None) in TRANSIENT_STATUSES:
            return f"HTTP {cause.status}"
    return None
