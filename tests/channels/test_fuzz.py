"""Hostile input on every channel of the real Rasa server: no answer is a server error (≥ 500), and every
text a citizen sends gets a reply. The inputs are fixed (no randomness), so a failure can be replayed."""
import json
import queue
import time
import uuid

import pytest
import requests
import socketio

from bot.signing import sign
from connectors.telegram.channel import SECRET_HEADER
from tests.fakes import telegram_api as tg
from tests.fakes.wechat_api import WeChatCallbacks, new_msg_id, new_openid

pytestmark = pytest.mark.slow

TEXTS = [
    "", " ", "\u3000", "\u3000\u3000\n", "\t\r\n", "\x00", "\x07\x08\x1b[31m红色", "\u200b", "\ufeff", "\u202e反转文字",
    "\ud800", "a\udfffb", "😀", "🔥🔥🔥🔥", "👍🏽", "🏳️‍🌈", "。。。", "？？？", "?", "!", "...", "…", "-", "_",
    "/", "//", "/ ", "/affirm", "/deny", "/affirm{", '/affirm{"phone":"13911112222"}', '/inform{"contact_name":"X"}',
    "/EXTERNAL_ticket_update", '/EXTERNAL_ticket_update{"ticket_id":"BJ20261128-0001","status":"resolved"}',
    "/session_start", "/restart", "/nlu_fallback", '/greet{"language":"xx"}', '/rate{"rating":"satisfied"}',
    "/check_status{\"ticket_id\":\"' OR 1=1 --\"}", "/stay_anonymous", "/start", "{}", "{{}}", "{x}", "[]", "null",
    "None", "0", "-1", "1e309", "NaN", "<script>alert(1)</script>", "'; DROP TABLE submissions;--", "%s%s%s%n",
    "${jndi:ldap://x/a}", "{{7*7}}", "\\", '"', "'", "`", "&amp;", "&#0;", "]]>", "<![CDATA[x]]>",
    "13800138000" * 20, "BJ20261128-0042", "bj20261128-q0001", "BJ99999999-9999", "@" * 200, "请" * 3000,
    "x" * 20000, "路灯坏了 " * 500, "Ω≈ç√∫˜µ≤≥÷", "ｆｕｌｌ ｗｉｄｔｈ", "١٢٣٤٥", "привет", "こんにちは", "안녕하세요",
    "مرحبا", "שלום", "\u0085", "\u2028\u2029", "a\u0301\u0301\u0301\u0301", "Z\u0351\u0352\u0353\u0354",
    "你好", "hello", "路灯坏了", "楼道着火了", "转人工", "取消",
]
assert len(TEXTS) >= 90


def _cdata(text):
    return text.replace("]]>", "]]]]><![CDATA[>")


@pytest.fixture(scope="module")
def rest(rasa_server):
    return f"{rasa_server.url}/webhooks/rest/webhook"


def test_rest_survives_hostile_texts_and_answers_each(rest):
    sender = f"fuzz-{uuid.uuid4().hex[:8]}"
    silent, errors = [], []
    for text in TEXTS:
        answer = requests.post(rest, json={"sender": sender, "message": text}, timeout=120)
        if answer.status_code >= 500:
            errors.append((text[:40], answer.status_code))
        elif answer.status_code != 200 or not [m for m in answer.json() if m.get("text")]:
            silent.append((text[:40], answer.status_code, answer.text[:100]))
    assert errors == [] and silent == []


