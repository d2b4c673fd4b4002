"""Session fixtures: the real processes of the product, each on a free loopback port, on throwaway stores."""
import importlib
from types import SimpleNamespace

import pytest

from bot.stack import MODEL, Stack, process_env, standard_processes
from tests.isolation import isolated

TEST_SECRETS = {
    "RASA_AUTH_TOKEN": "test-rasa-token-0123456789",
    "DISPATCH_API_KEY": "test-dispatch-key-0123456789",
    "BACKEND_STAFF_TOKEN": "test-staff-token-0123456789",
    "NOTIFY_WEBHOOK_SECRET": "test-notify-secret-0123456789",
    "TELEGRAM_WEBHOOK_SECRET": "test-telegram-secret-0123456789",
    "TELEGRAM_BOT_TOKEN": "123456:TEST-telegram-bot-token",
    "WECHAT_TOKEN": "test-wechat-token",
    "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "WECHAT_APP_ID": "wx0123456789abcdef",
    "WECHAT_APP_SECRET": "test-wechat-app-secret-0123456789",
}


@pytest.fixture(scope="session")
def stack_env(tmp_path_factory):
    """Environment of the whole test stack: ports, secrets and stores of this session only."""
    var = tmp_path_factory.mktemp("var")
    overrides = dict(TEST_SECRETS)
    overrides.update(isolated(var), STACK_VAR=str(var))
    env = process_env(overrides)
    # The developer's own secrets file must not leak into tests: ours win, by construction above.
    processes = {p.name: p for p in standard_processes(env, var=var)}
    return SimpleNamespace(env=env, var=var, processes=processes)


@pytest.fixture(scope="session")
def _stack(stack_env):
    stack = Stack(stack_env.env, log_dir=stack_env.var / "log")
    yield stack
    stack.stop()


def _ensure_started(stack, stack_env, name):
    process = stack_env.processes[name]
    if process.popen is None:
        stack.start(process)
    return process


@pytest.fixture(scope="session")
def backend(_stack, stack_env):
    process = _ensure_started(_stack, stack_env, "dispatch backend")
    env = stack_env.env
    return SimpleNamespace(
        url=env["DISPATCH_URL"],
        root=env["DISPATCH_URL"].split("/open311/")[0],
        api_key=env["DISPATCH_API_KEY"],
        staff_token=env["BACKEND_STAFF_TOKEN"],
        settings_env=env,
        process=process,
    )


@pytest.fixture(scope="session")
def action_server(backend, _stack, stack_env):
    process = _ensure_started(_stack, stack_env, "action server")
    return SimpleNamespace(url=stack_env.env["ACTION_SERVER_URL"], process=process)


@pytest.fixture(scope="session")
def platform_fakes(stack_env):
    """Local fakes of Telegram's and WeChat's servers, started before Rasa so its connectors point at them."""
    fakes = {}
    for name, module, var in (
        ("telegram", "tests.fakes.telegram_api", "TELEGRAM_API_URL"),
        ("wechat", "tests.fakes.wechat_api", "WECHAT_API_URL"),
    ):
        try:
            fake = importlib.import_module(module).start_fake()
        except (ImportError, AttributeError):
            continue
        stack_env.env[var] = fake.base_url
        fakes[name] = fake
    yield SimpleNamespace(**fakes)
    for fake in fakes.values():
        fake.stop()


@pytest.fixture(scope="session")
def rasa_server(action_server, platform_fakes, _stack, stack_env):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    process = _ensure_started(_stack, stack_env, "rasa server")
    return SimpleNamespace(
        url=stack_env.env["RASA_URL"], token=stack_env.env["RASA_AUTH_TOKEN"], process=process, fakes=platform_fakes
    )


@pytest.fixture(scope="session")
def portal(rasa_server, _stack, stack_env):
    process = _ensure_started(_stack, stack_env, "city portal")
    return SimpleNamespace(url=process.url, process=process)
