"""Status news round trip: staff CLI moves a ticket → signed webhook → notify channel → the citizen's WeChat."""
import json
import re
import subprocess
import sys
import time

import pytest
import requests

from bot.signing import sign
from bot.settings import ROOT
from tests.fakes.wechat_api import WeChatCallbacks, new_openid, text_xml

pytestmark = pytest.mark.slow


def test_staff_status_change_reaches_the_wechat_citizen(rasa_server, backend, stack_env):
    env = stack_env.env
    wechat = WeChatCallbacks(f"{rasa_server.url}/webhooks/wechat/webhook", env["WECHAT_TOKEN"], None, env.get("WECHAT_APP_ID"))
    fake = rasa_server.fakes.wechat
    openid = new_openid()
    said = []
    for text in ("海淀区中关村大街1号门口井盖丢了很危险", "王女士", "13600002222", "确认"):
        answer = wechat.post(text_xml(openid, text), openid)
        assert answer.status_code == 200
        reply = wechat.reply(answer)
        said.append(reply["Content"] if reply else "\n".join(fake.wait_sent(openid, 1)))
    ticket_id = re.search(r"BJ\d{8}-\d{4}", said[-1]).group(0)
    before = len(fake.sent_to(openid))

    moved = subprocess.run(
        [sys.executable, "-m", "bot.cli", "staff", "set-status", ticket_id, "resolved", "--note", "井盖已补装"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert moved.returncode == 0, moved.stderr
    # Other tests' receivers, long gone, are registered too: only the channel's own line matters here.
    assert f"{env['NOTIFY_URL']}: queued" in moved.stdout, moved.stdout

    pushed = fake.wait_sent(openid, before + 1, timeout=30)[before:]
    news = "\n".join(pushed)
    assert ticket_id in news and "已办结" in news and "井盖已补装" in news
    deadline = time.monotonic() + 15
    while "满意" not in news and time.monotonic() < deadline:  # the rating question may come as a second push
        news = "\n".join(fake.sent_to(openid)[before:])
        time.sleep(0.5)
    assert "满意" in news and "13600002222" not in news

    # The citizen answers the rating question: recorded once, through the outbox, as theirs.
    answer = wechat.post(text_xml(openid, "满意"), openid)
    assert answer.status_code == 200
    staff = {"Authorization": f"Bearer {backend.staff_token}"}
    deadline = time.monotonic() + 15
    rating = None
    while rating is None and time.monotonic() < deadline:
        listed = requests.get(f"{backend.root}/staff/requests", headers=staff, timeout=10).json()
        rating = next(t for t in listed if t["service_request_id"] == ticket_id)["rating"]
        time.sleep(0.5)
    assert rating == "satisfied"
    sent = len(fake.sent_to(openid))
    again = wechat.post(text_xml(openid, f"{ticket_id} 不满意"), openid)
    reply = wechat.reply(again)
    told = reply["Content"] if reply else "\n".join(fake.wait_sent(openid, sent + 1)[sent:])
    assert "已经评价过" in told
    listed = requests.get(f"{backend.root}/staff/requests", headers=staff, timeout=10).json()
    assert next(t for t in listed if t["service_request_id"] == ticket_id)["rating"] == "satisfied"


def test_forged_or_stale_webhooks_are_refused(rasa_server, stack_env):
    url = f"{rasa_server.url}/webhooks/notify/webhook"
    body = json.dumps({"event": "status_changed", "service_request_id": "BJ20261128-0001", "status": "closed"}).encode()
    now = str(int(time.time()))
    assert requests.post(url, data=body).status_code == 403
    forged = {"X-12345-Timestamp": now, "X-12345-Signature": sign("not-the-secret", now, body)}
    assert requests.post(url, data=body, headers=forged).status_code == 403
    stale = str(int(time.time()) - 3600)
    old = {"X-12345-Timestamp": stale, "X-12345-Signature": sign(stack_env.env["NOTIFY_WEBHOOK_SECRET"], stale, body)}
    assert requests.post(url, data=body, headers=old).status_code == 403
    good = {"X-12345-Timestamp": now, "X-12345-Signature": sign(stack_env.env["NOTIFY_WEBHOOK_SECRET"], now, body)}
    answer = requests.post(url, data=body, headers=good)
    assert answer.status_code == 200 and answer.json()["delivered"] is False