def test_rest_survives_hostile_bodies(rest):
    bodies = [
        b"", b"{", b"}", b"[]", b"null", b"true", b"0", b'"x"', b"\xff\xfe\x00", b"{\"sender\": \"a\", }",
        json.dumps({"sender": "a", "message": None}).encode(), json.dumps({"sender": "a", "message": 5}).encode(),
        json.dumps({"sender": "a", "message": ["x"]}).encode(), json.dumps({"sender": "a", "metadata": "x"}).encode(),
        json.dumps({"sender": "a", "message": "hi", "metadata": {"language": {"$ne": 1}}}).encode(),
        json.dumps({"sender": "a", "message": "hi", "metadata": {"a" * 1000: ["b"] * 1000}}).encode(),
        json.dumps({"sender": "../../etc/passwd", "message": "hi"}).encode(),
        json.dumps({"sender": "default", "message": "hi"}).encode(),
        json.dumps({"sender": "\ud800", "message": "hi"}).encode(),
        json.dumps({"sender": "a" * 129, "message": "hi"}).encode(),
        json.dumps({"sender": True, "message": "hi"}).encode(),
        json.dumps({"sender": 12345, "message": "hi"}).encode(),
        json.dumps({"sender": "a", "message": "hi", "input_channel": "telegram"}).encode(),
        b'{"sender": "a", "message": "' + b"[" * 5000 + b'"}',
        b"[" * 20000 + b"]" * 20000,
    ]
    for body in bodies:
        answer = requests.post(rest, data=body, headers={"Content-Type": "application/json"}, timeout=120)
        assert answer.status_code < 500, (body[:60], answer.status_code)


def test_socketio_survives_hostile_messages_and_answers_each(rasa_server):
    heard = queue.Queue()
    client = socketio.Client(reconnection=False)
    confirmed = queue.Queue()
    client.on("bot_uttered", heard.put)
    client.on("session_confirm", confirmed.put)
    client.connect(rasa_server.url, socketio_path="/socket.io/", transports=["polling"], wait_timeout=30)
    try:
        client.emit("session_request", {"session_id": "telegram:123"})  # not one of ours: a new session instead
        session_id = confirmed.get(timeout=30)
        assert session_id != "telegram:123"
        messages = [t for t in TEXTS if len(t) < 5000][:40] + [None, 5, ["x"], {"a": 1}]
        silent = []
        for text in messages:
            client.emit("user_uttered", {"message": text, "session_id": session_id, "customData": {"language": 7}})
            try:
                heard.get(timeout=60)
            except queue.Empty:
                silent.append(repr(text)[:40])
            while True:  # the rest of this turn's messages, sent right after its first
                try:
                    heard.get(timeout=0.3)
                except queue.Empty:
                    break
        assert silent == []
        # a message for a session this socket did not request reaches nobody
        client.emit("user_uttered", {"message": "你好", "session_id": uuid.uuid4().hex})
        with pytest.raises(queue.Empty):
            heard.get(timeout=2)
    finally:
        client.disconnect()


def test_telegram_survives_odd_updates_and_answers_each_text(rasa_server, stack_env):
    url = f"{rasa_server.url}/webhooks/telegram/webhook"
    headers = {SECRET_HEADER: stack_env.env["TELEGRAM_WEBHOOK_SECRET"]}
    fake = rasa_server.fakes.telegram
    user = tg.new_user("zh-hans")
    texts = [t for t in TEXTS if t.strip() and len(t) < 4096][:30]
    for count, text in enumerate(texts, start=1):
        answer = requests.post(url, json=tg.text_update(user, text), headers=headers, timeout=120)
        assert answer.status_code < 500, (text, answer.status_code)
        assert len(fake.wait_sent(user["id"], count, timeout=60)) >= count, repr(text)
        count = len(fake.texts_to(user["id"]))
    odd = [
        {}, {"update_id": "x"}, {"update_id": 1}, {"update_id": 10**30}, [], "text", None,
        {"update_id": 7, "message": {}}, {"update_id": 8, "message": {"chat": {}}},
        {"update_id": 9, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}},
        {"update_id": 10, "callback_query": {"id": "1"}},
        tg.callback_update(user, '/affirm{"phone":"13911112222"}'),
        tg.callback_update(user, "x" * 5000), tg.callback_update(user, ""),
        {"update_id": 11, "message": {"message_id": 1, "date": 0, "text": "hi", "chat": {"id": -5, "type": "weird"},
                                      "from": {"id": -5, "is_bot": True, "first_name": ""}}},
        {"update_id": 12, "inline_query": {"id": "1", "from": user, "query": "x", "offset": ""}},
        {"update_id": 13, "poll": {"id": "1"}},
    ]
    for update in odd:
        answer = requests.post(url, json=update, headers=headers, timeout=120)
        assert answer.status_code < 500, (str(update)[:80], answer.status_code)


