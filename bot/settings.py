"""One place for configuration: environment first, then the local secrets file `make run` writes."""
import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Dict, Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
SECRETS_FILE = ROOT / ".secrets" / "local.env"

# Secrets `make run` generates when the environment does not set them.
GENERATED_SECRETS = (
    "RASA_AUTH_TOKEN",
    "DISPATCH_API_KEY",
    "BACKEND_STAFF_TOKEN",
    "BACKEND_DATA_KEY",
    "CHANNEL_DATA_KEY",
    "NOTIFY_WEBHOOK_SECRET",
    "TELEGRAM_WEBHOOK_SECRET",
    "WECHAT_TOKEN",
)
PLACEHOLDERS = {"", "changeme", "change-me", "secret", "test", "dev"}


class SettingsError(RuntimeError):
    """Configuration that must not run (a placeholder secret in production, say)."""


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_auth_token: str = ""
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    dispatch_url: str = "http://127.0.0.1:8311/open311/v2"
    dispatch_api_key: str = ""
    dispatch_timeout: float = 5.0
    # The channel's own store: outbox, ticket-to-conversation map, platform dedupe.
    database_url: str = f"sqlite:///{VAR / 'channel.db'}"
    channel_data_key: str = ""
    # Rasa's conversations (bot/tracker_store.py); bot/stack.py points it at var/tracker.db.
    tracker_store_url: str = f"sqlite:///{VAR / 'tracker.db'}"
    redis_url: str = ""
    # Conversations and the channel's personal data older than this are deleted by `bot.cli purge`.
    retention_days: int = 90
    # The reference dispatch backend's store (a real city system brings its own).
    backend_database_url: str = f"sqlite:///{VAR / 'dispatch.db'}"
    backend_host: str = "127.0.0.1"
    backend_port: int = 8311
    backend_staff_token: str = ""
    backend_data_key: str = ""
    # Where the backend posts status changes, and the secret it signs them with.
    notify_url: str = "http://127.0.0.1:5005/webhooks/notify/webhook"
    notify_webhook_secret: str = ""
    portal_host: str = "127.0.0.1"
    portal_port: int = 8080
    # Citizens' photos (bot/media.py): stored here by the channels, served by the portal page server.
    media_dir: str = str(VAR / "media")
    media_base_url: str = "http://127.0.0.1:8080/media"
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_mode: str = "webhook"
    telegram_api_url: str = "https://api.telegram.org/bot"
    wechat_token: str = ""
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_aes_key: str = ""
    wechat_api_url: str = "https://api.weixin.qq.com"

    @classmethod
    def load(cls, environ: Optional[Mapping[str, str]] = None) -> "Settings":
        env = dict(read_secrets_file())
        env.update(os.environ if environ is None else environ)
        values = {}
        for f in fields(cls):
            raw = env.get(f.name.upper())
            if raw is None:
                continue
            values[f.name] = f.type(raw) if f.type in (int, float) else raw
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if self.app_env != "production":
            return
        weak = [
            name
            for name in GENERATED_SECRETS
            if getattr(self, name.lower()).strip().lower() in PLACEHOLDERS
        ]
        if weak:
            raise SettingsError(
                "refusing to start in production with unset or placeholder secrets: "
                + ", ".join(weak)
            )


def read_secrets_file(path: Path = SECRETS_FILE) -> Dict[str, str]:
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def ensure_local_secrets(path: Path = SECRETS_FILE) -> Path:
    """Generate the secrets the environment leaves unset, once, into a 0600 file."""
    existing = read_secrets_file(path)
    missing = [n for n in GENERATED_SECRETS if n not in existing and not os.environ.get(n)]
    if missing:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lines = [f"{k}={v}" for k, v in existing.items()]
        lines += [f"{name}={_new_secret(name)}" for name in missing]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path


def _new_secret(name: str) -> str:
    if name.endswith("_DATA_KEY"):
        from cryptography.fernet import Fernet

        return Fernet.generate_key().decode()
    return secrets.token_urlsafe(32)
