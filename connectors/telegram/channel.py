"""Telegram channel: Bot API updates at /webhooks/telegram/webhook (secret header checked) or by polling."""
import asyncio
import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import CallbackQuery, Message, Update, User
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot import media, phone
from bot.db import engine_for, migrate
from bot.settings import Settings
from connectors.common import PHOTO_ONLY, SORRY, claim, conversation_id, keep_photo, limit_requests, take_turn
from connectors.telegram.output import LazyBot, Payloads, TelegramOutput, TelegramUnavailable
from connectors.telegram.polling import Poller

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXTS = {
    "only_text": {
        "zh": "您好,目前只能处理文字、照片、位置和联系人。请用文字描述您要反映的问题、咨询的事项或地址。",
        "en": "Sorry, I can only read text, photos, a shared location or a shared contact. Please describe it in words.",
    },
    "edited": {
        "zh": "修改过的消息不会被处理。如需更正,请直接发一条新消息。",
        "en": "Edited messages are not processed. To correct something, please send a new message.",
    },
    "private_only": {
        "zh": "为保护您的个人信息,请私聊我反映问题:https://t.me/{username}",
        "en": "To protect your personal details, please write to me privately: https://t.me/{username}",
    },
    "location": {"zh": "我的位置:{lat:.6f}, {long:.6f}", "en": "My location: {lat:.6f}, {long:.6f}"},
    "phone": {"zh": "我的电话是 {phone}", "en": "My phone number is {phone}"},
}


def language_of(user: Optional[User]) -> str:
    """zh for Chinese Telegram clients and for users whose client says nothing; en for every other language."""
    code = (user.language_code or "") if user else ""
    return "zh" if not code or code.lower().startswith("zh") else "en"


