"""The Telegram channel on its own: real python-telegram-bot against the fake Bot API, a stub in Rasa's place."""
import asyncio

import pytest
from telegram import Update

from bot.db import migrate
from connectors.telegram.channel import TelegramInput
from connectors.telegram.output import LazyBot, TelegramOutput, split, units
from connectors.telegram.polling import Poller
from tests.fakes import telegram_api as tg

SECRET = "unit-test-telegram-secret-0123"


@pytest.fixture(scope="module")
def fake():
    api = tg.start_fake()
    yield api
    api.stop()


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'channel.db'}"
    migrate(url)
    return url


def run(fake, db_url, *updates, answer=None, media_store=None):
    """Feed updates to a fresh channel in one event loop; returns the UserMessages Rasa would have got."""
    got = []

    async def on_new_message(message):
        got.append(message)
        if answer:
            await message.output_channel.send_response(message.sender_id, answer)

    async def main():
        channel = TelegramInput(LazyBot("123:unit", fake.base_url), SECRET, db_url, media_store=media_store)
        for update in updates:
            await channel.handle(Update.de_json(update, None), on_new_message)
        await channel.bots.close()

    asyncio.run(main())
    return got


def test_text_reaches_rasa_with_language_and_update_id(fake, db_url):
    user = tg.new_user("zh-hans")
    update = tg.text_update(user, "小区门口路灯坏了")
    [message] = run(fake, db_url, update, answer={"text": "请问具体地点在哪里?"})
    assert (message.text, message.sender_id, message.input_channel) == ("小区门口路灯坏了", f"telegram:{user['id']}", "telegram")
    assert message.message_id == str(update["update_id"])
    assert message.metadata["language"] == "zh" and message.metadata["language_code"] == "zh-hans"
    assert fake.texts_to(user["id"]) == ["请问具体地点在哪里?"]
    assert "parse_mode" not in fake.sent_to(user["id"])[0]
    assert any(str(c.params["chat_id"]) == str(user["id"]) for c in fake.calls_to("sendChatAction"))


def test_start_and_status_commands_become_intents_in_the_users_language(fake, db_url):
    user = tg.new_user("en-US")
    got = run(fake, db_url, tg.text_update(user, "/start"), tg.text_update(user, "/status bj20261128-0042"),
              tg.text_update(user, "/whatever"))
    assert got[0].text == '/greet{"language": "en"}'
    assert got[1].text == '/check_status{"language": "en", "ticket_id": "BJ20261128-0042"}'
    assert got[2].text == '/ask_help{"language": "en"}'
    assert got[0].metadata["language"] == "en"


def test_location_becomes_coordinates_in_text_and_metadata(fake, db_url):
    user = tg.new_user()
    [message] = run(fake, db_url, tg.location_update(user, 39.9087, 116.3975))
    assert message.metadata["location"] == {"lat": 39.9087, "long": 116.3975}
    assert message.text == "我的位置:39.908700, 116.397500"


def test_shared_contact_fills_the_phone(fake, db_url):
    user = tg.new_user()
    [message] = run(fake, db_url, tg.contact_update(user, "+8613800138000"))
    assert message.text == "我的电话是 13800138000"
    assert message.metadata["contact_shared"] is True


def test_sticker_and_edit_get_a_polite_answer_and_reach_nobody(fake, db_url):
    user = tg.new_user("en")
    assert run(fake, db_url, tg.sticker_update(user), tg.edited_update(user, "fixed typo")) == []
    texts = fake.texts_to(user["id"])
    assert len(texts) == 2 and "only read text" in texts[0] and "Edited" in texts[1]


def test_group_messages_are_ignored_unless_addressed_then_sent_to_private(fake, db_url):
    user = tg.new_user()
    group = -1000000000000 - user["id"]
    chatter = tg.group_update(user, "大家好", group)
    addressed = tg.group_update(user, "@bj12345_test_bot 路灯坏了", group)
    got = run(fake, db_url, chatter, addressed)
    assert got == []
    [text] = fake.texts_to(group)
    assert "https://t.me/bj12345_test_bot" in text


def test_a_retried_update_is_handled_once(fake, db_url):
    user = tg.new_user()
    update = tg.text_update(user, "你好")
    assert len(run(fake, db_url, update, update)) == 1
    assert len(run(fake, db_url, update)) == 0  # also after a restart: the store remembers


