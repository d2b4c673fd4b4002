"""The one HMAC signature between our processes: `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`."""
import hashlib
import hmac
import time
from typing import Optional

MAX_AGE = 300.0  # seconds; an older signed call is a replay


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, max_age: float = MAX_AGE, now: Optional[float] = None
) -> bool:
    """A fresh timestamp and a matching HMAC, compared in constant time; an empty secret matches nothing."""
    if not secret or not timestamp or not signature:
        return False
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= max_age and hmac.compare_digest(sign(secret, timestamp, body), signature)
