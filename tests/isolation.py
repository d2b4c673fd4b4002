"""The stores, keys and ports of one test stack: its own, so stacks never share a database or a port."""
from pathlib import Path
from typing import Dict

from cryptography.fernet import Fernet

from bot.stack import free_port


def isolated(var: Path) -> Dict[str, str]:
    return dict(
        BACKEND_DATA_KEY=Fernet.generate_key().decode(),
        CHANNEL_DATA_KEY=Fernet.generate_key().decode(),
        DATABASE_URL=f"sqlite:///{var / 'channel.db'}",
        BACKEND_DATABASE_URL=f"sqlite:///{var / 'dispatch.db'}",
        BACKEND_PORT=str(free_port()),
        ACTION_PORT=str(free_port()),
        RASA_PORT=str(free_port()),
        PORTAL_PORT=str(free_port()),
    )
