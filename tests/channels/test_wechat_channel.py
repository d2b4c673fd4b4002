"""The WeChat channel on a real Sanic server with a stub in Rasa's place, against the fake WeChat API."""
import asyncio
import threading
import time
import uuid
from dataclasses import replace

import pytest
import requests
from sanic import Sanic

from bot.db import migrate
from bot.settings import Settings
from bot.stack import free_port
from connectors.wechat.channel import ONLY_TEXT, WeChatInput
from connectors.common import BUSY
from tests import photos
from tests.fakes.wechat_api import (
    WeChatCallbacks,
    event_xml,
    image_xml,
    location_xml,
    new_msg_id,
    new_openid,
    start_fake,
    text_xml,
)

TOKEN = "unit-wechat-token"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "unit-wechat-app-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as the console gives it


class StubRasa:
    """Stands in for Rasa's on_new_message: answers "收到:<text>", or as a test says, and can be held back."""

    def __init__(self):
        self.received = []
        self.gate = threading.Event()
        self.gate.set()
        self.answers = None  # a list of bot messages instead of the echo
        self.fail = False
        self.hold_at = 0  # the answer before which a closed gate holds the turn

    async def __call__(self, message):
        self.received.append(message)
        for index, answer in enumerate(self.answers or [{"text": f"收到:{message.text}"}]):
            if index == self.hold_at:
                while not self.gate.is_set():  # a slow Rasa (or action), released by the test
                    await asyncio.sleep(0.02)
                if self.fail:
                    raise RuntimeError("rasa broke")
            await message.output_channel.send_response(message.sender_id, dict(answer))

    def texts(self):
        return [m.text for m in self.received]


class SanicInTestMode(Sanic):
    # Sanic rewrites its own methods at startup, which breaks a second app in one process unless in test mode.
    test_mode = True


