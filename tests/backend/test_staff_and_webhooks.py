"""Staff tools move tickets; every move is posted, signed, to the registered webhooks."""
import json
import queue
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from bot.signing import verify
from bot.stack import free_port
from bot.settings import ROOT

SECRET = "receiver-secret-0123456789"


def listen(port=0):
    """A local HTTP endpoint that keeps what it is sent."""
    received = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.put((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_port}/hook"
    return server


def heard(server, ticket_id, count=1, timeout=10):
    """The first `count` posts the receiver got about `ticket_id`, in order, as (headers, raw body); others skipped."""
    found = []
    while len(found) < count:
        headers, body = server.received.get(timeout=timeout)
        if json.loads(body)["service_request_id"] == ticket_id:
            found.append((headers, body))
    return found


@pytest.fixture
def receiver(backend):
    """A receiver, unregistered from the backend afterwards, so that later news is not queued for it."""
    server = listen()
    yield server
    requests.delete(f"{backend.root}/staff/webhooks", json={"url": server.url}, headers=staff(backend), timeout=10)
    server.shutdown()


def staff(backend):
    return {"Authorization": f"Bearer {backend.staff_token}"}


def new_ticket(backend):
    data = dict(api_key=backend.api_key, service_code="road", description="井盖丢了", address_string="海淀区中关村大街1号", phone="13600001111")
    return requests.post(f"{backend.url}/requests.json", data=data).json()[0]["service_request_id"]


def test_staff_endpoints_need_the_token(backend):
    assert requests.get(f"{backend.root}/staff/requests").status_code == 403
    assert requests.get(f"{backend.root}/staff/requests", headers={"Authorization": "Bearer wrong"}).status_code == 403
    listed = requests.get(f"{backend.root}/staff/requests", headers=staff(backend))
    assert listed.status_code == 200 and isinstance(listed.json(), list)


def test_status_change_over_http_is_posted_signed(backend, receiver):
    assert requests.post(f"{backend.root}/staff/webhooks", json={"url": receiver.url, "secret": SECRET}, headers=staff(backend)).ok
    ticket_id = new_ticket(backend)
    response = requests.post(
        f"{backend.root}/staff/requests/{ticket_id}/status", json={"status": "dispatched", "note": "已派单至海淀区交通委"}, headers=staff(backend)
    )
    assert response.status_code == 200
    assert response.json()["extended_status"] == "dispatched"
    [(headers, body)] = heard(receiver, ticket_id)
    event = json.loads(body)
    assert verify(SECRET, headers["X-12345-Timestamp"], body, headers["X-12345-Signature"])
    assert not verify("other-secret", headers["X-12345-Timestamp"], body, headers["X-12345-Signature"])
    assert event == {
        "event": "status_changed",
        "service_request_id": ticket_id,
        "status": "dispatched",
        "status_zh": "已派单",
        "note": "已派单至海淀区交通委",
        "updated_datetime": event["updated_datetime"],
        "request_type": "complaint",
    }
    assert b"13600001111" not in body
    [ticket] = requests.get(f"{backend.url}/requests/{ticket_id}.json", params={"api_key": backend.api_key}).json()
    assert [n["status"] for n in ticket["notes"]] == ["received", "dispatched"]
    assert ticket["status_notes"] == "已派单至海淀区交通委"

    bad = requests.post(f"{backend.root}/staff/requests/{ticket_id}/status", json={"status": "lost"}, headers=staff(backend))
    assert bad.status_code == 400
    missing = requests.post(f"{backend.root}/staff/requests/BJ19990101-0001/status", json={"status": "closed"}, headers=staff(backend))
    assert missing.status_code == 404


def test_a_receiver_gets_a_tickets_moves_in_order(backend, receiver):
    assert requests.post(f"{backend.root}/staff/webhooks", json={"url": receiver.url, "secret": SECRET}, headers=staff(backend)).ok
    ticket_id = new_ticket(backend)
    moves = ["dispatched", "in_progress", "resolved", "closed"]
    for status in moves:
        response = requests.post(f"{backend.root}/staff/requests/{ticket_id}/status", json={"status": status}, headers=staff(backend))
        assert response.status_code == 200
    assert [json.loads(body)["status"] for _, body in heard(receiver, ticket_id, len(moves))] == moves
    [ticket] = requests.get(f"{backend.url}/requests/{ticket_id}.json").json()
    assert ticket["status"] == "closed" and ticket["status_zh"] == "已关闭"


def test_staff_cli_moves_a_ticket_and_tells_the_webhooks(backend, receiver):
    env = dict(backend.settings_env)
    cli = [sys.executable, "-m", "bot.cli", "staff"]
    added = subprocess.run(cli + ["webhooks", "add", receiver.url, "--secret", SECRET], env=env, cwd=ROOT, capture_output=True, text=True)
    assert added.returncode == 0, added.stderr
    ticket_id = new_ticket(backend)
    moved = subprocess.run(cli + ["set-status", ticket_id, "resolved", "--note", "井盖已补装"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert moved.returncode == 0, moved.stderr
    assert f"{ticket_id}: resolved" in moved.stdout and f"{receiver.url}: queued" in moved.stdout
    # The CLI has exited: the server sends what it queued.
    heard(receiver, ticket_id)
    listed = subprocess.run(cli + ["list", "--status", "resolved"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert ticket_id in listed.stdout
    shown = subprocess.run(cli + ["show", ticket_id], env=env, cwd=ROOT, capture_output=True, text=True)
    assert "13600001111" not in shown.stdout and "136*****111" in shown.stdout
    wrong = subprocess.run(cli + ["set-status", "BJ19990101-0001", "closed"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    bogus = subprocess.run(cli + ["list", "--status", "lost"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert bogus.returncode == 2 and "unknown status" in bogus.stderr and "Traceback" not in bogus.stderr
    hooks = subprocess.run(cli + ["webhooks", "list"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert receiver.url in hooks.stdout and SECRET not in hooks.stdout
    refused = subprocess.run(cli + ["webhooks", "add", "ftp://x", "--secret", "s"], env=env, cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    removed = subprocess.run(cli + ["webhooks", "remove", receiver.url], env=env, cwd=ROOT, capture_output=True, text=True)
    assert removed.returncode == 0 and receiver.url not in requests.get(
        f"{backend.root}/staff/webhooks", headers=staff(backend), timeout=10).text
    again = subprocess.run(cli + ["webhooks", "remove", receiver.url], env=env, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 1 and "no webhook" in again.stderr and "Traceback" not in again.stderr


def test_news_for_a_receiver_that_is_down_waits_for_it_and_comes_in_order(backend):
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    assert requests.post(f"{backend.root}/staff/webhooks", json={"url": url, "secret": SECRET}, headers=staff(backend)).ok
    ticket_id = new_ticket(backend)
    moves = ["dispatched", "in_progress"]
    for status in moves:
        assert requests.post(f"{backend.root}/staff/requests/{ticket_id}/status", json={"status": status}, headers=staff(backend)).ok
    time.sleep(2)  # tried and refused a few times: nobody listens yet
    server = listen(port)
    try:
        assert [json.loads(body)["status"] for _, body in heard(server, ticket_id, len(moves), timeout=15)] == moves
    finally:
        requests.delete(f"{backend.root}/staff/webhooks", json={"url": url}, headers=staff(backend), timeout=10)
        server.shutdown()