class TelegramInput(InputChannel):
    """Rasa input channel of a Telegram bot; private chats only (in groups it asks to be written to privately)."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        settings = Settings.load()
        credentials = credentials or {}
        token = credentials.get("access_token") or settings.telegram_bot_token
        secret = credentials.get("webhook_secret") or settings.telegram_webhook_secret
        mode = credentials.get("mode") or settings.telegram_mode
        if not token:
            cls.raise_missing_credentials_exception()
        if mode not in ("webhook", "polling"):
            raise RasaException(f"TELEGRAM_MODE must be webhook or polling, not {mode!r}")
        if mode == "webhook" and not secret:
            raise RasaException("Telegram webhook mode needs TELEGRAM_WEBHOOK_SECRET")
        # httpx logs every request URL at INFO, and a Bot API URL holds the token.
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)
        migrate(settings.database_url)
        return cls(LazyBot(token, settings.telegram_api_url), secret, settings.database_url, mode,
                   media_store=media.MediaStore.from_settings(settings))

    def __init__(self, bots: LazyBot, secret: str, database_url: str, mode: str = "webhook", poll_timeout: int = 25,
                 media_store: Optional[media.MediaStore] = None):
        self.bots = bots
        self.media = media_store
        self.secret = secret
        self.engine = engine_for(database_url)
        self.mode = mode
        self.poll_timeout = poll_timeout
        self.payloads = Payloads()
        self.poller: Optional[Poller] = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        return TelegramOutput(self.bots, self.payloads)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("telegram_webhook", __name__)
        limit_requests(hook)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authentic(request.headers.get(SECRET_HEADER, "")):
                return response.text("forbidden", status=403)
            try:
                update = Update.de_json(json.loads(request.body or b"null"), None)
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
                log.warning("unreadable Telegram update: %s", type(exc).__name__)
                return response.text("bad request", status=400)
            await self.handle(update, on_new_message)
            return response.text("success")

        if self.mode == "polling":

            @hook.listener("after_server_start")
            async def start_polling(_app, _loop) -> None:
                self.poller = Poller(self.bots, lambda u: self.handle(u, on_new_message), self.poll_timeout)
                self.poller.start()

            @hook.listener("before_server_stop")
            async def stop_polling(_app, _loop) -> None:
                if self.poller is not None:
                    await self.poller.stop()
                await self.bots.close()

        return hook

    def authentic(self, header: str) -> bool:
        # An unset secret authenticates nothing (polling mode has no webhook to protect).
        return bool(self.secret) and hmac.compare_digest(header.encode(), self.secret.encode())

    # --- one update ------------------------------------------------------------------------------

    async def handle(self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Handle an update once, whatever it holds; never raises (a failure is answered with an apology)."""
        loop = asyncio.get_running_loop()
        if not await loop.run_in_executor(None, claim, self.engine, "telegram", str(update.update_id)):
            log.info("Telegram update %s ignored: already handled", update.update_id)
            return
        chat_id, lang = None, "zh"
        try:
            if update.callback_query is not None:
                chat_id, lang = await self._callback(update, update.callback_query, on_new_message)
            elif update.message is not None:
                chat_id, lang = update.message.chat.id, language_of(update.message.from_user)
                await self._message(update, update.message, on_new_message)
            elif update.edited_message is not None:
                await self._edited(update.edited_message)
            # Anything else (channel posts, membership changes, inline queries) is not for a hotline.
        except Exception as exc:  # noqa: BLE001 - the citizen gets an apology, the log the kind of failure
            log.error("Telegram update %s failed: %r", update.update_id, type(exc).__name__)
            if chat_id is not None:
                await self.get_output_channel().send(str(chat_id), SORRY[lang])

    async def _message(self, update: Update, message: Message, on_new_message) -> None:
        chat = message.chat
        lang = language_of(message.from_user)
        if chat.type != "private":
            if await self._addressed(message):
                bot = await self.bots.get()
                await self._say(chat.id, TEXTS["private_only"][lang].format(username=bot.username))
            return
        code = getattr(message.from_user, "language_code", None)
        metadata: Dict[str, Any] = {"language": lang, "language_code": code}
        text = message.text or message.caption  # a photo's caption still says what is wrong
        made = False  # True for a command: this channel wrote its "/intent{...}" itself
        if message.location is not None:
            point = {"lat": message.location.latitude, "long": message.location.longitude}
            metadata["location"] = point
            text = TEXTS["location"][lang].format(**point)
            if message.venue is not None:
                metadata["location"]["address"] = message.venue.address
                text = f"{message.venue.title} {message.venue.address}".strip()
        elif message.contact is not None:
            number = phone.normalize(message.contact.phone_number) or message.contact.phone_number
            metadata["contact_shared"] = True
            text = TEXTS["phone"][lang].format(phone=number)
        elif message.text and message.text.startswith("/"):
            text, made = _command(message.text, lang), True
        picture = _picture(message)
        if picture is not None and self.media is not None:
            entry = await self._photo(picture, chat.id, lang)
            if entry is None and not text:
                return  # refused, and told why; a caption still goes on below
            if entry is not None:
                metadata["photos"] = [entry]
                if not text:
                    text, made = PHOTO_ONLY, True
        if not text:
            if message.effective_attachment is not None or message.sticker is not None:
                await self._say(chat.id, TEXTS["only_text"][lang])
                return
            if message.text is None:
                return  # a service message (someone joined, a pin): nothing was said
        await self._typing(chat.id)
        said = self._user_message(text or "", chat.id, update.update_id, metadata)
        await take_turn(on_new_message, said, trusted=made)

    async def _photo(self, picture: Any, chat_id: int, lang: str) -> Optional[Dict[str, Any]]:
        """Download a photo through getFile and keep it; None (the citizen told why) when it is refused."""
        try:
            if (picture.file_size or 0) > media.MAX_BYTES:
                raise media.Refused("too_big")  # known before downloading a byte
            bot = await self.bots.get()
            data = bytes(await (await bot.get_file(picture.file_id)).download_as_bytearray())
            return await keep_photo(self.media, conversation_id(self.name(), chat_id), data)
        except media.Refused as refused:
            await self._say(chat_id, media.refusal(refused.reason, lang))
        except (TelegramError, TelegramUnavailable, OSError) as exc:
            log.warning("Telegram photo not received: %s", type(exc).__name__)
            await self._say(chat_id, media.refusal("unavailable", lang))
        return None

    async def _callback(self, update: Update, query: CallbackQuery, on_new_message):
        bot = await self.bots.get()
        lang = language_of(query.from_user)
        await _quietly(bot.answer_callback_query(query.id))
        message = query.message
        chat_id = message.chat.id if message is not None else query.from_user.id
        if isinstance(message, Message) and message.reply_markup is not None:
            # The choice is made: the keyboard goes, so an old question cannot be answered twice.
            await _quietly(bot.edit_message_reply_markup(chat_id=chat_id, message_id=message.message_id))
        text = self.payloads.resolve(query.data or "") or _title(message, query.data)
        if text:
            metadata = {"language": lang, "language_code": query.from_user.language_code}
            await self._typing(chat_id)
            # A button press is as forgeable as typing (callback_data comes from the client): screened.
            await take_turn(on_new_message, self._user_message(text, chat_id, update.update_id, metadata))
        return chat_id, lang

    async def _edited(self, message: Message) -> None:
        # A live location moves by editing its message: nothing to say. An edited text is not taken as new.
        if message.chat.type == "private" and message.text:
            await self._say(message.chat.id, TEXTS["edited"][language_of(message.from_user)])

    async def _addressed(self, message: Message) -> bool:
        bot = await self.bots.get()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
            return True
        return f"@{bot.username}".lower() in (message.text or message.caption or "").lower()

    def _user_message(self, text: str, chat_id: int, update_id: int, metadata: Dict[str, Any]) -> UserMessage:
        return UserMessage(
            text, self.get_output_channel(), conversation_id(self.name(), chat_id), input_channel=self.name(),
            message_id=str(update_id), metadata=metadata,
        )

    async def _say(self, chat_id: int, text: str) -> None:
        await self.get_output_channel().send(str(chat_id), text)

    async def _typing(self, chat_id: int) -> None:
        try:
            bot = await self.bots.get()
        except TelegramUnavailable:
            return
        await _quietly(bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING))


def _picture(message: Message) -> Any:
    """The largest size of a photo, or a picture sent as a file (image/*, uncompressed), or None."""
    if message.photo:
        return max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0))
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return document
    return None


def _command(text: str, lang: str) -> str:
    """Bot commands as the intents they stand for; an unknown command gets the help (what the bot can do)."""
    word, _, rest = text.partition(" ")
    command = word[1:].split("@", 1)[0].lower()
    entities = {"language": lang}
    if command == "start":
        return "/greet" + json.dumps(entities)
    if command == "status":
        found = rest.strip().upper()
        if found:
            entities["ticket_id"] = found
        return "/check_status" + json.dumps(entities, ensure_ascii=False)
    return "/ask_help" + json.dumps(entities)


def _title(message: Optional[Message], data: Optional[str]) -> Optional[str]:
    """The pressed button's title, when its long payload was forgotten (a restart)."""
    markup = getattr(message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", ()):
        for button in row:
            if button.callback_data == data:
                return button.text
    return None


async def _quietly(call: Awaitable[Any]) -> None:
    # Courtesies (spinner stop, typing, keyboard removal) must never cost the citizen the answer.
    try:
        await call
    except TelegramError as exc:
        log.info("Telegram courtesy call failed: %s", type(exc).__name__)
