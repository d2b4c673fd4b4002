"""A stack of its own, under the supervisor as `make run` has it, for killing its processes."""
import os
import re
import signal
import time
import uuid
from types import SimpleNamespace

import pytest
import requests

from bot.stack import MODEL, Stack, Supervisor, process_env, standard_processes
from tests.isolation import isolated

SECRETS = {
    "RASA_AUTH_TOKEN": "durable-rasa-token-0123456789",
    "DISPATCH_API_KEY": "durable-dispatch-key-0123456789",
    "BACKEND_STAFF_TOKEN": "durable-staff-token-0123456789",
    "NOTIFY_WEBHOOK_SECRET": "durable-notify-secret-0123456789",
}


def durable_env(var, **overrides):
    env = dict(SECRETS)
    env.update(isolated(var))
    env.update(overrides)
    return process_env(env)


@pytest.fixture(scope="session")
def durable(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    var = tmp_path_factory.mktemp("durable-var")
    env = durable_env(var)
    processes = {p.name: p for p in standard_processes(env, var=var) if p.name != "city portal"}
    stack = Stack(env, log_dir=var / "log")
    for process in processes.values():
        stack.start(process)
    Supervisor(stack).watch()
    yield SimpleNamespace(env=env, var=var, stack=stack, processes=processes, rasa_url=env["RASA_URL"],
                          dispatch_url=env["DISPATCH_URL"], api_key=env["DISPATCH_API_KEY"])
    stack.stop()


class Citizen:
    """One conversation over the REST channel; keeps nothing but its sender id."""

    def __init__(self, rasa_url, sender=None):
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = sender or f"citizen-{uuid.uuid4().hex[:8]}"

    def say(self, text):
        response = requests.post(self.url, json={"sender": self.sender, "message": text}, timeout=90)
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text", "") for m in response.json())


def kill_and_wait_back(process, timeout=240):
    """SIGKILL the process (its pid only, never a name) and wait until the supervisor has it healthy again."""
    before = process.restarts
    os.kill(process.popen.pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.restarts > before:
            return
        time.sleep(0.2)
    raise AssertionError(f"{process.name} was not brought back in {timeout} s; see {process.log_path}")


def tickets_described(durable, description):
    response = requests.get(f"{durable.dispatch_url}/requests.json",
                            params={"api_key": durable.api_key, "page_size": 200}, timeout=10)
    assert response.status_code == 200
    return [t for t in response.json() if t.get("description") == description]


TICKET_ID = re.compile(r"BJ\d{8}-Q?\d{4}")
