"""Two Rasa servers and two action servers behind nginx: one conversation's turns never overlap, status news
reaches a web visitor on the other replica, and killing a Rasa server and an action server loses no conversation.
The trackers are in PostgreSQL, encrypted, and the locks in Redis under the stack's own prefix."""
import json
import os
import re
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
from sqlalchemy import create_engine, text

from bot.signing import sign
from tests.channels.test_web_channel import WebVisitor, text_of

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TICKET_ID = re.compile(r"BJ\d{8}-Q?\d{4}")


def say(url, sender, text, retries=0):
    """One REST turn; a 502 or a dropped connection is sent again up to `retries` times, as a platform
    resends what it got no answer for. Returns (replies, attempts that failed)."""
    failed = 0
    while True:
        try:
            response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=90)
            if response.status_code == 200:
                return "\n".join(m.get("text", "") for m in response.json()), failed
            error = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            error = type(exc).__name__
        failed += 1
        if failed > retries:
            raise AssertionError(f"{text!r}: {error}")
        time.sleep(0.5)


def events_of(replicas, conversation):
    response = requests.get(f"{replicas.url}/conversations/{conversation}/tracker",
                            params={"token": replicas.env["RASA_AUTH_TOKEN"]}, timeout=30)
    assert response.status_code == 200
    return response.json()["events"]


def test_twenty_messages_at_once_on_two_replicas_are_taken_one_turn_at_a_time_and_none_is_lost(replicas):
    sender = f"burst-{uuid.uuid4().hex[:8]}"
    texts = [f"你好 {n}" for n in range(20)]
    start = threading.Barrier(len(texts))

    def send(n):
        start.wait()
        # Half straight to each Rasa server, so both take turns of the one conversation at the same moment.
        return say(replicas.rasa[n % 2].url, sender, texts[n])

    with ThreadPoolExecutor(len(texts)) as pool:
        answers = list(pool.map(send, range(len(texts))))
    assert all(reply for reply, _ in answers)
    events = [e for e in events_of(replicas, f"rest:{sender}") if e["event"] in ("user", "action")]
    said = [e["text"] for e in events if e["event"] == "user"]
    assert sorted(said) == sorted(texts)  # every message once: no event lost or written twice
    # One turn at a time: each user message is answered up to action_listen before the next one starts.
    turns = [i for i, e in enumerate(events) if e["event"] == "user"]
    for begin, end in zip(turns, turns[1:] + [len(events)]):
        names = [e.get("name") for e in events[begin + 1:end]]
        assert names and names[-1] == "action_listen" and "action_listen" not in names[:-1], names


def file_by_web(url, session_id=None):
    visitor = WebVisitor(url, session_id=session_id)
    for text in ("海淀区中关村大街27号门口井盖丢了很危险", "王女士", "13600002222"):
        visitor.say(text, quiet_after=1.0)
    ticket = TICKET_ID.search(text_of(visitor.say("确认", quiet_after=1.0))).group(0)
    return visitor, ticket


