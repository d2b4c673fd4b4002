"""Each process of the stack killed with SIGKILL in the middle of a form: back by itself, the form goes on, one ticket."""
import os
import signal
import subprocess
import sys
import time

import pytest

import requests

from bot.settings import ROOT
from tests.durability.conftest import TICKET_ID, Citizen, kill_and_wait_back, tickets_described

pytestmark = pytest.mark.slow


def start_report(durable, n):
    description = f"朝阳区望京西园三区{n}号楼门口路灯坏了"
    citizen = Citizen(durable.rasa_url)
    assert "称呼" in citizen.say(description)  # description and address taken: the name is asked next
    return citizen, description


def wait_for_one_ticket(durable, description, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = tickets_described(durable, description)
        if found:
            return found
        time.sleep(1)
    return []


@pytest.mark.parametrize("name,n", [("rasa server", 11), ("action server", 12), ("dispatch backend", 13)])
def test_the_form_continues_after_a_process_is_killed_between_two_answers(durable, name, n):
    citizen, description = start_report(durable, n)
    kill_and_wait_back(durable.processes[name])
    assert "电话" in citizen.say("王建国")  # the answer is taken as the name: the phone is asked next
    summary = citizen.say("13911110000")
    assert "王建国" in summary and "139" in summary and "路灯照明" in summary
    ticket_id = TICKET_ID.search(citizen.say("确认")).group(0)
    assert ticket_id in citizen.say("确认")  # confirmed twice: still one ticket
    found = tickets_described(durable, description)
    assert [t["service_request_id"] for t in found] == [ticket_id]


def test_a_turn_while_the_action_server_is_dead_loses_nothing_already_given(durable):
    citizen, description = start_report(durable, 14)
    process = durable.processes["action server"]
    restarts = process.restarts
    os.kill(process.popen.pid, signal.SIGKILL)
    process.popen.wait()
    # The action server is down: the busy reply (connectors/common.py), never silence; in the rare case
    # the supervisor has it back already, the form simply goes on.
    first = citizen.say("李秀英")
    assert "系统繁忙" in first or "电话" in first, first
    while process.restarts == restarts:
        time.sleep(0.2)
    reply = citizen.say("李秀英")
    assert "电话" in reply, reply  # description and address kept; the name is taken now
    citizen.say("13911112222")
    ticket_id = TICKET_ID.search(citizen.say("确认")).group(0)
    assert [t["service_request_id"] for t in tickets_described(durable, description)] == [ticket_id]


def test_the_backend_dead_at_the_confirmation_files_the_ticket_once_when_it_is_back(durable):
    citizen, description = start_report(durable, 15)
    citizen.say("赵先生")
    assert "核对" in citizen.say("13911113333")
    process = durable.processes["dispatch backend"]
    restarts = process.restarts
    os.kill(process.popen.pid, signal.SIGKILL)
    process.popen.wait()
    reply = citizen.say("确认")  # the outbox queues it with a provisional reference, or the backend is already back
    reference = TICKET_ID.search(reply).group(0)
    while process.restarts == restarts:
        time.sleep(0.2)
    found = wait_for_one_ticket(durable, description)
    assert len(found) == 1, f"{reference}: {found}"
    time.sleep(6)  # one more delivery round of the outbox: still one
    assert len(tickets_described(durable, description)) == 1


def test_status_news_made_while_the_rasa_server_is_dead_reaches_the_conversation_when_it_is_back(durable):
    citizen, _ = start_report(durable, 16)
    citizen.say("王建国")
    citizen.say("13911113333")
    ticket_id = TICKET_ID.search(citizen.say("确认")).group(0)
    rasa = durable.processes["rasa server"]
    restarts = rasa.restarts
    os.kill(rasa.popen.pid, signal.SIGKILL)
    rasa.popen.wait()
    # The channel is down: the staff CLI queues the news in the backend's database and exits.
    moved = subprocess.run([sys.executable, "-m", "bot.cli", "staff", "set-status", ticket_id, "resolved", "--note", "路灯已修复"],
                           env=durable.env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert moved.returncode == 0 and "queued" in moved.stdout, moved.stderr
    while rasa.restarts == restarts:
        time.sleep(0.2)
    deadline, told = time.monotonic() + 90, []
    while not told and time.monotonic() < deadline:
        tracker = requests.get(f"{durable.rasa_url}/conversations/rest:{citizen.sender}/tracker",
                               params={"token": durable.env["RASA_AUTH_TOKEN"]}, timeout=30).json()
        told = [e for e in tracker["events"] if e["event"] == "bot" and "路灯已修复" in (e.get("text") or "")]
        time.sleep(1)
    assert told, "the news reached the conversation after the Rasa server came back"
