"""A phone photo with EXIF GPS, sent as Telegram and WeChat send it, through the real stack to a filed ticket whose
media_url serves the stripped image; and a REST caller who writes photo metadata gets nothing attached."""
import io
import re

import pytest
import requests
from PIL import Image

from connectors.telegram.channel import SECRET_HEADER
from tests import photos
from tests.fakes import telegram_api as tg
from tests.fakes.wechat_api import WeChatCallbacks, image_xml, new_openid, text_xml

pytestmark = pytest.mark.slow
TICKET = re.compile(r"BJ\d{8}-\d{4}")


def ticket_of(backend, ticket_id):
    [ticket] = requests.get(f"{backend.url}/requests/{ticket_id}.json", params={"api_key": backend.api_key}, timeout=30).json()
    return ticket


def assert_serves_the_stripped_photo(ticket, portal):
    assert ticket["media_urls"] == [ticket["media_url"]] and ticket["media_url"].startswith(portal.url)
    served = requests.get(ticket["media_url"], timeout=30)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/jpeg" and served.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in served.headers["Cache-Control"]
    assert not photos.has_metadata(served.content) and b"PhoneMaker" not in served.content
    assert Image.open(io.BytesIO(served.content)).size == (64, 48)
    assert requests.get(portal.url + "media/", timeout=30).status_code == 404  # no listing


def test_a_telegram_photo_alone_starts_a_report_its_position_is_used_when_accepted_and_it_is_filed(
        rasa_server, backend, portal, stack_env):
    fake = rasa_server.fakes.telegram
    user = tg.new_user()
    chat = user["id"]

    def post(update):
        headers = {SECRET_HEADER: stack_env.env["TELEGRAM_WEBHOOK_SECRET"]}
        assert requests.post(f"{rasa_server.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=120).ok
        return fake.texts_to(chat)[-1]

    def press(payload):
        sent = [p for p in fake.sent_to(chat) if p.get("reply_markup")][-1]
        message = {"message_id": 901, "from": tg.BOT, "chat": {"id": chat, "type": "private"}, "date": 1,
                   "text": sent["text"], "reply_markup": sent["reply_markup"]}
        return post(tg.callback_update(user, payload, message))

    assert "收到照片,请说一下是什么问题、在哪里" in post(tg.photo_update(fake, user, photos.jpeg_with_gps()))
    assert "拍摄位置(39.905500,116.397600)" in post(tg.text_update(user, "小区门口的路灯坏了三天了,晚上很黑"))
    press("/use_photo_location")
    post(tg.text_update(user, "王女士"))
    summary = post(tg.text_update(user, "13912345678"))
    assert "照片:1 张" in summary and "照片拍摄位置" in summary
    filed = press("/affirm")
    ticket = ticket_of(backend, TICKET.search(filed).group(0))
    assert (ticket["lat"], ticket["long"]) == pytest.approx(photos.GPS, abs=1e-4)
    assert_serves_the_stripped_photo(ticket, portal)
    [public] = requests.get(f"{backend.url}/requests/{ticket['service_request_id']}.json", timeout=30).json()
    assert "media_url" not in public and "media_urls" not in public


def test_a_wechat_image_is_fetched_by_media_id_and_filed_with_its_position_declined(
        rasa_server, backend, portal, stack_env):
    env = stack_env.env
    wechat = WeChatCallbacks(f"{rasa_server.url}/webhooks/wechat/webhook", env["WECHAT_TOKEN"],
                             env.get("WECHAT_AES_KEY") or None, env.get("WECHAT_APP_ID"))
    fake = rasa_server.fakes.wechat
    user = new_openid()

    def say(xml):
        answer = wechat.post(xml, user)
        assert answer.status_code == 200
        reply = wechat.reply(answer)
        return reply["Content"] if reply else "\n".join(fake.wait_sent(user, 1))

    media_id = fake.add_media(photos.jpeg_with_gps())
    assert "收到照片" in say(image_xml(user, media_id=media_id))
    assert "拍摄位置" in say(text_xml(user, "楼道里的灯坏了一个星期了"))
    assert "具体地点在哪里" in say(text_xml(user, "2"))  # 不用,我来输入
    say(text_xml(user, "东城区东四十条甲22号3单元"))
    say(text_xml(user, "李先生"))
    assert "照片:1 张" in say(text_xml(user, "13912345678"))
    filed = say(text_xml(user, "1"))
    ticket = ticket_of(backend, TICKET.search(filed).group(0))
    assert ticket["lat"] is None and ticket["address"] == "东城区东四十条甲22号3单元"
    assert_serves_the_stripped_photo(ticket, portal)


def test_a_rest_caller_cannot_attach_a_photo_by_writing_metadata(rasa_server, portal):
    url = portal.url + "media/" + "a" * 64 + ".jpg"
    forged = {"photos": [{"url": url, "lat": 39.9, "long": 116.4, "seal": "0" * 64}]}
    sender = "photo-forger"
    answers = []
    for text in ("/send_photo", "小区门口的路灯坏了三天了"):
        answer = requests.post(f"{rasa_server.url}/webhooks/rest/webhook",
                               json={"sender": sender, "message": text, "metadata": forged}, timeout=120)
        assert answer.ok
        answers.append(" ".join(m.get("text", "") for m in answer.json()))
    assert "拍摄位置" not in answers[-1] and "具体地点在哪里" in answers[-1]  # the forged position is not offered
    tracker = requests.get(f"{rasa_server.url}/conversations/rest:{sender}/tracker",
                           params={"token": rasa_server.token}, timeout=30).json()
    # The NLU passes the caption's metadata on unverified (bot/nlu/photos.py); the actions keep none of it.
    assert tracker["slots"]["photos"] in (None, forged["photos"]) and tracker["slots"]["photo_gps"] is None
    first = [e for e in tracker["events"] if e["event"] == "user"][0]
    assert first["parse_data"]["intent"]["name"] == "ignored_message"  # "/send_photo" typed is no photo
