"""Telegram updates, as Telegram posts them, sent to the real Rasa server; answers land on the fake Bot API."""
import pytest
import requests

from connectors.telegram.channel import SECRET_HEADER
from tests.fakes import telegram_api as tg

pytestmark = pytest.mark.slow


class Telegram:
    def __init__(self, rasa, secret):
        self.rasa = rasa
        self.fake = rasa.fakes.telegram
        self.secret = secret
        self.url = f"{rasa.url}/webhooks/telegram/webhook"

    def post(self, update, secret=None, headers=True):
        sent = {SECRET_HEADER: self.secret if secret is None else secret} if headers else {}
        return requests.post(self.url, json=update, headers=sent, timeout=120)

    def user_events(self, chat_id):
        answer = requests.get(f"{self.rasa.url}/conversations/telegram:{chat_id}/tracker",
                              params={"token": self.rasa.token}, timeout=30)
        answer.raise_for_status()
        return [e for e in answer.json()["events"] if e["event"] == "user"]


@pytest.fixture(scope="module")
def telegram(rasa_server, stack_env):
    if not hasattr(rasa_server.fakes, "telegram"):
        pytest.fail("the fake Telegram API did not start")
    return Telegram(rasa_server, stack_env.env["TELEGRAM_WEBHOOK_SECRET"])


def test_forged_updates_get_403_and_reach_nothing(telegram):
    user = tg.new_user()
    update = tg.text_update(user, "你好")
    assert telegram.post(update, headers=False).status_code == 403
    assert telegram.post(update, secret="wrong-secret").status_code == 403
    assert telegram.post(update, secret=telegram.secret[:-1]).status_code == 403
    assert telegram.user_events(user["id"]) == []
    assert telegram.fake.texts_to(user["id"]) == []
    # Refused updates were not recorded as handled either: the genuine one still gets through.
    assert telegram.post(update).status_code == 200
    assert len(telegram.user_events(user["id"])) == 1


def test_text_round_trip(telegram):
    user = tg.new_user("zh-hans")
    answer = telegram.post(tg.text_update(user, "你好"))
    assert answer.status_code == 200
    assert telegram.fake.wait_sent(user["id"], 1)
    [event] = telegram.user_events(user["id"])
    assert (event["text"], event["input_channel"]) == ("你好", "telegram")
    assert event["metadata"]["language_code"] == "zh-hans"


def test_start_greets_in_the_users_language(telegram):
    user = tg.new_user("en-GB")
    assert telegram.post(tg.text_update(user, "/start")).status_code == 200
    texts = telegram.fake.wait_sent(user["id"], 1)
    assert "Hello" in texts[0]
    [event] = telegram.user_events(user["id"])
    assert event["parse_data"]["intent"]["name"] == "greet"


def test_report_with_location_contact_and_buttons(telegram):
    user = tg.new_user()
    chat = user["id"]
    assert telegram.post(tg.text_update(user, "朝阳区望京西园三区路灯坏了")).status_code == 200
    assert telegram.post(tg.location_update(user, 39.9962, 116.4707)).status_code == 200
    assert telegram.post(tg.contact_update(user, "+8613800138000")).status_code == 200
    events = telegram.user_events(chat)
    assert events[1]["metadata"]["location"] == {"lat": 39.9962, "long": 116.4707}
    assert events[2]["text"] == "我的电话是 13800138000"
    with_buttons = [p for p in telegram.fake.sent_to(chat) if p.get("reply_markup")]
    assert with_buttons, "the form offers 匿名 as a button when it asks for a name"
    sent = with_buttons[-1]
    button = sent["reply_markup"]["inline_keyboard"][0][0]
    message = {"message_id": 900, "from": tg.BOT, "chat": {"id": chat, "type": "private"}, "date": 1,
               "text": sent["text"], "reply_markup": sent["reply_markup"]}
    update = tg.callback_update(user, button["callback_data"], message)
    assert telegram.post(update).status_code == 200
    pressed = telegram.user_events(chat)[-1]
    assert pressed["text"] == button["callback_data"]
    assert pressed["parse_data"]["intent"]["name"] == "stay_anonymous"  # offered, so not screened out
    assert telegram.fake.calls_to("answerCallbackQuery")
    assert len(telegram.fake.texts_to(chat)) >= 3


def test_sticker_edit_and_group_chatter_never_reach_rasa(telegram):
    user = tg.new_user()
    group = -1000000000000 - user["id"]
    for update in (tg.sticker_update(user), tg.edited_update(user, "改一下"), tg.group_update(user, "大家好", group)):
        assert telegram.post(update).status_code == 200
    assert telegram.user_events(user["id"]) == []
    assert len(telegram.fake.texts_to(user["id"])) == 2
    assert telegram.fake.texts_to(group) == []


def test_a_retried_update_reaches_rasa_once(telegram):
    user = tg.new_user()
    update = tg.text_update(user, "你好")
    assert telegram.post(update).status_code == telegram.post(update).status_code == 200
    assert [e["message_id"] for e in telegram.user_events(user["id"])] == [str(update["update_id"])]


def test_unreadable_body_is_a_400_not_a_stack_trace(telegram):
    answer = requests.post(telegram.url, data=b"{not json", headers={SECRET_HEADER: telegram.secret}, timeout=30)
    assert answer.status_code == 400 and "Traceback" not in answer.text


def test_a_notification_reaches_the_telegram_user_through_the_latest_channel(telegram):
    user = tg.new_user()
    assert telegram.post(tg.text_update(user, "你好")).status_code == 200
    already = len(telegram.fake.wait_sent(user["id"], 1))
    triggered = requests.post(
        f"{telegram.rasa.url}/conversations/telegram:{user['id']}/trigger_intent",
        params={"token": telegram.rasa.token, "output_channel": "latest"},
        json={"name": "greet"},
        timeout=60,
    )
    assert triggered.status_code == 200, triggered.text
    assert len(telegram.fake.wait_sent(user["id"], already + 1)) > already


def test_the_bot_token_stays_out_of_the_rasa_log(telegram, stack_env):
    token = stack_env.env["TELEGRAM_BOT_TOKEN"]
    log = telegram.rasa.process.log_path.read_text(encoding="utf-8", errors="replace")
    assert token not in log and token.split(":")[1] not in log


def test_a_location_shared_when_the_form_asks_where_becomes_the_address(telegram):
    user = tg.new_user()
    assert telegram.post(tg.text_update(user, "路灯坏了")).status_code == 200
    assert "地点" in telegram.fake.wait_sent(user["id"], 1)[-1]  # the form asks where
    assert telegram.post(tg.location_update(user, 39.9962, 116.4707)).status_code == 200
    answer = requests.get(f"{telegram.rasa.url}/conversations/telegram:{user['id']}/tracker",
                          params={"token": telegram.rasa.token}, timeout=30).json()
    assert answer["slots"]["address"] == "我的位置:39.996200, 116.470700"
    assert answer["slots"]["requested_slot"] == "contact_name"