class ChannelServer:
    """A Sanic server on a free port with the channel's blueprint where Rasa mounts it, in its own thread."""

    def __init__(self, channel: WeChatInput, stub: StubRasa):
        self.channel, self.stub = channel, stub
        self.app = SanicInTestMode(f"wechat_test_{uuid.uuid4().hex[:8]}")
        self.app.blueprint(channel.blueprint(stub), url_prefix="/webhooks/wechat")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhooks/wechat/webhook"
        self.loop = asyncio.new_event_loop()
        started = threading.Event()

        async def serve():
            self.server = await self.app.create_server(
                host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
            )
            await self.server.startup()
            started.set()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(serve())
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(30), "the test server did not start"

    def run(self, coroutine):
        """Runs a coroutine on the server's loop (where the channel's client lives) and returns its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def stop(self):
        async def close():
            await self.channel.client.close()
            self.server.close()
            await self.server.wait_closed()

        self.run(close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def fake_api():
    fake = start_fake(APP_ID, APP_SECRET)
    yield fake
    fake.stop()


@pytest.fixture
def settings(tmp_path, fake_api):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'channel.db'}",
        wechat_token=TOKEN,
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_aes_key=AES_KEY,
        wechat_api_url=fake_api.base_url,
        media_dir=str(tmp_path / "media"),
        media_base_url="http://portal.test/media",
        channel_data_key="unit-channel-key",
    )
    migrate(settings.database_url)
    return settings


@pytest.fixture
def make_server(settings):
    servers = []

    def make(reply_deadline=1.0):
        stub = StubRasa()
        server = ChannelServer(WeChatInput(TOKEN, settings, reply_deadline=reply_deadline), stub)
        servers.append(server)
        server.wechat = WeChatCallbacks(server.url, TOKEN, AES_KEY, APP_ID)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server):
    return make_server()


@pytest.fixture
def user():
    return new_openid()


def test_handshake_echoes_echostr(server):
    answer = server.wechat.handshake("echo-4242")
    assert answer.status_code == 200
    assert answer.text == "echo-4242"


def test_forged_calls_get_403_and_reach_nothing(server, user):
    assert server.wechat.handshake("echo", token="wrong-token").status_code == 403
    forged = server.wechat.post(text_xml(user, "你好"), user, token="wrong-token")
    assert forged.status_code == 403
    unsigned = requests.post(server.url, data=text_xml(user, "你好").encode(), timeout=10)
    assert unsigned.status_code == 403
    assert server.stub.received == []


def test_text_gets_a_passive_reply(server, user):
    answer = server.wechat.post(text_xml(user, "小区门口路灯坏了"), user)
    reply = server.wechat.reply(answer)
    assert reply["MsgType"] == "text"
    assert reply["Content"] == "收到:小区门口路灯坏了"
    assert reply["ToUserName"] == user
    message = server.stub.received[0]
    assert (message.sender_id, message.input_channel) == (f"wechat:{user}", "wechat")
    assert message.metadata["language"] == "zh"


def test_several_bot_messages_make_one_reply(server, user):
    server.stub.answers = [{"text": "第一条"}, {"text": "第二条"}]
    reply = server.wechat.reply(server.wechat.post(text_xml(user, "你好"), user))
    assert reply["Content"] == "第一条\n\n第二条"


def test_subscribe_gets_the_welcome_of_greet(server, user):
    reply = server.wechat.reply(server.wechat.post(event_xml(user, "subscribe"), user))
    assert server.stub.texts() == ["/greet"]
    assert reply["Content"] == "收到:/greet"


def test_unsubscribe_is_acknowledged_silently(server, user):
    answer = server.wechat.post(event_xml(user, "unsubscribe"), user)
    assert answer.text == "success"
    assert server.stub.received == []


def test_retry_with_the_same_msgid_is_handled_once(server, user):
    xml = text_xml(user, "路灯坏了", msg_id=new_msg_id())
    first = server.wechat.reply(server.wechat.post(xml, user))
    again = server.wechat.reply(server.wechat.post(xml, user))
    assert first["Content"] == again["Content"] == "收到:路灯坏了"
    assert server.stub.texts() == ["路灯坏了"]


def test_retry_while_the_first_is_in_flight_shares_its_answer(make_server, user):
    server = make_server(reply_deadline=30.0)
    server.stub.gate.clear()
    xml = text_xml(user, "井盖丢了", msg_id=new_msg_id())
    answers = []
    posts = [threading.Thread(target=lambda: answers.append(server.wechat.post(xml, user))) for _ in range(2)]
    posts[0].start()
    while not server.stub.received:
        time.sleep(0.02)
    posts[1].start()
    time.sleep(0.3)  # lets the retry arrive first; the outcome is the same if it comes later
    server.stub.gate.set()
    for post in posts:
        post.join(30)
    assert [server.wechat.reply(a)["Content"] for a in answers] == ["收到:井盖丢了"] * 2
    assert server.stub.texts() == ["井盖丢了"]


def test_a_message_the_store_knows_is_not_handled_again(make_server, user):
    # Another process (or this one before a restart) handled the message: only the store remembers.
    xml = text_xml(user, "噪音扰民", msg_id=new_msg_id())
    first, restarted = make_server(), make_server()
    assert first.wechat.reply(first.wechat.post(xml, user))["Content"] == "收到:噪音扰民"
    assert restarted.wechat.post(xml, user).text == "success"
    assert restarted.stub.received == []


def test_events_are_deduplicated_by_sender_and_time(server, user):
    xml = event_xml(user, "subscribe", create_time=1764300000)
    server.wechat.post(xml, user)
    server.wechat.post(xml, user)
    assert server.stub.texts() == ["/greet"]


def test_a_slow_answer_is_pushed_through_the_customer_service_api(make_server, fake_api, user):
    server = make_server(reply_deadline=0.3)
    server.stub.gate.clear()
    server.stub.answers = [{"text": "已为您登记"}, {"text": "工单号 BJ20261128-0042"}]
    answer = server.wechat.post(text_xml(user, "路灯坏了"), user)
    assert (answer.status_code, answer.text) == (200, "success")
    server.stub.gate.set()
    assert fake_api.wait_sent(user, 2) == ["已为您登记", "工单号 BJ20261128-0042"]
    assert [c.path for c in fake_api.calls] == ["/cgi-bin/token", "/cgi-bin/message/custom/send", "/cgi-bin/message/custom/send"]


def test_what_is_ready_at_the_deadline_is_replied_and_the_rest_pushed(make_server, fake_api, user):
    server = make_server(reply_deadline=0.3)
    server.stub.gate.clear()
    server.stub.answers = [{"text": "正在为您提交工单"}, {"text": "工单号 BJ20261128-0042"}]
    server.stub.hold_at = 1  # the first message comes at once, the second after a slow action
    reply = server.wechat.reply(server.wechat.post(text_xml(user, "确认"), user))
    assert reply["Content"] == "正在为您提交工单"
    server.stub.gate.set()
    assert fake_api.wait_sent(user, 1) == ["工单号 BJ20261128-0042"]


def test_a_turn_failing_after_the_deadline_is_apologised_for_by_push(make_server, fake_api, user):
    server = make_server(reply_deadline=0.3)
    server.stub.gate.clear()
    server.stub.fail = True
    assert server.wechat.post(text_xml(user, "你好"), user).text == "success"
    server.stub.gate.set()
    assert fake_api.wait_sent(user, 1) == [BUSY["zh"]]


def test_a_retry_of_a_pushed_turn_gets_success_and_no_second_push(make_server, fake_api, user):
    server = make_server(reply_deadline=0.3)
    server.stub.gate.clear()
    xml = text_xml(user, "路灯坏了", msg_id=new_msg_id())
    assert server.wechat.post(xml, user).text == "success"
    assert server.wechat.post(xml, user).text == "success"
    server.stub.gate.set()
    assert fake_api.wait_sent(user, 1) == ["收到:路灯坏了"]
    assert server.stub.texts() == ["路灯坏了"]


def test_encrypted_mode_round_trip(server, user):
    answer = server.wechat.post(text_xml(user, "我要投诉"), user, encrypted=True)
    assert "<Encrypt>" in answer.text and "我要投诉" not in answer.text
    assert server.wechat.reply(answer)["Content"] == "收到:我要投诉"


def test_encrypted_message_with_a_wrong_msg_signature_is_403(server, user):
    forged = WeChatCallbacks(server.url, TOKEN, "B" * 43, APP_ID)  # encrypts with another key
    forged.crypto.token = "another-token"
    answer = forged.post(text_xml(user, "你好"), user, encrypted=True)
    assert answer.status_code == 403
    assert server.stub.received == []


def test_buttons_become_numbered_options_and_a_number_their_payload(server, user):
    server.stub.answers = [
        {"text": "请确认以上信息是否正确", "buttons": [{"title": "确认", "payload": "/affirm"}, {"title": "修改", "payload": "/deny"}]}
    ]
    reply = server.wechat.reply(server.wechat.post(text_xml(user, "提交"), user))
    assert reply["Content"] == "请确认以上信息是否正确\n回复 1:确认\n回复 2:修改"
    server.stub.answers = None
    server.wechat.post(text_xml(user, "１"), user)
    server.wechat.post(text_xml(user, "1"), user)  # options answer one question only
    assert server.stub.texts() == ["提交", "/affirm", "1"]


def test_an_image_whose_file_is_gone_gets_a_polite_answer_without_rasa(server, user):
    reply = server.wechat.reply(server.wechat.post(image_xml(user, media_id="expired"), user))
    assert reply["Content"].startswith("抱歉,照片暂时无法接收")
    assert server.stub.received == []


def test_a_voice_message_without_recognition_gets_a_polite_answer_without_rasa(server, user):
    xml = image_xml(user).replace("[image]", "[voice]").replace("<PicUrl>", "<Format>amr</Format><PicUrl>")
    reply = server.wechat.reply(server.wechat.post(xml, user))
    assert reply["Content"] == ONLY_TEXT
    assert server.stub.received == []


def test_an_image_is_fetched_by_its_media_id_stripped_and_attached_sealed(server, user, fake_api):
    media_id = fake_api.add_media(photos.jpeg_with_gps())
    server.wechat.post(image_xml(user, media_id=media_id), user)
    [message] = server.stub.received
    assert message.text.startswith('/send_photo{"photo":[{')  # the entries as entities (connectors.common.photo_only)
    [entry] = server.channel.media.genuine(message.sender_id, message.metadata)
    assert (entry["lat"], entry["long"]) == pytest.approx(photos.GPS, abs=1e-4)
    assert not photos.has_metadata(server.channel.media.path(entry["url"].rsplit("/", 1)[1]).read_bytes())


@pytest.mark.parametrize("make, words", [(photos.renamed_pdf, "JPEG、PNG 或 WebP"), (photos.truncated_jpeg, "损坏"),
                                         (photos.decompression_bomb, "尺寸太大")])
def test_bad_images_are_refused_politely_without_rasa(server, user, fake_api, make, words):
    reply = server.wechat.reply(server.wechat.post(image_xml(user, media_id=fake_api.add_media(make())), user))
    assert words in reply["Content"]
    assert server.stub.received == []


def test_location_becomes_lat_long_metadata(server, user):
    server.wechat.post(location_xml(user, 39.9087, 116.3975, "北京市东城区天安门"), user)
    message = server.stub.received[0]
    assert message.text == "北京市东城区天安门"
    assert (message.metadata["lat"], message.metadata["long"]) == (39.9087, 116.3975)


def test_bad_xml_gets_400_not_a_stack_trace(server, user):
    answer = server.wechat.post("<xml><oops", user)
    assert answer.status_code == 400
    assert "Traceback" not in answer.text


def test_a_failing_turn_gets_an_apology(server, user):
    server.stub.fail = True
    reply = server.wechat.reply(server.wechat.post(text_xml(user, "你好"), user))
    assert reply["Content"] == BUSY["zh"]


def test_output_channel_pushes_notifications_with_one_cached_token(server, fake_api, user):
    output = server.channel.get_output_channel()
    server.run(output.send_response(user, {"text": "您的工单 BJ20261128-0042 已办结"}))
    server.run(output.send_response(user, {"text": "请对办理结果评价", "buttons": [{"title": "满意", "payload": "/affirm"}]}))
    assert fake_api.sent_to(user) == ["您的工单 BJ20261128-0042 已办结", "请对办理结果评价\n回复 1:满意"]
    assert [c.path for c in fake_api.calls].count("/cgi-bin/token") == 1


def test_a_token_invalidated_elsewhere_is_fetched_again(server, fake_api, user):
    output = server.channel.get_output_channel()
    server.run(output.send_response(user, {"text": "第一条"}))
    fake_api.expire_tokens()
    server.run(output.send_response(user, {"text": "第二条"}))
    assert fake_api.sent_to(user) == ["第一条", "第二条"]
    assert [c.path for c in fake_api.calls].count("/cgi-bin/token") == 2


def test_a_refused_push_is_logged_not_raised(settings, fake_api, user, caplog):
    channel = WeChatInput(TOKEN, replace(settings, wechat_app_secret="not-the-secret"))
    delivered = asyncio.run(_push_and_close(channel, user))
    assert delivered is False
    assert fake_api.sent_to(user) == []
    assert "not-the-secret" not in caplog.text


async def _push_and_close(channel, user):
    try:
        return await channel.get_output_channel().push(user, "你好")
    finally:
        await channel.client.close()


def test_a_text_over_wechats_size_limit_is_pushed_in_parts(server, fake_api, user):
    long = "路灯" * 700  # 4200 bytes, WeChat takes 2048 a message
    server.run(server.channel.get_output_channel().send_response(user, {"text": long}))
    parts = fake_api.sent_to(user)
    assert "".join(parts) == long
    assert all(len(p.encode()) <= 2048 for p in parts)


def test_a_voice_message_with_wechats_recognition_is_handled_as_text(server, user):
    xml = (
        f"<xml><ToUserName><![CDATA[gh_12345beijing01]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>1764300000</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[m1]]></MediaId>"
        f"<Format><![CDATA[amr]]></Format><Recognition><![CDATA[楼下太吵了]]></Recognition><MsgId>{new_msg_id()}</MsgId></xml>"
    )
    assert server.wechat.reply(server.wechat.post(xml, user))["Content"] == "收到:楼下太吵了"


def test_a_menu_click_keyed_with_an_intent_triggers_it(server, user):
    server.wechat.post(event_xml(user, "CLICK", key="/check_status"), user)
    server.wechat.post(event_xml(user, "CLICK", key="MENU_ABOUT", create_time=1764300001), user)
    assert server.stub.texts() == ["/check_status"]
