"""What the action tests share."""
import pytest
from cryptography.fernet import Fernet

import actions.common
from bot.dispatch import Outbox
from bot.settings import Settings


@pytest.fixture
def box(backend, tmp_path):
    """The actions' outbox, on a channel store of this test, talking to the real backend."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'channel.db'}", dispatch_url=backend.url,
        dispatch_api_key=backend.api_key, channel_data_key=Fernet.generate_key().decode(),
    )
    outbox = Outbox.from_settings(settings, retry_base=0.0)
    before, actions.common._outbox = actions.common._outbox, outbox
    yield outbox
    actions.common._outbox = before
    outbox.client.close()