def post_news(rasa_url, secret, ticket_id):
    body = json.dumps({"event": "status_changed", "service_request_id": ticket_id, "status": "resolved",
                       "note": "井盖已补装", "updated_datetime": "2026-12-02T10:00:00+08:00"}, ensure_ascii=False).encode()
    now = str(int(time.time()))
    headers = {"X-12345-Timestamp": now, "X-12345-Signature": sign(secret, now, body),
               "Content-Type": "application/json"}
    response = requests.post(f"{rasa_url}/webhooks/notify/webhook", data=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_web_visitor_on_long_polling_through_nginx_stays_on_one_server(replicas):
    # Every polling request of an Engine.IO session must reach the server holding it; without the
    # sticky upstream, least_conn would spread them and the server would refuse the unknown sid.
    visitor = WebVisitor(replicas.url)
    try:
        for text in ("你好", "我想查询工单进度", "谢谢"):
            assert text_of(visitor.say(text, quiet_after=1.0))
    finally:
        visitor.close()


def test_status_news_reaches_a_web_visitor_on_the_other_replica_once(replicas):
    visitor, ticket = file_by_web(replicas.rasa[1].url)  # the visitor's socket is on Rasa server 2
    try:
        secret = replicas.env["NOTIFY_WEBHOOK_SECRET"]
        assert post_news(replicas.rasa[0].url, secret, ticket) == {"delivered": True}  # the news comes to server 1
        news = text_of([visitor.hear(timeout=30)])
        assert ticket in news and "井盖已补装" in news
        # The backend's retry of the same event, through the other replica: told already, not again.
        assert post_news(replicas.rasa[1].url, secret, ticket) == {"delivered": True}
        deadline = time.monotonic() + 3
        again = []
        while time.monotonic() < deadline:
            try:
                again.append(text_of([visitor.hear(timeout=0.5)]))
            except Exception:
                pass
        assert not any("井盖已补装" in m for m in again), again
    finally:
        visitor.close()


def test_the_trackers_rows_in_postgres_are_encrypted_and_hold_no_phone(replicas):
    sender = f"rows-{uuid.uuid4().hex[:8]}"
    for said in ("朝阳区望京西园三区21号楼门口路灯坏了", "周大勇", "13911114444"):
        say(replicas.url, sender, said)
    assert TICKET_ID.search(say(replicas.url, sender, "确认")[0])
    engine = create_engine(replicas.env["TRACKER_STORE_URL"], future=True)
    try:
        with engine.connect() as c:
            rows = c.execute(text("SELECT data FROM events WHERE sender_id = :s"), {"s": f"rest:{sender}"}).scalars().all()
    finally:
        engine.dispose()
    assert rows and all(r.startswith("gAAAAA") for r in rows)
    assert not any("13911114444" in r for r in rows)


def test_conversations_are_locked_in_redis_under_the_stacks_prefix(replicas):
    prefix, seen = replicas.env["LOCK_STORE_PREFIX"], []
    client = redis.Redis.from_url(replicas.env["REDIS_URL"])

    def watch():
        with client.monitor() as monitor:
            for command in monitor.listen():
                if prefix in command["command"]:
                    seen.append(command["command"])
                    return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    time.sleep(0.5)  # MONITOR is on before the message
    say(replicas.url, f"lock-{uuid.uuid4().hex[:8]}", "你好")
    thread.join(timeout=10)
    assert seen and f"{prefix}:lock:" in seen[0]


CITIZENS = 4


def file_by_rest(url, n, killed):
    """One citizen's whole report through nginx; the kill happens after everyone's first answer."""
    sender = f"loss-{uuid.uuid4().hex[:8]}"
    description = f"朝阳区望京西园三区{30 + n}号楼门口路灯坏了"
    errors, heard = 0, []
    steps = (description, "王建国", f"139111{n:05d}", "确认")
    for i, text in enumerate(steps):
        if i == 1:
            killed.wait(timeout=60)
        reply, failed = say(url, sender, text, retries=5)
        errors += failed
        heard.append(f"{text} -> {reply!r} ({failed} resent)")
    return description, errors, heard


def test_killing_a_rasa_server_and_an_action_server_under_load_loses_no_conversation(replicas):
    killed = threading.Event()
    with ThreadPoolExecutor(CITIZENS) as pool:
        futures = [pool.submit(file_by_rest, replicas.url, n, killed) for n in range(CITIZENS)]
        time.sleep(2)  # first answers under way on both replicas
        os.kill(replicas.rasa[0].popen.pid, signal.SIGKILL)
        os.kill(replicas.actions[1].popen.pid, signal.SIGKILL)
        killed.set()
        results = [f.result(timeout=120) for f in futures]
    listed = requests.get(f"{replicas.dispatch_url}/requests.json",
                          params={"api_key": replicas.api_key, "page_size": 200}, timeout=10).json()
    for description, _, heard in results:
        assert len([t for t in listed if t.get("description") == description]) == 1, "\n".join(heard)
    # What the clients saw: resends after a 502 or a reset connection, never a lost conversation.
    print(f"client errors (resent): {sum(e for _, e, _ in results)}")
