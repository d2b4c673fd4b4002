"""WeChat callbacks, signed and in WeChat's XML, posted to the real Rasa server; pushes land on the fake WeChat API."""
import re

import pytest
import requests

from bot import services
from tests.fakes.wechat_api import WeChatCallbacks, event_xml, new_msg_id, new_openid, text_xml

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wechat(rasa_server, stack_env):
    env = stack_env.env
    url = f"{rasa_server.url}/webhooks/wechat/webhook"
    callbacks = WeChatCallbacks(url, env["WECHAT_TOKEN"], env.get("WECHAT_AES_KEY") or None, env.get("WECHAT_APP_ID"))
    callbacks.fake = rasa_server.fakes.wechat
    callbacks.rasa = rasa_server
    return callbacks


@pytest.fixture
def user():
    return new_openid()


def answer_of(wechat, response, openid):
    """The bot's answer: the passive reply, or, when Rasa was slower than WeChat's 5 s, what was pushed."""
    assert response.status_code == 200
    reply = wechat.reply(response)
    if reply is not None:
        assert (reply["ToUserName"], reply["MsgType"]) == (openid, "text")
        return reply["Content"]
    pushed = wechat.fake.wait_sent(openid, 1)
    assert pushed, "neither a passive reply nor a customer-service push"
    return "\n\n".join(pushed)


def tracker(wechat, openid):
    answer = requests.get(
        f"{wechat.rasa.url}/conversations/wechat:{openid}/tracker", params={"token": wechat.rasa.token}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()


def user_events(wechat, openid):
    return [e for e in tracker(wechat, openid)["events"] if e["event"] == "user"]


def test_handshake_through_rasa(wechat):
    answer = wechat.handshake("echo-12345")
    assert (answer.status_code, answer.text) == (200, "echo-12345")


def test_forged_callback_is_refused_and_reaches_no_conversation(wechat, user):
    assert wechat.handshake("echo", token="forged").status_code == 403
    assert wechat.post(text_xml(user, "你好"), user, token="forged").status_code == 403
    assert user_events(wechat, user) == []


def test_text_round_trip(wechat, user):
    text = answer_of(wechat, wechat.post(text_xml(user, "你好"), user), user)
    assert text.strip()
    events = user_events(wechat, user)
    assert [e["text"] for e in events] == ["你好"]
    assert events[0]["input_channel"] == "wechat"
    assert events[0]["metadata"]["language"] == "zh"


def test_subscribe_is_welcomed_with_the_greeting(wechat, user):
    text = answer_of(wechat, wechat.post(event_xml(user, "subscribe"), user), user)
    assert text.strip()
    assert [e["parse_data"]["intent"]["name"] for e in user_events(wechat, user)] == ["greet"]


def test_a_retry_with_the_same_msgid_reaches_rasa_once(wechat, user):
    msg_id = new_msg_id()
    xml = text_xml(user, "小区门口路灯坏了", msg_id=msg_id)
    first = wechat.post(xml, user)
    retry = wechat.post(xml, user)
    assert first.status_code == retry.status_code == 200
    if wechat.reply(first) is not None:
        # Answered in time: the retry is given the same answer, not a second handling.
        assert wechat.reply(retry)["Content"] == wechat.reply(first)["Content"]
    else:
        assert retry.text == "success"
    assert [e["message_id"] for e in user_events(wechat, user)] == [f"msg:{msg_id}"]


def test_encrypted_mode_round_trip(wechat, user):
    if wechat.crypto is None:
        pytest.skip("WECHAT_AES_KEY is not set in the test stack's environment")
    answer = wechat.post(text_xml(user, "你好"), user, encrypted=True)
    assert "<Encrypt>" in answer.text or answer.text == "success"
    assert answer_of(wechat, answer, user).strip()
    assert [e["text"] for e in user_events(wechat, user)] == ["你好"]


def test_a_notification_reaches_the_wechat_user_through_the_latest_channel(wechat, user):
    answer_of(wechat, wechat.post(text_xml(user, "你好"), user), user)
    already = len(wechat.fake.sent_to(user))
    triggered = requests.post(
        f"{wechat.rasa.url}/conversations/wechat:{user}/trigger_intent",
        params={"token": wechat.rasa.token, "output_channel": "latest"},
        json={"name": "greet"},
        timeout=60,
    )
    assert triggered.status_code == 200, triggered.text
    pushed = wechat.fake.wait_sent(user, already + 1)
    assert pushed[already:], "the triggered answer was not pushed to WeChat"


def test_an_unsure_category_is_chosen_by_its_number_and_the_ticket_filed_with_it(wechat, user, backend):
    def say(text):
        return answer_of(wechat, wechat.post(text_xml(user, text), user), user)

    say("邻居家的空调外机对着我家窗户吹")
    say("海淀区学院路20号院3号楼")
    say("张三")
    summary = say("13800138000")
    # One set of numbers: the summary's two choices, the three likelier categories, then "其他类别…".
    options = dict(re.findall(r"回复 (\d):(\S+)", summary))
    assert "类别我不太确定" in summary and list(options) == ["1", "2", "3", "4", "5", "6"], summary
    assert options["1"] == "确认提交" and options["6"] == "其他类别…"
    chosen = options["4"]
    again = say("4")
    assert f"类别:{chosen}" in again and "类别我不太确定" not in again
    filed = re.search(r"BJ\d{8}-\d{4}", say("1")).group(0)
    answer = requests.get(f"{backend.url}/requests/{filed}.json", params={"api_key": backend.api_key}, timeout=10)
    assert services.get(answer.json()[0]["service_code"]).name_zh == chosen
