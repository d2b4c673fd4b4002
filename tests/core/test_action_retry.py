"""A custom action whose call got no answer is called again; one that answered with an error is not."""
import asyncio
import socket
import threading

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from bot import action_retry, rasa_speedups

DOMAIN = Domain.from_dict({"slots": {"seen": {"type": "any", "mappings": [{"type": "custom"}]}}, "actions": ["action_x"]})


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    monkeypatch.setattr(action_retry, "_unanswered_until", 0.0)


@pytest.fixture
def action_server():
    """An action server on a real port that answers each call with the next of `replies` (a status, or the
    string "drop" to close the connection unanswered); after the list, 200 with one event."""
    state = {"replies": [], "calls": 0}

    async def webhook(request):
        state["calls"] += 1
        reply = state["replies"].pop(0) if state["replies"] else 200
        if reply == "drop":
            request.transport.close()
            await asyncio.sleep(1)
        if reply != 200:
            return web.Response(status=reply)
        return web.json_response({"events": [{"event": "slot", "name": "seen", "value": state["calls"]}], "responses": []})

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{port}/webhook"
    yield state
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def run_action(url):
    rasa_speedups.install()  # as every Rasa server of ours: calls on kept connections
    action_retry.install()
    action = RemoteAction("action_x", EndpointConfig(url))
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    return asyncio.run(action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, DOMAIN))


def test_a_call_dropped_or_refused_by_nginx_is_made_again_until_an_action_server_answers(action_server):
    action_server["replies"] = ["drop", 502, 503]
    assert run_action(action_server["url"]) == [SlotSet("seen", 4)]
    assert action_server["calls"] == 4


def test_an_action_that_answered_with_an_error_is_not_run_again(action_server):
    action_server["replies"] = [500]
    with pytest.raises(RasaException):
        run_action(action_server["url"])
    assert action_server["calls"] == 1


def test_an_action_server_that_stays_away_is_given_up_then_not_waited_for_again(action_server):
    action_server["replies"] = [502] * 4
    with pytest.raises(RasaException):
        run_action(action_server["url"])
    assert action_server["calls"] == 4
    # The turn's next action, or the next turn, soon after: one call, no waiting.
    action_server["replies"] = [502]
    with pytest.raises(RasaException):
        run_action(action_server["url"])
    assert action_server["calls"] == 5
    # Once an action server answers again, a lost call is retried again.
    assert run_action(action_server["url"]) == [SlotSet("seen", 6)]
    action_server["replies"] = [502]
    assert run_action(action_server["url"]) == [SlotSet("seen", 8)]
