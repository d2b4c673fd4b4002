"""Telegram's Bot API, faked at the HTTP level on a free loopback port, and Update payloads as Telegram sends them."""
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, urlparse

BOT = {"id": 7000000001, "is_bot": True, "first_name": "北京12345", "username": "bj12345_test_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
_update_ids = itertools.count(int(time.time()) % 100000 * 1000)
_message_ids = itertools.count(100)
_user_ids = itertools.count(int(time.time()) % 100000 * 100 + 10**9)


@dataclass
class Call:
    method: str
    token: str
    params: Dict[str, Any]


@dataclass
class FakeTelegramAPI:
    """api.telegram.org/bot<TOKEN>/<method>: answers {"ok":true,"result":...} like Telegram and records every call."""

    token: Optional[str] = None  # None: any token is accepted
    calls: List[Call] = field(default_factory=list)
    updates: List[dict] = field(default_factory=list)
    blocked: set = field(default_factory=set)  # chat ids that "blocked the bot" (403 on sendMessage)
    webhook: Optional[dict] = None
    files: Dict[str, bytes] = field(default_factory=dict)  # file_id -> the bytes /file/bot<token>/<path> serves

    def add_file(self, data: bytes) -> str:
        """Keep a file "on Telegram's servers" (a user's upload); returns its file_id."""
        file_id = f"AgACAgUAAxkBAAI{len(self.files):04d}{next(_update_ids)}"
        self.files[file_id] = data
        return file_id

    def start(self) -> "FakeTelegramAPI":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake._serve(self)

            def do_POST(self):
                fake._serve(self)

            def log_message(self, *args):
                pass

        self._changed = threading.Condition()
        self._stopping = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-telegram-api", daemon=True)
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # --- what the tests look at -----------------------------------------------------------------

    def calls_to(self, method: str) -> List[Call]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id) -> List[dict]:
        """sendMessage calls Telegram accepted for one chat, in order (params, reply_markup decoded)."""
        return [c.params for c in self.calls_to("sendMessage")
                if str(c.params.get("chat_id")) == str(chat_id) and int(c.params["chat_id"]) not in self.blocked]

    def texts_to(self, chat_id) -> List[str]:
        return [p["text"] for p in self.sent_to(chat_id)]

    def wait_sent(self, chat_id, count: int = 1, timeout: float = 60.0) -> List[str]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.texts_to(chat_id)) < count and time.monotonic() < deadline:
                self._changed.wait(0.2)
        return self.texts_to(chat_id)

    def push_update(self, update: dict) -> None:
        """Queue an update for getUpdates (polling mode)."""
        with self._changed:
            self.updates.append(update)
            self._changed.notify_all()

    # --- HTTP -------------------------------------------------------------------------------------

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        parts = url.path.strip("/").split("/")
        if len(parts) == 4 and parts[0] == "file" and parts[1].startswith("bot"):
            return self._download(request, parts[1][3:], parts[3])
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return self._send(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, method = parts[0][3:], parts[1]
        params = self._params(request, url.query)
        with self._changed:
            self.calls.append(Call(method, token, params))
            self._changed.notify_all()
        if self.token is not None and token != self.token:
            return self._send(request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return self._send(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        status, body = handler(params)
        self._send(request, status, body)

    @staticmethod
    def _params(request: BaseHTTPRequestHandler, query: str) -> Dict[str, Any]:
        params: Dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        kind = request.headers.get("Content-Type", "")
        if raw and "json" in kind:
            params.update(json.loads(raw))
        elif raw:
            params.update({k: v[-1] for k, v in parse_qs(raw.decode("utf-8")).items()})
        for key in ("reply_markup", "allowed_updates"):  # JSON-serialized fields of a form post
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    @staticmethod
    def _send(request, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _download(self, request, token: str, name: str) -> None:
        with self._changed:
            self.calls.append(Call("download", token, {"file_path": name}))
        data = self.files.get(name.rsplit(".", 1)[0])
        if (self.token is not None and token != self.token) or data is None:
            return self._send(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        request.send_response(200)
        request.send_header("Content-Type", "application/octet-stream")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    # --- methods ---------------------------------------------------------------------------------

    def _m_getFile(self, params):
        data = self.files.get(params.get("file_id", ""))
        if data is None:
            return self._error(400, "Bad Request: invalid file_id")
        if len(data) > 20 * 1024 * 1024:
            return self._error(400, "Bad Request: file is too big")
        return self._ok({"file_id": params["file_id"], "file_unique_id": params["file_id"][-12:],
                         "file_size": len(data), "file_path": f"photos/{params['file_id']}.jpg"})

    @staticmethod
    def _ok(result: Any, description: Optional[str] = None):
        body = {"ok": True, "result": result}
        if description:
            body["description"] = description
        return 200, body

    @staticmethod
    def _error(code: int, description: str):
        return code, {"ok": False, "error_code": code, "description": description}

    def _m_getMe(self, _params):
        return self._ok(BOT)

    def _m_sendMessage(self, params):
        chat_id = int(params["chat_id"])
        text = params.get("text") or ""
        if chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        if not text.strip():
            return self._error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return self._error(400, "Bad Request: message is too long")
        message = {"message_id": next(_message_ids), "from": BOT, "chat": _chat(chat_id), "date": int(time.time()),
                   "text": text}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return self._ok(message)

    def _m_answerCallbackQuery(self, _params):
        return self._ok(True)

    def _m_editMessageReplyMarkup(self, params):
        return self._ok({"message_id": int(params["message_id"]), "from": BOT, "chat": _chat(int(params["chat_id"])),
                         "date": int(time.time()), "text": "…"})

    def _m_sendChatAction(self, _params):
        return self._ok(True)

    def _m_setWebhook(self, params):
        self.webhook = params
        return self._ok(True, "Webhook was set")

    def _m_deleteWebhook(self, _params):
        self.webhook = None
        return self._ok(True, "Webhook was deleted")

    def _m_getUpdates(self, params):
        if self.webhook:
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._changed:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]  # offset confirms the rest
            while not self.updates and not self._stopping and time.monotonic() < deadline:
                self._changed.wait(0.1)
            return self._ok(list(self.updates[:100]))


def start_fake(token: Optional[str] = None) -> FakeTelegramAPI:
    return FakeTelegramAPI(token=token).start()


# --- Update payloads, in the shapes of https://core.telegram.org/bots/api#update ------------------------------


def new_user(language_code: Optional[str] = "zh-hans") -> dict:
    user = {"id": next(_user_ids), "is_bot": False, "first_name": "小王", "username": None}
    user["username"] = f"citizen{user['id']}"
    if language_code:
        user["language_code"] = language_code
    return user


def _chat(chat_id: int) -> dict:
    if chat_id < 0:
        return {"id": chat_id, "title": "望京西园三区业主群", "type": "supergroup"}
    return {"id": chat_id, "first_name": "小王", "type": "private"}


def _message(user: dict, chat: Optional[dict] = None, **content) -> dict:
    chat = chat or {"id": user["id"], "first_name": user["first_name"], "username": user["username"], "type": "private"}
    return {"message_id": next(_message_ids), "from": user, "chat": chat, "date": int(time.time()), **content}


def _update(**content) -> dict:
    return {"update_id": next(_update_ids), **content}


def text_update(user: dict, text: str) -> dict:
    content = {"text": text}
    if text.startswith("/"):
        content["entities"] = [{"offset": 0, "length": len(text.split(" ")[0]), "type": "bot_command"}]
    return _update(message=_message(user, **content))


def location_update(user: dict, lat: float, long: float) -> dict:
    return _update(message=_message(user, location={"latitude": lat, "longitude": long}))


def contact_update(user: dict, phone_number: str) -> dict:
    contact = {"phone_number": phone_number, "first_name": user["first_name"], "user_id": user["id"]}
    return _update(message=_message(user, contact=contact))


def photo_update(fake: FakeTelegramAPI, user: dict, data: bytes, caption: Optional[str] = None) -> dict:
    """A photo as Telegram delivers it: several sizes (the thumbnails are other files), the largest last."""
    sizes = [{"file_id": fake.add_file(b"thumbnail"), "file_unique_id": "AQADthumb", "file_size": 9, "width": 90, "height": 68},
             {"file_id": fake.add_file(data), "file_unique_id": "AQADfull", "file_size": len(data), "width": 1280, "height": 960}]
    content: Dict[str, Any] = {"photo": sizes}
    if caption:
        content["caption"] = caption
    return _update(message=_message(user, **content))


def document_update(fake: FakeTelegramAPI, user: dict, data: bytes, mime_type: str, file_name: str) -> dict:
    document = {"file_id": fake.add_file(data), "file_unique_id": "AgADdoc", "file_name": file_name,
                "mime_type": mime_type, "file_size": len(data)}
    return _update(message=_message(user, document=document))


def sticker_update(user: dict) -> dict:
    sticker = {"file_id": "CAACAgIAAxkBAAEBbQ", "file_unique_id": "AgADbQ", "type": "regular", "width": 512,
               "height": 512, "is_animated": False, "is_video": False, "emoji": "👍", "file_size": 23040}
    return _update(message=_message(user, sticker=sticker))


def edited_update(user: dict, text: str) -> dict:
    message = _message(user, text=text)
    message["edit_date"] = message["date"] + 5
    return _update(edited_message=message)


def group_update(user: dict, text: str, group_id: int = -1001234567890) -> dict:
    return _update(message=_message(user, chat=_chat(group_id), text=text))


def callback_update(user: dict, data: str, sent: Optional[dict] = None) -> dict:
    """A press on an inline button under `sent` (a message the bot sent, as the fake returned it)."""
    sent = sent or {"message_id": next(_message_ids), "from": BOT, "chat": _chat(user["id"]),
                    "date": int(time.time()), "text": "…"}
    query = {"id": str(next(_update_ids) * 7), "from": user, "message": sent,
             "chat_instance": "-4563458392051234567", "data": data}
    return _update(callback_query=query)
