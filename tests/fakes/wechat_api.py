"""WeChat's side, faked at the HTTP level: the token + customer-service API server, and signed callbacks as WeChat posts them."""
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional
from urllib.parse import parse_qs, urlparse

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

ACCOUNT = "gh_12345beijing01"  # the Official Account's original id (ToUserName)


@dataclass
class Call:
    method: str
    path: str
    query: Dict[str, str]
    body: Optional[dict] = None


@dataclass
class FakeWeChatAPI:
    """api.weixin.qq.com on a free loopback port: GET /cgi-bin/token, POST /cgi-bin/message/custom/send and
    GET /cgi-bin/media/get (the files users sent, by MediaId)."""

    app_id: Optional[str] = None  # None: any appid/secret pair gets a token
    app_secret: Optional[str] = None
    calls: List[Call] = field(default_factory=list)
    tokens: List[str] = field(default_factory=list)
    expires_in: int = 7200
    media: Dict[str, bytes] = field(default_factory=dict)

    def add_media(self, data: bytes) -> str:
        """A file a user sent (WeChat keeps it 3 days as 临时素材); returns its MediaId."""
        media_id = "MEDIA_" + secrets.token_urlsafe(24)
        self.media[media_id] = data
        return media_id

    def start(self) -> "FakeWeChatAPI":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake._serve(self)

            def do_POST(self):
                fake._serve(self)

            def log_message(self, *args):
                pass

        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-wechat-api", daemon=True)
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def expire_tokens(self) -> None:
        """Every token issued so far now gets errcode 40001, as after a fetch elsewhere invalidated it."""
        with self._changed:
            self.tokens.clear()

    def sent_to(self, openid: str) -> List[str]:
        """Texts delivered through the customer-service API to one user, in order."""
        with self._changed:
            return [c.body["text"]["content"] for c in self.calls if c.path.endswith("/custom/send")
                    and c.body and c.body.get("touser") == openid and c.query.get("ok") == "1"]

    def wait_sent(self, openid: str, count: int = 1, timeout: float = 30.0) -> List[str]:
        """Waits until `count` texts reached `openid` (or the timeout passed); returns what arrived."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.sent_to(openid)) < count and time.monotonic() < deadline:
                self._changed.wait(0.2)
        return self.sent_to(openid)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlparse(handler.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            body = None
        call = Call(handler.command, url.path, query, body)
        if handler.command == "GET" and url.path == "/cgi-bin/token":
            answer = self._token(query)
        elif handler.command == "GET" and url.path == "/cgi-bin/media/get":
            with self._changed:
                valid = query.get("access_token") in self.tokens
            data = self.media.get(query.get("media_id", ""))
            if valid and data is not None:
                with self._changed:
                    self.calls.append(call)
                handler.send_response(200)
                handler.send_header("Content-Type", "image/jpeg")
                handler.send_header("Content-Disposition", 'attachment; filename="photo.jpg"')
                handler.send_header("Content-Length", str(len(data)))
                handler.end_headers()
                handler.wfile.write(data)
                return
            answer = ({"errcode": 40007, "errmsg": "invalid media_id"} if valid else
                      {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"})
        elif handler.command == "POST" and url.path == "/cgi-bin/message/custom/send":
            answer = self._custom_send(query, body)
            if answer["errcode"] == 0:
                call.query["ok"] = "1"
        else:
            handler.send_response(404)
            handler.end_headers()
            return
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")  # as WeChat does, though the body is JSON
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _token(self, query: Dict[str, str]) -> dict:
        if query.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if self.app_id is not None and query.get("appid") != self.app_id:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if self.app_secret is not None and query.get("secret") != self.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        token = "ACCESS_TOKEN_" + secrets.token_hex(16)
        with self._changed:
            self.tokens.append(token)
        return {"access_token": token, "expires_in": self.expires_in}

    def _custom_send(self, query: Dict[str, str], body: Optional[dict]) -> dict:
        with self._changed:
            valid = query.get("access_token") in self.tokens
        if not valid:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if not body or body.get("msgtype") != "text" or not body.get("touser") or not body.get("text", {}).get("content"):
            return {"errcode": 44002, "errmsg": "empty post data"}
        return {"errcode": 0, "errmsg": "ok"}


def start_fake(app_id: Optional[str] = None, app_secret: Optional[str] = None) -> FakeWeChatAPI:
    return FakeWeChatAPI(app_id=app_id, app_secret=app_secret).start()


_ids = itertools.count(int(time.time()) * 1000)


class WeChatCallbacks:
    """Posts to a channel's callback URL exactly as WeChat's servers do: signed query, XML body, plain or AES."""

    def __init__(self, url: str, token: str, aes_key: Optional[str] = None, app_id: Optional[str] = None):
        self.url = url
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None

    def signed_query(self, token: Optional[str] = None) -> Dict[str, str]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        signer = WeChatSigner()
        signer.add_data(token or self.token, timestamp, nonce)
        return {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce}

    def handshake(self, echostr: str, token: Optional[str] = None) -> requests.Response:
        return requests.get(self.url, params={**self.signed_query(token), "echostr": echostr}, timeout=30)

    def post(self, xml: str, openid: str, encrypted: bool = False, token: Optional[str] = None) -> requests.Response:
        query = {**self.signed_query(token), "openid": openid}
        if encrypted:
            envelope = xmltodict.parse(self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"]))["xml"]
            query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
            xml = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
        return requests.post(self.url, params=query, data=xml.encode("utf-8"), headers={"Content-Type": "text/xml"}, timeout=30)

    def reply(self, answer: requests.Response) -> Optional[dict]:
        """The passive reply as a dict (decrypted when it came encrypted); None for "success" or empty."""
        if answer.text in ("", "success"):
            return None
        data = xmltodict.parse(answer.text)["xml"]
        if "Encrypt" in data:
            plain = self.crypto.decrypt_message(answer.text, data["MsgSignature"], data["TimeStamp"], data["Nonce"])
            data = xmltodict.parse(plain)["xml"]
        return data


def new_msg_id() -> str:
    return str(next(_ids))


def text_xml(openid: str, content: str, msg_id: Optional[str] = None, create_time: Optional[int] = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or new_msg_id()}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, create_time: Optional[int] = None, key: str = "") -> str:
    key_xml = f"<EventKey><![CDATA[{key}]]></EventKey>" if key else ""
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event>{key_xml}</xml>"
    )


def image_xml(openid: str, msg_id: Optional[str] = None, media_id: str = "media_id_1") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        f"<PicUrl><![CDATA[http://mmbiz.qpic.cn/example.jpg]]></PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>"
        f"<MsgId>{msg_id or new_msg_id()}</MsgId></xml>"
    )


def location_xml(openid: str, lat: float, long: float, label: str, msg_id: Optional[str] = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[location]]></MsgType>"
        f"<Location_X>{lat}</Location_X><Location_Y>{long}</Location_Y><Scale>15</Scale>"
        f"<Label><![CDATA[{label}]]></Label><MsgId>{msg_id or new_msg_id()}</MsgId></xml>"
    )


def new_openid() -> str:
    """An OpenID as WeChat makes them: 28 characters, account-specific."""
    return "o" + secrets.token_urlsafe(21)[:27]
