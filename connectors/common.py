"""What every platform's channel shares: one handling per platform message, the screen between what a
citizen sends and what Rasa takes as meaning, and an answer to every turn, even a failed one."""
import asyncio
import json
import logging
import re
from typing import Any, Awaitable, Callable, Collection, Dict, Iterable, Optional, Set, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import media
from bot.db import PlatformMessage

logger = logging.getLogger(__name__)

SORRY = {
    "zh": "抱歉,系统暂时无法处理您的消息,请稍后再试。如有紧急情况请直接拨打 12345。",
    "en": "Sorry, I cannot handle your message right now; please try again later. If urgent, call 12345.",
}
# A turn that said nothing: the action server or the backend did not answer. What was given stays in the
# tracker (Rasa keeps the form and its slots when an action call fails), so the citizen only resends.
BUSY = {
    "zh": "系统繁忙,请稍后再发一次,您已填写的内容都还在。",
    "en": "The system is busy. Please send that again in a moment; everything you have filled in is kept.",
}
# What a channel sends for a photo with no words (trusted: only a channel writes it); the photo is in the metadata.
PHOTO_ONLY = "/send_photo"
# What Rasa gets instead of a payload the bot did not offer, a system intent, or a message with nothing in it.
# The domain answers it and no slot mapping takes its text (domain.yml, rules/intake.yml).
IGNORED = "ignored_message"
MAX_BODY = 64 * 1024  # bytes of one HTTP request to the Rasa server; larger ones get 413 unread

SYSTEM = re.compile(r"\s*/EXTERNAL_", re.IGNORECASE)  # intents only trigger_intent may bring
_UNSAFE = re.compile(r"[\ud800-\udfff]")  # lone surrogates: valid in JSON, unencodable in UTF-8
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2,}")

Handler = Callable[[UserMessage], Awaitable[Any]]


def conversation_id(channel: Text, platform_id: Any) -> Text:
    """The tracker's id for a platform's user: `<channel>:<id>`, so no channel can reach another's conversations
    (a REST sender claiming "123456" is not the Telegram chat 123456)."""
    return f"{channel}:{platform_id}"


def platform_id(channel: Text, conversation: Any) -> Text:
    """The platform's own id inside a conversation id (the id itself when it carries no channel)."""
    return str(conversation).removeprefix(f"{channel}:")


def claim(engine: Engine, platform: str, message_id: str) -> bool:
    """Record the message in the channel store; False when some process (or an earlier life) had it:
    the platform retried it."""
    try:
        with Session(engine, future=True) as session, session.begin():
            session.add(PlatformMessage(platform=platform, message_id=message_id))
    except IntegrityError:
        return False
    return True


def clean(text: Any) -> Text:
    """The text with what no store or log can carry taken out: lone surrogates become U+FFFD, control and
    invisible format characters go (line breaks and tabs stay)."""
    if not isinstance(text, str):
        return ""
    return _CONTROL.sub("", _UNSAFE.sub("\ufffd", text))


def offered_in(events: Iterable[Dict[Text, Any]]) -> Set[Text]:
    """The button payloads of the bot's last turn: those after the latest user event (a system trigger counts
    as one, so the rating question sent with status news offers its buttons)."""
    offered: Set[Text] = set()
    for event in reversed(list(events)):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            for button in (event.get("data") or {}).get("buttons") or []:
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    offered.add(button["payload"].strip())
    return offered


def screen(text: Text, offered: Collection[Text]) -> Optional[Dict[Text, Any]]:
    """None when Rasa may read the text; else the parse data that replaces it.

    A text starting with "/" is taken by Rasa as an intent with entities, skipping the NLU: typed, it could
    fill any slot, rate any ticket or pose as the system (EXTERNAL_*). It passes only when it is exactly a
    button of the bot's last turn. A text with nothing in it gets no NLU either (the pipeline has no tokens)."""
    stripped = text.strip()
    if stripped and not (stripped.startswith("/") and stripped not in offered):
        return None
    return {
        "text": text,
        "intent": {"name": IGNORED, "confidence": 1.0},
        "intent_ranking": [{"name": IGNORED, "confidence": 1.0}],
        "entities": [],
    }


def photo_only(metadata: Optional[Dict[Text, Any]]) -> Text:
    """The text of a photo with no words: its entries as `photo` entities of the payload.

    Rasa sets a payload's entities from its text after the NLU has run, so bot.nlu.photos cannot add them here.
    The entries stay unverified like any entity; the actions check their seals (actions/photos.py)."""
    photos = (metadata or {}).get("photos")
    if not isinstance(photos, list) or not photos:
        return PHOTO_ONLY
    return PHOTO_ONLY + json.dumps({"photo": photos}, ensure_ascii=False, separators=(",", ":"))


