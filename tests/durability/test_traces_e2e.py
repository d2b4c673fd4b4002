"""After conversations with phones and names in them (one that makes the pipeline fail, restarts on the way),
no log and no file of the stack holds them in clear, and every file is its user's alone.

Runs after test_restarts_e2e.py on the same stack, so its logs hold restarts and tracebacks too.
"""
import json
import os
import re
import signal
import stat
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.durability.conftest import Citizen, kill_and_wait_back

pytestmark = pytest.mark.slow

PHONES = ["13900007771", "13900007772", "13900007773", "13900007774", "13900007775"]
NAME = "欧阳春花"


def spread(digits):
    """The digits with anything but digits between them: a phone split into tokens ('1', '3', ...) still matches."""
    return re.compile(r"\D{0,8}".join(digits))


@contextmanager
def kept_down(durable, process):
    """The supervisor brings `process` back only after the block, so a turn inside it meets the process dead
    however soon it would have restarted (Rasa's calls to a dead action server are retried for 1.5 s)."""
    release = threading.Event()
    spawn = durable.stack.spawn

    def held(p):
        if p is process:
            release.wait()
        spawn(p)

    durable.stack.spawn = held
    try:
        yield
    finally:
        release.set()
        durable.stack.spawn = spawn


def every_file(var: Path):
    return [p for p in var.rglob("*") if p.is_file()]


@pytest.fixture(scope="module")
def planted(durable):
    citizen = Citizen(durable.rasa_url)
    citizen.say("东城区东四北大街8号门口垃圾没人清理")
    citizen.say(f"我叫{NAME}")
    citizen.say(f"电话 {PHONES[0]}")
    citizen.say(f"不对,电话是{PHONES[1]}")
    # A lone surrogate makes the NLU pipeline raise: Rasa logs an error with the message and a traceback.
    body = json.dumps({"sender": citizen.sender, "message": f"\ud800 {PHONES[2]} {NAME}"})
    response = requests.post(citizen.url, data=body, headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 200
    kill_and_wait_back(durable.processes["rasa server"])  # a restart on the way: the log of a second run too
    citizen.say(f"{PHONES[3]}")
    # A turn while the action server is dead: Rasa logs the failed action as an error with a traceback.
    actions = durable.processes["action server"]
    restarts = actions.restarts
    with kept_down(durable, actions):
        os.kill(actions.popen.pid, signal.SIGKILL)
        actions.popen.wait()
        citizen.say(f"电话是{PHONES[4]}")
    while actions.restarts == restarts:
        time.sleep(0.2)
    citizen.say("确认")
    return durable


def test_errors_with_tracebacks_did_reach_the_logs(planted):
    """The grep below checks real error paths (while a lone surrogate still breaks the NLU pipeline, its text too)."""
    log = (planted.var / "log" / "rasa-server.log").read_text(encoding="utf-8")
    assert " ERROR " in log and ("Traceback" in log or '"exception"' in log)


def test_no_planted_phone_is_in_any_log_or_file_of_the_stack(planted):
    found = []
    for path in every_file(planted.var):
        data = path.read_bytes()
        text = data.decode("utf-8", errors="replace")
        for phone in PHONES:
            if phone.encode() in data:
                found.append((path.name, phone))
            if path.suffix == ".log" and spread(phone).search(text):
                found.append((path.name, f"{phone} split"))
    assert found == []


def test_the_citizens_name_is_in_no_log_and_in_no_store_in_clear(planted):
    escaped = json.dumps(NAME)[1:-1].encode()  # as Rasa's JSON log lines would write it
    found = [p.name for p in every_file(planted.var) if NAME.encode() in p.read_bytes() or escaped in p.read_bytes()]
    assert found == []


def test_every_file_is_0600_and_every_folder_0700(planted):
    assert stat.S_IMODE(planted.var.stat().st_mode) == 0o700
    wrong = []
    for path in planted.var.rglob("*"):
        want = 0o700 if path.is_dir() else 0o600
        if stat.S_IMODE(path.stat().st_mode) != want:
            wrong.append((str(path.relative_to(planted.var)), oct(stat.S_IMODE(path.stat().st_mode))))
    assert wrong == []
    assert {"tracker.db", "channel.db", "dispatch.db"} <= {p.name for p in planted.var.iterdir()}
