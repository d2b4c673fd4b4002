"""The portal widget's Socket.IO channel on the real Rasa server: sessions survive a reload, metadata reaches the bot."""
import queue
import re

import pytest
import requests
import socketio

from connectors.portal.channel import WebChatInput

TICKET = re.compile(r"BJ\d{8}-\d{4}")


class WebVisitor:
    """A browser tab as rasa-webchat drives the channel: session_request, user_uttered, bot_uttered."""

    def __init__(self, rasa_url, session_id=None, language="zh"):
        self.language = language
        self.messages = queue.Queue()
        self.confirmed = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self.messages.put)
        self.client.on("session_confirm", self.confirmed.put)
        self.client.connect(rasa_url, socketio_path="/socket.io/", transports=["polling"], wait_timeout=30)
        self.client.emit("session_request", {"session_id": session_id})
        self.session_id = self.confirmed.get(timeout=30)

    def hear(self, timeout=60):
        return self.messages.get(timeout=timeout)

    def say(self, text, quiet_after=3.0):
        """Sends like the widget (customData carries the page language) and gathers the replies."""
        self.client.emit("user_uttered", {"message": text, "customData": {"language": self.language}, "session_id": self.session_id})
        replies = [self.hear()]
        while True:
            try:
                replies.append(self.messages.get(timeout=quiet_after))
            except queue.Empty:
                return replies

    def close(self):
        self.client.disconnect()


def text_of(replies):
    return "\n".join(r.get("text", "") for r in replies)


def tracker(rasa_server, sender):
    response = requests.get(
        f"{rasa_server.url}/conversations/socketio:{sender}/tracker", params={"token": rasa_server.token}, timeout=30
    )
    assert response.status_code == 200
    return response.json()


def test_metadata_keeps_language_and_plain_values_only():
    channel = WebChatInput(session_persistence=True)
    assert channel.get_metadata({"customData": {"language": "en"}}) == {"language": "en"}
    assert channel.get_metadata({"metadata": '{"language": "zh"}'}) == {"language": "zh"}
    assert channel.get_metadata({"customData": {"language": "fr", "x": {"deep": 1}}}) == {}
    assert channel.get_metadata({"customData": "not json"}) == {}


@pytest.mark.slow
def test_reload_keeps_session_and_history(rasa_server):
    first = WebVisitor(rasa_server.url, language="en")
    session_id = first.session_id
    assert re.fullmatch(r"[0-9a-f]{32}", session_id)
    assert text_of(first.say("hello"))
    first.close()

    again = WebVisitor(rasa_server.url, session_id=session_id, language="en")
    try:
        assert again.session_id == session_id  # python-socketio 5.9: enter_room works un-awaited
        assert again.say("what can you do")
        events = tracker(rasa_server, session_id)["events"]
        said = [e for e in events if e["event"] == "user"]
        assert [e["text"] for e in said] == ["hello", "what can you do"]
        assert all(e["input_channel"] == "socketio" for e in said)
        assert said[0]["metadata"]["language"] == "en"
    finally:
        again.close()


@pytest.mark.slow
def test_ticket_filed_through_the_widget_and_asked_after_reload(rasa_server, backend):
    visitor = WebVisitor(rasa_server.url)
    assert "称呼" in text_of(visitor.say("朝阳区望京西园三区5号楼门口路灯坏了三天了 电话13800138000"))
    summary = visitor.say("张三")
    buttons = [b for r in summary for b in r.get("quick_replies") or []]
    assert buttons, summary  # the confirmation renders as quick replies
    filed = text_of(visitor.say(buttons[0]["payload"]))
    ticket_id = TICKET.search(filed).group(0)
    visitor.close()

    again = WebVisitor(rasa_server.url, session_id=visitor.session_id)
    try:
        status = text_of(again.say("我的工单办得怎么样了"))
        assert ticket_id in status and "已受理" in status
    finally:
        again.close()


@pytest.mark.slow
def test_message_without_session_is_ignored_politely(rasa_server):
    visitor = WebVisitor(rasa_server.url)
    try:
        visitor.client.emit("user_uttered", {"message": "你好"})
        with pytest.raises(queue.Empty):
            visitor.messages.get(timeout=2)
        assert text_of(visitor.say("你好"))  # the connection still works
    finally:
        visitor.close()
