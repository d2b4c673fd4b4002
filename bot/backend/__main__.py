"""Starts the dispatch backend: migrate the store, register the channel's webhook, serve with waitress."""
import logging
import sys
from pathlib import Path

from waitress import serve

from bot import redact
from bot.backend import store
from bot.backend.app import create_app
from bot.db import engine_for, migrate
from bot.settings import Settings, SettingsError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def prepare(settings: Settings) -> None:
    """Schema to the newest revision, and the channel's status webhook registered (idempotent)."""
    migrate(settings.backend_database_url, MIGRATIONS)
    if settings.notify_url and settings.notify_webhook_secret:
        from sqlalchemy.orm import Session

        with Session(engine_for(settings.backend_database_url), future=True) as session, session.begin():
            store.add_webhook(settings.notify_url, settings.notify_webhook_secret, session=session)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.load()
        if not settings.backend_data_key or not settings.dispatch_api_key:
            raise SettingsError("BACKEND_DATA_KEY and DISPATCH_API_KEY must be set (make run generates them)")
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    redact.install(settings)
    prepare(settings)
    logging.getLogger(__name__).info(
        "dispatch backend on http://%s:%s/open311/v2", settings.backend_host, settings.backend_port
    )
    app = create_app(settings)
    app.extensions["webhooks"].start()  # sends the queued news, including what was queued before a restart
    serve(app, host=settings.backend_host, port=settings.backend_port, threads=8, ident="12345-dispatch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
