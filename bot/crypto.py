"""Encryption at rest for citizens' contact details (Fernet: AES-128-CBC with HMAC-SHA256)."""
import hashlib
import hmac
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken


class Vault:
    """Encrypts and decrypts with one key; `digest` gives a keyed hash to look a value up without decrypting."""

    def __init__(self, key: str):
        if not key:
            raise ValueError("an encryption key is required (BACKEND_DATA_KEY or CHANNEL_DATA_KEY)")
        self._fernet = Fernet(key.encode() if isinstance(key, str) else key)
        self._mac_key = hashlib.sha256(b"12345chat-digest:" + key.encode()).digest()

    def encrypt(self, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: Optional[str]) -> Optional[str]:
        if token is None:
            return None
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong BACKEND_DATA_KEY or damaged data") from exc

    def digest(self, value: str) -> str:
        return hmac.new(self._mac_key, value.encode("utf-8"), hashlib.sha256).hexdigest()