def language_of(text: Text, metadata: Optional[Dict[Text, Any]]) -> Text:
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    said = (metadata or {}).get("language")
    return said if said in BUSY else "zh"


class _Counting(OutputChannel):
    """Passes every bot message on to the platform's output channel and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # type: ignore[override]
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    def __getattr__(self, attribute: Text) -> Any:
        return getattr(self.inner, attribute)


async def conversation_events(sender_id: Text) -> list:
    """The events of a conversation, read from the running Rasa server's tracker store (none outside one)."""
    agent = _agent()
    if agent is None or agent.tracker_store is None:
        # Fails closed: every button is refused. Loud, because then no button works.
        logger.warning("No Rasa agent to look up the offered buttons: a payload is taken as not offered.")
        return []
    tracker = await agent.tracker_store.retrieve(sender_id)
    return [e.as_dict() for e in tracker.events] if tracker is not None else []


def _agent() -> Any:
    """The Rasa server's agent (its Sanic app is "rasa_server" with the HTTP API, else "rasa_core_no_api")."""
    from sanic import Sanic

    for name in ("rasa_server", "rasa_core_no_api", None):
        try:
            agent = getattr(Sanic.get_app(name).ctx, "agent", None)
        except Exception:  # noqa: BLE001 - no such app (a unit test has none)
            continue
        if agent is not None:
            return agent
    return None


async def take_turn(
    on_new_message: Handler,
    message: UserMessage,
    *,
    trusted: bool = False,
    events: Callable[[Text], Awaitable[list]] = conversation_events,
) -> None:
    """Hand one citizen message to Rasa, screened, and make sure the citizen hears something.

    `trusted` is for a text the channel itself made (a Telegram command, a WeChat menu key), never for
    what the citizen typed or a button press, which a modified client can forge.
    Raises nothing: a failure is answered with BUSY like a silent turn."""
    text = clean(message.text)
    parse_data = None
    if trusted and SYSTEM.match(text):
        trusted = False  # not even a menu key set in a console may pose as the system
    if not trusted:
        offered: Collection[Text] = ()
        if text.strip().startswith("/"):
            try:
                offered = offered_in(await events(message.sender_id))
            except Exception as exc:  # noqa: BLE001 - the tracker store is away: refuse the payload, go on
                logger.error("Could not read the offered buttons: %s", type(exc).__name__)
        parse_data = screen(text, offered)
    elif not text.strip():
        parse_data = screen(text, ())
    elif text == PHOTO_ONLY:
        text = photo_only(message.metadata)
    output = _Counting(message.output_channel)
    screened = UserMessage(
        text,
        output,
        message.sender_id,
        parse_data=parse_data,
        input_channel=message.input_channel,
        message_id=message.message_id,
        metadata=message.metadata,
    )
    try:
        await on_new_message(screened)
    except Exception as exc:  # noqa: BLE001 - the citizen gets BUSY, the log the kind of failure
        logger.error("A %s turn failed: %s", message.input_channel, type(exc).__name__)
    if output.sent == 0:
        logger.warning("A %s turn said nothing (action server or backend down?): answered BUSY.", message.input_channel)
        try:
            await message.output_channel.send_text_message(message.sender_id, BUSY[language_of(text, message.metadata)])
        except Exception as exc:  # noqa: BLE001 - the platform itself is unreachable; nothing more to do
            logger.error("Could not send BUSY on %s: %s", message.input_channel, type(exc).__name__)


async def keep_photo(store: media.MediaStore, conversation: Text, data: bytes) -> Dict[Text, Any]:
    """Check, strip and store a photo a platform delivered (off the event loop: decoding takes CPU), and
    return the sealed metadata entry for the conversation's message. Raises media.Refused."""
    photo = await asyncio.get_running_loop().run_in_executor(None, store.keep, data)
    return store.attach(conversation, photo)


def limit_requests(blueprint: Any) -> None:
    """Cap the Rasa server's request bodies at MAX_BODY: Sanic answers 413 from the Content-Length header (or
    while a chunked body streams in), before any handler reads or parses it. The cap is the server's, so
    every channel installs it, whichever of them a deployment switches on."""

    @blueprint.listener("before_server_start")
    async def cap(app: Any, _loop: Any) -> None:
        app.config.REQUEST_MAX_SIZE = MAX_BODY
        app.config.WEBSOCKET_MAX_SIZE = MAX_BODY
