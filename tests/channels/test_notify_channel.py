"""Status news: staff changes a status, the backend's signed webhook reaches the citizen's web widget; forgeries do not."""
import hashlib
import hmac
import json
import queue
import time

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import PendingNotification, engine_for
from bot.signing import verify as signature_ok
from tests.channels.test_web_channel import TICKET, WebVisitor, text_of

SECRET = "s3cret-for-unit-tests"
PHONE = "13800138000"


def sign(secret, body, timestamp=None):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-12345-Timestamp": timestamp, "X-12345-Signature": f"sha256={digest}", "Content-Type": "application/json"}


def test_signature_rules():
    body = b'{"event":"status_changed"}'
    now = 1_800_000_000
    good = sign(SECRET, body, now)
    assert signature_ok(SECRET, good["X-12345-Timestamp"], body, good["X-12345-Signature"], now=now)
    assert signature_ok(SECRET, good["X-12345-Timestamp"], body, good["X-12345-Signature"], now=now + 299)
    assert not signature_ok(SECRET, good["X-12345-Timestamp"], body, good["X-12345-Signature"], now=now + 301)
    assert not signature_ok(SECRET, good["X-12345-Timestamp"], body + b" ", good["X-12345-Signature"], now=now)
    assert not signature_ok("other", good["X-12345-Timestamp"], body, good["X-12345-Signature"], now=now)
    assert not signature_ok(SECRET, "yesterday", body, good["X-12345-Signature"], now=now)
    assert not signature_ok("", good["X-12345-Timestamp"], body, good["X-12345-Signature"], now=now)


def file_through_widget(rasa_server):
    visitor = WebVisitor(rasa_server.url)
    visitor.say(f"朝阳区望京西园三区5号楼门口路灯坏了三天了 电话{PHONE}")
    visitor.say("张三")
    ticket_id = TICKET.search(text_of(visitor.say("确认"))).group(0)
    return visitor, ticket_id


def set_status(backend, ticket_id, status, note):
    response = requests.post(
        f"{backend.root}/staff/requests/{ticket_id}/status",
        json={"status": status, "note": note},
        headers={"Authorization": f"Bearer {backend.staff_token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text


def pending(stack_env, session_id):
    conversation = f"socketio:{session_id}"  # the web channel's conversation id
    with Session(engine_for(stack_env.env["DATABASE_URL"]), future=True) as s:
        query = select(func.count()).select_from(PendingNotification).where(PendingNotification.sender_id == conversation)
        return s.execute(query).scalar_one()


@pytest.mark.slow
def test_status_change_reaches_the_widget_live_then_at_the_next_visit(rasa_server, backend, stack_env):
    visitor, ticket_id = file_through_widget(rasa_server)
    set_status(backend, ticket_id, "dispatched", "已派至朝阳区城管委")
    news = visitor.hear(timeout=60)["text"]
    assert ticket_id in news and "已派单" in news
    visitor.close()

    set_status(backend, ticket_id, "resolved", "路灯已修复")
    deadline = time.monotonic() + 60
    while pending(stack_env, visitor.session_id) == 0 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert pending(stack_env, visitor.session_id) == 1

    back = WebVisitor(rasa_server.url, session_id=visitor.session_id)
    try:
        heard = [back.hear(timeout=60)]
        while True:
            try:
                heard.append(back.messages.get(timeout=3))
            except queue.Empty:
                break
        said = text_of(heard)
        assert ticket_id in said and "已办结" in said and "路灯已修复" in said
        choices = [b["title"] for m in heard for b in m.get("quick_replies") or []]
        assert "满意" in choices and "不满意" in choices  # the satisfaction question follows a resolved ticket
        assert pending(stack_env, visitor.session_id) == 1  # kept, marked delivered
        back.close()
        again = WebVisitor(rasa_server.url, session_id=visitor.session_id)
        with pytest.raises(queue.Empty):
            again.messages.get(timeout=3)  # delivered once, not at every visit
        again.close()
    finally:
        back.close()

    logs = "".join(p.read_text(errors="replace") for p in (stack_env.var / "log").glob("*.log"))
    assert PHONE not in logs


@pytest.mark.slow
def test_forged_or_stale_webhook_is_refused_and_changes_nothing(rasa_server, backend, stack_env):
    visitor, ticket_id = file_through_widget(rasa_server)
    url = f"{rasa_server.url}/webhooks/notify/webhook"
    event = {"event": "status_changed", "service_request_id": ticket_id, "status": "closed", "status_zh": "已关闭",
             "note": "forged", "updated_datetime": "2026-11-28T12:00:00+08:00", "request_type": "complaint"}
    body = json.dumps(event).encode()
    secret = stack_env.env["NOTIFY_WEBHOOK_SECRET"]
    try:
        for headers in (
            sign("wrong-secret", body),
            sign(secret, body, int(time.time()) - 600),
            {"Content-Type": "application/json"},
            dict(sign(secret, body), **{"X-12345-Signature": "sha256=" + "0" * 64}),
        ):
            response = requests.post(url, data=body, headers=headers, timeout=30)
            assert response.status_code == 403
        with pytest.raises(queue.Empty):
            visitor.messages.get(timeout=3)
        assert pending(stack_env, visitor.session_id) == 0

        response = requests.post(url, data=body, headers=sign(secret, body), timeout=30)
        assert response.status_code == 200 and response.json() == {"delivered": True}
        assert "forged" in visitor.hear(timeout=60)["text"]  # the same event, signed, is told
    finally:
        visitor.close()


@pytest.mark.slow
def test_signed_news_of_an_unknown_ticket_is_accepted_and_dropped(rasa_server, stack_env):
    body = json.dumps({"event": "status_changed", "service_request_id": "BJ20000101-0001", "status": "closed"}).encode()
    response = requests.post(
        f"{rasa_server.url}/webhooks/notify/webhook", data=body, headers=sign(stack_env.env["NOTIFY_WEBHOOK_SECRET"], body), timeout=30
    )
    assert response.status_code == 200 and response.json()["delivered"] is False