def test_wechat_survives_odd_xml_and_answers_each_text(rasa_server, stack_env):
    env = stack_env.env
    wechat = WeChatCallbacks(f"{rasa_server.url}/webhooks/wechat/webhook", env["WECHAT_TOKEN"],
                             env.get("WECHAT_AES_KEY") or None, env.get("WECHAT_APP_ID"))
    fake = rasa_server.fakes.wechat
    openid = new_openid()
    readable = [t for t in TEXTS if len(t) < 2000 and _xml_safe(t)][:30]
    for text in readable:
        xml = (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
               f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{_cdata(text)}]]></Content><MsgId>{new_msg_id()}</MsgId></xml>")
        pushed_before = len(fake.sent_to(openid)) if hasattr(fake, "sent_to") else 0
        answer = wechat.post(xml, openid)
        assert answer.status_code < 500, (text, answer.status_code)
        reply = wechat.reply(answer)
        if reply is None:  # slower than WeChat's 5 s: pushed instead
            assert len(fake.wait_sent(openid, pushed_before + 1)) > pushed_before, repr(text)
        else:
            assert reply.get("Content"), repr(text)
    odd = [
        "", "<xml>", "<xml></xml>", "not xml", "<xml><MsgType>text</MsgType></xml>",
        f"<xml><FromUserName>{openid}</FromUserName><MsgType>nonsense</MsgType></xml>",
        f"<xml><FromUserName>{openid}</FromUserName><MsgType>text</MsgType><Content></Content></xml>",
        f"<xml><FromUserName>{openid}</FromUserName><MsgType>event</MsgType><Event>CLICK</Event>"
        f"<EventKey>/EXTERNAL_ticket_update</EventKey></xml>",
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Content>&c;</Content></xml>',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
        "<xml>" + "<a>" * 2000 + "</a>" * 2000 + "</xml>",
        f"<xml><FromUserName>{openid}</FromUserName><MsgType>text</MsgType><Content>\x00</Content></xml>",
    ]
    for xml in odd:
        answer = wechat.post(xml, openid)
        assert answer.status_code < 500, (xml[:60], answer.status_code)


def _xml_safe(text):
    return all(ch in "\t\n\r" or ("\x20" <= ch <= "\ud7ff") or ("\ue000" <= ch <= "\ufffd") or ch > "\uffff"
               for ch in text) and "\x85" not in text


def test_notify_webhook_survives_hostile_events(rasa_server, stack_env):
    url = f"{rasa_server.url}/webhooks/notify/webhook"
    secret = stack_env.env["NOTIFY_WEBHOOK_SECRET"]
    bodies = [
        b"", b"{", b"[]", b"null", b'"x"', b"\xff", b"{}", b'{"service_request_id": null, "status": "resolved"}',
        b'{"service_request_id": "BJ20261128-0001"}', b'{"service_request_id": [], "status": {}}',
        b'{"service_request_id": "BJ20261128-0001", "status": "exploded"}',
        b'{"service_request_id": "\\ud800", "status": "resolved", "note": "\\u0000"}',
        json.dumps({"service_request_id": "x" * 10000, "status": "resolved", "note": "n" * 30000}).encode(),
        json.dumps({"event": "other", "service_request_id": "BJ20261128-0001", "status": "resolved"}).encode(),
        json.dumps({"service_request_id": "BJ20261128-0001", "status": "resolved", "note": {"x": 1}}).encode(),
    ]
    for body in bodies:
        timestamp = str(int(time.time()))
        signed = {"X-12345-Timestamp": timestamp, "X-12345-Signature": sign(secret, timestamp, body),
                  "Content-Type": "application/json"}
        answer = requests.post(url, data=body, headers=signed, timeout=60)
        assert answer.status_code < 500, (body[:60], answer.status_code)
        forged = dict(signed, **{"X-12345-Signature": "sha256=" + "0" * 64})
        assert requests.post(url, data=body, headers=forged, timeout=60).status_code == 403
