"""What every action needs: the citizen's language, the outbox and the dispatch client, made once per process."""
import threading
from datetime import datetime
from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker

from bot import redact, services
from bot.dispatch import Outbox, start_delivery_thread
from bot.dispatch.models import BEIJING
from bot.nlu import entities
from bot.settings import Settings
from bot.vocabulary import LANGUAGES

_lock = threading.Lock()
_outbox: Optional[Outbox] = None


def outbox() -> Outbox:
    """The outbox, created at first use; its delivery thread sends what waited while the backend was away."""
    global _outbox
    with _lock:
        if _outbox is None:
            settings = Settings.load()
            redact.install(settings)
            _outbox = Outbox.from_settings(settings)
            start_delivery_thread(_outbox, interval=5.0)
        return _outbox


def language_said(tracker: Tracker) -> Optional[Text]:
    """The language of the latest message: its words, or a button payload's `language`; None for digits alone."""
    text = tracker.latest_message.get("text") or ""
    external = ((tracker.latest_message.get("intent") or {}).get("name") or "").startswith("EXTERNAL_")
    if not text.startswith("/") and not external:  # Rasa writes "EXTERNAL: …" as the text of a trigger
        return entities.language(text)
    found = entity(tracker, "language")
    return found if found in LANGUAGES else None


def language(tracker: Tracker) -> Text:
    said = language_said(tracker)
    if said:
        return said
    metadata = tracker.get_slot("session_started_metadata") or {}
    return tracker.get_slot("language") or metadata.get("language") or "zh"


def entity(tracker: Tracker, name: Text) -> Optional[Any]:
    values = [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]
    return values[0] if values else None


def when(moment: Optional[datetime], lang: Text) -> Text:
    if moment is None:
        return "—"
    local = moment.astimezone(BEIJING)
    return local.strftime("%Y-%m-%d %H:%M") if lang == "en" else local.strftime("%m月%d日 %H:%M")


def service_words(code: Optional[Text]) -> Dict[Text, Text]:
    service = services.get(code or "other")
    return {
        "category_zh": service.name_zh,
        "category_en": service.name_en,
        "agency": service.agency,
        "agency_en": service.agency_en,
    }


def channel_of(tracker: Tracker) -> Text:
    return tracker.get_latest_input_channel() or "rest"
