"""Polling mode end to end: a Rasa server with TELEGRAM_MODE=polling fetches updates from the fake Bot API itself."""
import pytest

from bot.stack import MODEL, Stack, free_port, standard_processes
from tests.fakes import telegram_api as tg

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def polling_rasa(action_server, stack_env, tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train`")
    fake = tg.start_fake()
    var = tmp_path_factory.mktemp("telegram-polling")
    env = dict(stack_env.env)
    env.update(TELEGRAM_MODE="polling", TELEGRAM_API_URL=fake.base_url, RASA_PORT=str(free_port()))
    for key in ("RASA_URL", "NOTIFY_URL"):
        env.pop(key, None)
    rasa = next(p for p in standard_processes(env, var=var) if p.name == "rasa server")
    stack = Stack(env, log_dir=var / "log")
    stack.start(rasa)
    yield fake
    stack.stop()
    fake.stop()


def test_updates_fetched_by_polling_are_answered(polling_rasa):
    fake = polling_rasa
    user = tg.new_user("en")
    fake.push_update(tg.text_update(user, "/start"))
    texts = fake.wait_sent(user["id"], 1, timeout=120)
    assert texts and "Hello" in texts[0]
    assert fake.calls_to("deleteWebhook")
    fake.push_update(tg.sticker_update(user))
    assert len(fake.wait_sent(user["id"], 2, timeout=60)) == 2