def test_button_press_is_answered_the_keyboard_removed_and_the_payload_sent(fake, db_url):
    user = tg.new_user()
    [message] = run(fake, db_url, tg.text_update(user, "确认"),
                    answer={"text": "信息无误吗?", "buttons": [{"title": "是", "payload": "/affirm"},
                                                              {"title": "否", "payload": "/deny"}]})
    sent = fake.sent_to(user["id"])[-1]
    keys = sent["reply_markup"]["inline_keyboard"]
    assert [[(k["text"], k["callback_data"]) for k in row] for row in keys] == [[("是", "/affirm"), ("否", "/deny")]]
    reply = {"message_id": 555, "from": tg.BOT, "chat": {"id": user["id"], "type": "private"}, "date": 1,
             "text": "信息无误吗?", "reply_markup": sent["reply_markup"]}
    update = tg.callback_update(user, "/affirm", reply)
    [pressed] = run(fake, db_url, update)
    assert pressed.text == "/affirm" and pressed.sender_id == f"telegram:{user['id']}"
    answered = [c.params["callback_query_id"] for c in fake.calls_to("answerCallbackQuery")]
    assert update["callback_query"]["id"] in answered
    assert any(str(c.params["message_id"]) == "555" for c in fake.calls_to("editMessageReplyMarkup"))


def test_long_payloads_travel_by_key_and_fall_back_to_the_title(fake, db_url):
    user = tg.new_user()
    payload = '/inform{"contact_name":"' + "王" * 40 + '"}'
    asked = {"text": "称呼?", "buttons": [{"title": "王先生", "payload": payload}]}
    run(fake, db_url, tg.text_update(user, "x"), answer=asked)
    sent = fake.sent_to(user["id"])[-1]
    data = sent["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert len(data.encode()) <= 64
    reply = {"message_id": 556, "from": tg.BOT, "chat": {"id": user["id"], "type": "private"}, "date": 1,
             "text": "称呼?", "reply_markup": sent["reply_markup"]}
    # A fresh channel (a restart) has forgotten the key: the title stands in.
    [pressed] = run(fake, db_url, tg.callback_update(user, data, reply))
    assert pressed.text == "王先生"


def test_long_answers_are_split_under_the_limit_at_line_ends():
    text = "\n".join(f"第{i}行:" + "路灯坏了" * 30 for i in range(100))
    parts = split(text)
    assert len(parts) > 1 and all(units(p) <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert all(not p.endswith("路灯坏") for p in parts)
    assert split("🙂" * 5000) and all(units(p) <= 4096 for p in split("🙂" * 5000))


def test_a_long_answer_reaches_telegram_in_parts(fake, db_url):
    user = tg.new_user()
    run(fake, db_url, tg.text_update(user, "x"), answer={"text": "。".join(["很长的回答"] * 2000)})
    texts = fake.texts_to(user["id"])
    assert len(texts) >= 3 and all(units(t) <= 4096 for t in texts)


def test_a_user_who_blocked_the_bot_costs_no_crash(fake, db_url):
    user = tg.new_user()
    fake.blocked.add(user["id"])

    async def main():
        bots = LazyBot("123:unit", fake.base_url)
        ok = await TelegramOutput(bots, None).send(str(user["id"]), "您的工单已办结")
        await bots.close()
        return ok

    assert asyncio.run(main()) is False


def test_secret_is_compared_whole(db_url):
    channel = TelegramInput(LazyBot("123:unit", "http://127.0.0.1:9/bot"), SECRET, db_url)
    assert channel.authentic(SECRET)
    assert not channel.authentic("") and not channel.authentic(SECRET[:-1]) and not channel.authentic(SECRET + "x")
    assert not TelegramInput(channel.bots, "", db_url).authentic("")


def test_polling_feeds_the_same_handler_and_confirms_offsets(fake, db_url):
    user = tg.new_user()
    fake.webhook = {"url": "https://old.example/webhook"}  # polling must delete it first
    first, second = tg.text_update(user, "你好"), tg.text_update(user, "/start")
    fake.push_update(first)
    fake.push_update(second)
    got = []

    async def on_new_message(message):
        got.append(message)
        await message.output_channel.send_response(message.sender_id, {"text": "您好"})

    def confirmed():
        # The next getUpdates carries offset = last update_id + 1: that is how Telegram learns they arrived.
        return any(int(c.params.get("offset") or 0) == second["update_id"] + 1 for c in fake.calls_to("getUpdates"))

    async def main():
        channel = TelegramInput(LazyBot("123:unit", fake.base_url), "", db_url, mode="polling")
        poller = Poller(channel.bots, lambda u: channel.handle(u, on_new_message), timeout=1)
        poller.start()
        for _ in range(400):
            if len(got) == 2 and confirmed():
                break
            await asyncio.sleep(0.05)
        await poller.stop()
        await channel.bots.close()

    asyncio.run(main())
    assert [m.text for m in got] == ["你好", '/greet{"language": "zh"}']
    assert fake.webhook is None
    assert fake.texts_to(user["id"]) == ["您好", "您好"]
    assert confirmed()
