"""The REST channel on its own (a stub in Rasa's place): who may call it, and what becomes of the sender."""
import asyncio
import threading
import uuid

import pytest
import requests
from sanic import Sanic

from bot.stack import free_port
from connectors.rest import RestInput


class SanicInTestMode(Sanic):
    test_mode = True  # a second Sanic app in one process


class RestServer:
    """The channel's blueprint at Rasa's path on a free port, in its own thread; records what Rasa would get."""

    def __init__(self, channel: RestInput):
        self.received = []

        async def on_new_message(message):
            self.received.append(message)
            await message.output_channel.send_response(message.sender_id, {"text": "收到"})

        self.app = SanicInTestMode(f"rest_test_{uuid.uuid4().hex[:8]}")
        self.app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        self.loop = asyncio.new_event_loop()
        started = threading.Event()

        async def serve():
            self.server = await self.app.create_server(
                host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
            )
            await self.server.startup()
            started.set()

        def run():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(serve())
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert started.wait(30)

    def stop(self):
        async def close():
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def serve():
    servers = []

    def make(**kwargs):
        server = RestServer(RestInput(**kwargs))
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def test_a_sender_becomes_a_rest_conversation_id(serve):
    server = serve()
    answer = requests.post(server.url, json={"sender": "123456789", "message": "你好"}, timeout=10)
    assert answer.status_code == 200 and answer.json()[0]["text"] == "收到"
    assert [m.sender_id for m in server.received] == ["rest:123456789"]
    assert server.received[0].input_channel == "rest"


def test_in_production_without_a_token_the_channel_is_off(serve):
    server = serve(token="", production=True)
    answer = requests.post(server.url, json={"sender": "a", "message": "你好"}, timeout=10)
    assert answer.status_code == 403 and server.received == []


def test_with_a_token_a_call_needs_the_bearer_header(serve):
    server = serve(token="rest-token-0123456789", production=True)
    body = {"sender": "a", "message": "你好"}
    assert requests.post(server.url, json=body, timeout=10).status_code == 401
    wrong = {"Authorization": "Bearer rest-token-012345678"}
    assert requests.post(server.url, json=body, headers=wrong, timeout=10).status_code == 403
    basic = {"Authorization": "Basic rest-token-0123456789"}
    assert requests.post(server.url, json=body, headers=basic, timeout=10).status_code == 401
    right = {"Authorization": "Bearer rest-token-0123456789"}
    assert requests.post(server.url, json=body, headers=right, timeout=10).status_code == 200
    assert len(server.received) == 1


def test_malformed_bodies_get_400_and_reach_nothing(serve):
    server = serve()
    for raw in (b"", b"{", b"[]", b"null", b'{"sender": "a", "message": 5}', b'{"sender": "a", "metadata": []}',
                b'{"sender": "' + b"x" * 200 + b'"}', b'{"sender": "\\ud800"}', b'{"sender": "a\\u0000"}', b"\xff"):
        answer = requests.post(server.url, data=raw, headers={"Content-Type": "application/json"}, timeout=10)
        assert answer.status_code == 400, raw
    assert server.received == []
