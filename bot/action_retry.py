"""An action call that never got an answer is made again, instead of the turn going on without it.

Rasa 3.6 runs a custom action over HTTP and, when the call fails, logs "Bot will continue, but the
actions events are lost" and goes on with the turn. When the action server dies during a form's
validation, the citizen's answer is then silently dropped and the form asks for it again, and a
killed action server behind nginx (make run REPLICAS=N) does exactly that to the conversations it
was serving. A call that failed on the way (refused, reset, a 502/503/504 from nginx) is therefore
made again for up to RETRY_FOR seconds: nginx sends it to another action server, or the supervisor
has restarted the only one.

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

RETRY_FOR = 20.0  # seconds: nginx leaves a failed server out for 5 s; a restart takes a few
TRANSIENT_STATUSES = {502, 503, 504}

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction.run

    async def run(self, output_channel, nlg, tracker, domain):
        deadline = time.monotonic() + RETRY_FOR
        delay = 0.2
        while True:
            try:
                return await original(self, output_channel, nlg, tracker, domain)
            except Exception as exc:
                cause = lost_call(exc)
                if cause is None or time.monotonic() + delay > deadline:
                    raise
                logger.warning("action %s got no answer (%s); calling it again", self.name(), cause)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

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
