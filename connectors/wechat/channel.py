"""WeChat Official Account (公众号) channel: signed callbacks at /webhooks/wechat/webhook, passive or pushed answers."""
import asyncio
import hashlib
import hmac
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text
from xml.parsers.expat import ExpatError

import xmltodict
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import WeChatException
from wechatpy.utils import WeChatSigner

from bot import media
from bot.db import engine_for, migrate
from bot.settings import Settings
from connectors.wechat.api import CustomerServiceClient, WeChatAPIError
from connectors.wechat.output import TurnOutput, WeChatOutput, short
from connectors.wechat.text import OptionMemory
from connectors.common import PHOTO_ONLY, claim, conversation_id, keep_photo, limit_requests, take_turn
from connectors.wechat.turns import Turn, TurnBook

log = logging.getLogger(__name__)

# WeChat drops the connection after 5 s and retries; answer before, with some room for the network.
REPLY_DEADLINE = 4.5
ONLY_TEXT = "您好,目前只能处理文字、图片和位置消息。请用文字描述您要反映的问题、咨询的事项或地址。"
WELCOME_EVENTS = {"subscribe", "subscribe_scan"}


def signature_ok(token: str, signature: str, timestamp: str, nonce: str, *encrypted: str) -> bool:
    """WeChat's SHA-1 over the sorted token, timestamp, nonce (and Encrypt, for msg_signature): the algorithm
    of wechatpy's check_signature, compared in constant time (check_signature compares with !=)."""
    if not (signature and timestamp and nonce):
        return False
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce, *encrypted)
    return hmac.compare_digest(signer.signature.encode(), signature.encode())


