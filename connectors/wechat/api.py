"""WeChat's server API for the channel: an access_token cached until expiry, text pushes (客服消息), image downloads."""
import asyncio
import logging
import time
from typing import Any, Dict, Optional

import aiohttp
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

log = logging.getLogger(__name__)

# errcodes that mean "your access_token is no longer good": fetch a new one and try once more.
STALE_TOKEN = frozenset({40001, 40014, 42001})
# WeChat lets an account push to a user only within 48 h of the user's last message.
OUT_OF_WINDOW = 45015
# Refresh this long before WeChat's own expiry, so a token never dies between check and use.
TOKEN_MARGIN = 300.0


class WeChatAPIError(RuntimeError):
    """WeChat refused a call or could not be reached; errcode is None when there was no answer."""

    def __init__(self, message: str, errcode: Optional[int] = None):
        super().__init__(message)
        self.errcode = errcode


class CustomerServiceClient:
    """Pushes texts to a user by OpenID through POST /cgi-bin/message/custom/send.

    aiohttp rather than wechatpy's WeChatClient: that client is blocking (requests) and would stall
    the Rasa server's event loop, and its fetch_access_token ignores API_BASE_URL (the token URL is
    hard-wired to api.weixin.qq.com), so neither a city's proxy nor our test fake could be used.
    """

    def __init__(self, api_url: str, app_id: str, app_secret: str, timeout: float = 5.0):
        self.api_url = api_url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock: Optional[asyncio.Lock] = None
        self._session: Optional[aiohttp.ClientSession] = None

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_secret)

    async def send_text(self, openid: str, content: str) -> None:
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        for attempt in (1, 2):
            token = await self._access_token()
            result = await self._call("POST", "/cgi-bin/message/custom/send", params={"access_token": token}, json=body)
            errcode = int(result.get("errcode", 0))
            if errcode == 0:
                return
            if errcode in STALE_TOKEN and attempt == 1:
                self._token = None
                continue
            raise WeChatAPIError(f"custom/send refused: {errcode} {result.get('errmsg', '')}", errcode)

    async def download_media(self, media_id: str) -> bytes:
        """A user's image by its MediaId (临时素材, GET /cgi-bin/media/get) through wechatpy's client.

        The client gets our token rather than fetching its own: each fetch invalidates the token before it,
        so two fetchers would keep breaking each other's calls. It is blocking (requests): run off the loop."""
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            token = await self._access_token()
            try:
                return await loop.run_in_executor(None, self._download, token, media_id)
            except WeChatClientException as exc:
                if exc.errcode in STALE_TOKEN and attempt == 1:
                    self._token = None
                    continue
                raise WeChatAPIError(f"media/get refused: {exc.errcode}", exc.errcode) from None
            except requests.RequestException as exc:
                raise WeChatAPIError(f"media/get failed: {type(exc).__name__}") from None
        raise WeChatAPIError("media/get refused: stale token")

    def _download(self, token: str, media_id: str) -> bytes:
        client = WeChatClient(self.app_id, self.app_secret, access_token=token, timeout=self.timeout.total, auto_retry=False)
        client.API_BASE_URL = f"{self.api_url}/cgi-bin/"  # a city's proxy, or our test fake
        answer = client.media.download(media_id)
        if not isinstance(answer, requests.Response):  # JSON without an errcode: no file
            raise WeChatAPIError("media/get answered without a file")
        return answer.content

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def _access_token(self) -> str:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one fetch at a time: each fetch invalidates the previous token
            if self._token and time.monotonic() < self._expires_at:
                return self._token
            if not self.configured:
                raise WeChatAPIError("wechat_app_id / wechat_app_secret are not set")
            result = await self._call(
                "GET",
                "/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret},
            )
            if "access_token" not in result:
                raise WeChatAPIError(f"token refused: {result.get('errcode')} {result.get('errmsg', '')}", result.get("errcode"))
            self._token = result["access_token"]
            lifetime = float(result.get("expires_in", 7200))
            self._expires_at = time.monotonic() + max(lifetime - TOKEN_MARGIN, lifetime / 2)
            return self._token

    async def _call(self, method: str, path: str, **kwargs: Any) -> Dict[str, Any]:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._session.request(method, self.api_url + path, **kwargs) as response:
                response.raise_for_status()
                # WeChat answers JSON with a text/plain content type: do not let aiohttp check it.
                return await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            # The URL carries the secret or the token: name the path only.
            raise WeChatAPIError(f"{method} {path} failed: {type(exc).__name__}") from exc
