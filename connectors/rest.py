"""POST /webhooks/rest/webhook: Rasa's REST channel, for tests and integrations, fenced off from the platforms."""
import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.common import clean, conversation_id, limit_requests, take_turn

log = logging.getLogger(__name__)

MAX_SENDER = 128


class RestInput(InputChannel):
    """`{"sender", "message", "metadata"}` in, the bot's messages as a JSON list out.

    The sender is required (no shared "default" conversation) and becomes `rest:<sender>`. With a token
    set, calls need `Authorization: Bearer <token>`; in production without one the channel is off."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        from bot.settings import Settings

        credentials = credentials or {}
        token = credentials.get("token")
        production = credentials.get("production")
        if token is None:
            import os

            token = os.environ.get("RASA_REST_TOKEN", "")
        if production is None:
            production = Settings.load().app_env == "production"
        return cls(token=token or "", production=bool(production))

    def __init__(self, token: Text = "", production: bool = False) -> None:
        self.token = token
        self.enabled = bool(token) or not production

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("rest_webhook", __name__)
        limit_requests(hook)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = self._refused(request)
            if refused is not None:
                return refused
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deep nesting
                return _error("the body is not JSON", 400)
            if not isinstance(body, dict):
                return _error("the body must be a JSON object", 400)
            sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
            if isinstance(sender, (int, float)) and not isinstance(sender, bool):
                sender = str(sender)
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER or clean(sender) != sender:
                return _error("`sender` must be a non-empty string of at most 128 printable characters", 400)
            if text is None:
                text = ""
            if not isinstance(text, str):
                return _error("`message` must be a string", 400)
            if metadata is not None and not isinstance(metadata, dict):
                return _error("`metadata` must be an object", 400)
            collector = CollectingOutputChannel()
            message = UserMessage(
                text, collector, conversation_id(self.name(), sender.strip()), input_channel=self.name(),
                metadata=metadata or None,
            )
            await take_turn(on_new_message, message)
            return response.json(collector.messages)

        return hook

    def _refused(self, request: Request) -> Optional[HTTPResponse]:
        if not self.enabled:
            return _error("the REST channel is off (set RASA_REST_TOKEN to use it in production)", 403)
        if not self.token:
            return None
        scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not given:
            return _error("`Authorization: Bearer <token>` required", 401)
        if not hmac.compare_digest(given.strip().encode(), self.token.encode()):
            return _error("wrong token", 403)
        return None


def _error(description: Text, status: int) -> HTTPResponse:
    return response.json({"error": description}, status=status)