class WeChatInput(InputChannel):
    """Rasa input channel of a WeChat Official Account (plain or AES "safe mode" callbacks)."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        settings = Settings.load()
        credentials = credentials or {}
        token = credentials.get("token") or settings.wechat_token
        if not token:
            cls.raise_missing_credentials_exception()
        migrate(settings.database_url)
        deadline = float(credentials.get("reply_deadline", REPLY_DEADLINE))
        return cls(token, settings, reply_deadline=deadline)

    def __init__(self, token: str, settings: Settings, reply_deadline: float = REPLY_DEADLINE):
        self.token = token
        self.reply_deadline = reply_deadline
        self.engine = engine_for(settings.database_url)
        self.crypto = None
        if settings.wechat_aes_key:
            if len(settings.wechat_aes_key) != 43 or not settings.wechat_app_id:
                raise ValueError("WECHAT_AES_KEY must be the console's 43-character EncodingAESKey, with WECHAT_APP_ID set")
            self.crypto = WeChatCrypto(token, settings.wechat_aes_key, settings.wechat_app_id)
        self.options = OptionMemory()
        self.client = CustomerServiceClient(settings.wechat_api_url, settings.wechat_app_id, settings.wechat_app_secret)
        self.turns = TurnBook()
        self.media = media.MediaStore.from_settings(settings)

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatOutput(self.client, self.options)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("wechat_webhook", __name__)
        limit_requests(hook)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["GET"])
        async def handshake(request: Request) -> HTTPResponse:
            # The console's "server URL" check: a signed GET whose echostr we echo (plain in every mode).
            if not self._signed(request):
                return response.text("forbidden", status=403)
            return response.text(request.args.get("echostr", ""))

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            arrived = time.monotonic()
            if not self._signed(request):
                return response.text("forbidden", status=403)
            encrypted = request.args.get("encrypt_type") == "aes"
            try:
                message = parse_message(self._plain_body(request, encrypted))
            except _Forged:
                return response.text("forbidden", status=403)
            except (WeChatException, ExpatError, ValueError, KeyError, TypeError, AttributeError) as exc:
                log.warning("unreadable WeChat callback: %s", type(exc).__name__)
                return response.text("bad request", status=400)
            if message is None or not message.source:
                return response.text("bad request", status=400)
            text = await self._answer(message, on_new_message, arrived)
            return self._reply(request, message, text, encrypted)

        return hook

    # --- one message -----------------------------------------------------------------------------

    async def _answer(self, message, on_new_message, arrived: float) -> str:
        """The passive reply text for a message ("" means WeChat's "success": nothing, or pushed later)."""
        if message.type == "event":
            if message.event in WELCOME_EVENTS:
                text = "/greet"  # the welcome is the domain's greeting, in its wording
            elif message.event == "click" and str(message.key or "").startswith("/"):
                text = message.key  # a custom-menu item keyed "/intent" triggers that intent
            else:
                return ""
        elif message.type == "text":
            text = message.content or ""
        elif message.type == "voice" and message.recognition:
            text = message.recognition  # WeChat's own speech recognition, when the account enabled it
        elif message.type == "location":
            text = message.label or f"{message.location_x},{message.location_y}"
        elif message.type == "image" and message.media_id:
            text = PHOTO_ONLY  # the photo itself is fetched inside the turn (it may outlast the reply deadline)
        else:
            return ONLY_TEXT
        key = _dedupe_key(message)
        turn = self.turns.get(key)
        if turn is None:
            turn = self.turns.add(key, self._start(message, text, key, on_new_message))
            deadline = self.reply_deadline - (time.monotonic() - arrived)
        else:
            deadline = self.reply_deadline  # a retry: WeChat gives it 5 s of its own
        return await turn.answer(deadline)

    def _start(self, message, text: str, key: str, on_new_message) -> Turn:
        openid = message.source
        text = self.options.resolve(openid, text.strip())  # "1" stands for the first option shown last
        output = TurnOutput(WeChatOutput(self.client, self.options))
        metadata: Dict[str, Any] = {"language": "zh", "wechat_account": message.target}
        if message.type == "location":
            metadata.update(lat=_number(message.location_x), long=_number(message.location_y), address=message.label)
        user_message = UserMessage(
            text, output, conversation_id(self.name(), openid), input_channel=self.name(),
            message_id=_message_id(key), metadata=metadata,
        )
        loop = asyncio.get_running_loop()

        async def handle() -> bool:
            # The store knows messages handled by other processes or before a restart.
            if not await loop.run_in_executor(None, claim, self.engine, "wechat", _message_id(key)):
                log.info("WeChat retry of %s ignored: already handled", short(openid))
                return False
            if message.type == "image":
                entry = await self._photo(message.media_id, user_message)
                if entry is None:
                    return True  # refused, and told why
                metadata["photos"] = [entry]
            # An event's "/intent" (welcome, a menu key set in the console) and the photo text are ours; typed
            # text is screened.
            await take_turn(on_new_message, user_message, trusted=message.type in ("event", "image"))
            return True

        return Turn(openid, output, handle)

    async def _photo(self, media_id: str, user_message: UserMessage) -> Optional[Dict[str, Any]]:
        """Download an image through the media API and keep it; None (the citizen told why) when refused."""
        try:
            data = await self.client.download_media(media_id)
            return await keep_photo(self.media, user_message.sender_id, data)
        except media.Refused as refused:
            reason = refused.reason
        except WeChatAPIError as exc:
            log.warning("WeChat image not received: %s", exc)
            reason = "unavailable"
        await user_message.output_channel.send_text_message(user_message.sender_id, media.refusal(reason, "zh"))
        return None

    # --- HTTP ------------------------------------------------------------------------------------

    def _signed(self, request: Request) -> bool:
        args = request.args
        return signature_ok(self.token, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", ""))

    def _plain_body(self, request: Request, encrypted: bool) -> str:
        body = request.body.decode("utf-8")
        if not encrypted:
            return body
        if self.crypto is None:
            raise ValueError("encrypted callback, but no WECHAT_AES_KEY is set")
        envelope = xmltodict.parse(body)["xml"]
        # Sanic's args[...] is a list; .get gives the first value.
        signature, timestamp, nonce = (request.args.get(k, "") for k in ("msg_signature", "timestamp", "nonce"))
        if not signature_ok(self.token, signature, timestamp, nonce, envelope["Encrypt"]):
            raise _Forged()
        return self.crypto.decrypt_message(envelope, signature, timestamp, nonce)

    def _reply(self, request: Request, message, text: str, encrypted: bool) -> HTTPResponse:
        if not text:
            return response.text("success")
        xml = create_reply(text, message, render=True)
        if encrypted:
            xml = self.crypto.encrypt_message(xml, request.args.get("nonce", ""), request.args.get("timestamp"))
        return response.text(xml, content_type="application/xml; charset=utf-8")


class _Forged(Exception):
    """msg_signature of an encrypted callback does not match."""


def _dedupe_key(message) -> str:
    # WeChat's advice: messages by MsgId, events (which have none) by FromUserName + CreateTime.
    if message.type != "event" and message.id:
        return f"msg:{message.id}"
    return f"ev:{message.source}:{message.time}"


def _message_id(key: str) -> str:
    # platform_messages.message_id holds 64 characters; OpenIDs are 28, but do not trust that.
    return key if len(key) <= 64 else hashlib.sha256(key.encode()).hexdigest()


def _number(value: Optional[str]) -> Optional[float]:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
