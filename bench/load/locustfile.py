"""Locust users for bench/bench_load.py: each user holds one whole conversation at a time, each with a new sender id.

Runs in Locust's own virtualenv (bench/.locust-venv). Environment: LOAD_MIX (zh, mixed or stock: see
bench/load/script.py) and LOAD_WRONG_LOG (a file that gets the first wrong replies, for reading after the run).
A reply that is not the one its turn must get is a failure like an HTTP error, and ends that conversation.
"""
import itertools
import json
import os
import sys
import time
import uuid
from pathlib import Path

from locust import task
from locust.contrib.fasthttp import FastHttpUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
import script  # noqa: E402  (beside this file; Locust imports the locustfile by path, not as a package)

MIX = os.environ.get("LOAD_MIX", "zh")
WRONG_LOG = os.environ.get("LOAD_WRONG_LOG")
WRONG_LOGGED_AT_MOST = 30
# Shared by every user, so the users between them go through the mix in order.
conversations = itertools.cycle(script.load(MIX))
wrong_logged = 0


class Citizen(FastHttpUser):
    # 128 conversations queue on two cores: a reply may take tens of seconds and still be right.
    network_timeout = 180.0
    connection_timeout = 30.0

    @task
    def conversation(self) -> None:
        sender, ticket, failure = f"load-{uuid.uuid4().hex}", None, None
        started = time.perf_counter()
        for text, expected in next(conversations):
            message = text.replace("{ticket}", ticket or "")
            with self.client.post(
                "/webhooks/rest/webhook", json={"sender": sender, "message": message}, name="message", catch_response=True
            ) as response:
                if response.status_code != 200:
                    failure = f"HTTP {response.status_code}"
                    break  # Locust records the failure itself when the block ends
                try:
                    reply = response.json()
                except ValueError:
                    reply = []
                right, got, ticket = script.check(expected, reply if isinstance(reply, list) else [], ticket)
                if not right:
                    failure = f"expected {expected}, got {got}"
                    response.failure(failure)
                    _log_wrong(expected, got, message, reply)
                    break
        self.environment.events.request.fire(
            request_type="CONV",
            name="conversation",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=RuntimeError(failure) if failure else None,
            context={},
        )


def _log_wrong(expected, got, message, reply) -> None:
    global wrong_logged
    if not WRONG_LOG or wrong_logged >= WRONG_LOGGED_AT_MOST:
        return
    wrong_logged += 1
    line = json.dumps({"expected": expected, "got": got, "message": message, "reply": reply}, ensure_ascii=False)
    with open(WRONG_LOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")
