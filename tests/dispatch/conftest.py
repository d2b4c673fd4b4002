"""Fixtures of the dispatch tests: a channel store per test, an outbox, a fault proxy, a backend we may stop."""
import uuid

import pytest
from cryptography.fernet import Fernet

from bot.dispatch import DispatchClient, NewTicket, Outbox
from bot.settings import Settings
from bot.stack import VENV_BIN, Process, Stack, free_port, process_env
from tests.dispatch.proxy import FaultProxy

PHONE = "13912345678"
PAGE_SIZE = 200


def new_ticket(marker: str, **overrides) -> NewTicket:
    fields = dict(
        service_code="streetlight",
        description=f"小区门口路灯坏了,晚上很黑 {marker}",
        address="朝阳区望京街道阜通东大街6号",
        contact_name="张三",
        phone=PHONE,
        district="朝阳区",
    )
    fields.update(overrides)
    return NewTicket(**fields)


@pytest.fixture
def marker():
    """A word no other ticket carries, to find this test's tickets among the backend's."""
    return f"m{uuid.uuid4().hex[:12]}"


@pytest.fixture
def channel_dir(tmp_path):
    return tmp_path / "channel"


@pytest.fixture
def make_outbox(channel_dir):
    data_key = Fernet.generate_key().decode()
    url = f"sqlite:///{channel_dir / 'channel.db'}"
    made = []

    def make(dispatch_url: str, api_key: str, timeout: float = 2.0, **options) -> Outbox:
        settings = Settings(
            database_url=url, dispatch_url=dispatch_url, dispatch_api_key=api_key,
            dispatch_timeout=timeout, channel_data_key=data_key,
        )
        # Rows are due again at once after a failure: the tests decide when a round runs, not the clock.
        options.setdefault("retry_base", 0.0)
        outbox = Outbox.from_settings(settings, **options)
        made.append(outbox)
        return outbox

    make.database_url = url
    make.data_key = data_key
    yield make
    for outbox in made:
        outbox.client.close()


@pytest.fixture
def client(backend):
    with DispatchClient(backend.url, backend.api_key, timeout=5.0) as c:
        yield c


@pytest.fixture
def proxy(backend):
    port = int(backend.url.split(":")[2].split("/")[0])
    p = FaultProxy(port)
    yield p
    p.stop()


@pytest.fixture
def dead_url():
    """An Open311 base URL where nothing listens: every call is refused."""
    return f"http://127.0.0.1:{free_port()}/open311/v2"


class BackendProcess:
    """A dispatch backend of this test alone, on a fixed port and store, so it can be stopped and started again."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.api_key = "test-own-backend-key-0123456789"
        self.env = process_env(
            dict(
                BACKEND_PORT=str(self.port),
                BACKEND_DATABASE_URL=f"sqlite:///{tmp_path / 'dispatch.db'}",
                DISPATCH_API_KEY=self.api_key,
                BACKEND_DATA_KEY=Fernet.generate_key().decode(),
                BACKEND_STAFF_TOKEN="test-own-staff-token-0123456789",
            )
        )
        self.url = f"http://127.0.0.1:{self.port}/open311/v2"
        self.stack = Stack(self.env, log_dir=tmp_path / "log")

    def start(self) -> None:
        argv = [str(VENV_BIN / "python"), "-m", "bot.backend"]
        self.stack.start(Process("dispatch backend", argv, f"http://127.0.0.1:{self.port}/health", self.url))

    def stop(self) -> None:
        self.stack.stop()


@pytest.fixture
def own_backend(tmp_path):
    backend = BackendProcess(tmp_path)
    backend.start()
    yield backend
    backend.stop()


@pytest.fixture
def tickets_on(marker):
    """The backend's tickets carrying this test's marker, fetched with GET requests.json."""

    def fetch(url: str, api_key: str):
        found, page = [], 1
        with DispatchClient(url, api_key) as c:
            while True:  # the backend pages its list; the whole session's tickets may be more than a page
                tickets = c.list(page=page, page_size=PAGE_SIZE, private=True)
                found += [t for t in tickets if t.description and marker in t.description]
                if len(tickets) < PAGE_SIZE:
                    return found
                page += 1

    return fetch

