"""Signed status webhooks: the backend tells the channel (and anyone registered) that a ticket moved."""
import hashlib
import hmac
import json
import logging
import threading
import time
from typing import Dict, Iterable, Tuple

import requests

log = logging.getLogger(__name__)
ATTEMPTS = 5


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, max_age: float = 300.0) -> bool:
    """What a receiver checks: a fresh timestamp and a matching HMAC (compared in constant time)."""
    try:
        age = abs(time.time() - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= max_age and hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def status_event(body: Dict) -> Dict:
    latest = body["notes"][-1] if body.get("notes") else {}
    return {
        "event": "status_changed",
        "service_request_id": body["service_request_id"],
        "status": body["extended_status"],
        "status_zh": body["status_zh"],
        "note": latest.get("note"),
        "updated_datetime": body["updated_datetime"],
        "request_type": body["request_type"],
    }


def deliver(targets: Iterable[Tuple[str, str]], event: Dict, backoff: float = 0.5) -> Dict[str, bool]:
    """POST the event to every (url, secret), retrying each with backoff; returns url -> delivered."""
    body = json.dumps(event, ensure_ascii=False).encode("utf-8")
    results = {}
    for url, secret in targets:
        results[url] = False
        for attempt in range(ATTEMPTS):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "X-12345-Timestamp": timestamp,
                "X-12345-Signature": sign(secret, timestamp, body),
            }
            try:
                response = requests.post(url, data=body, headers=headers, timeout=5)
                if response.status_code < 300:
                    results[url] = True
                    break
                if 400 <= response.status_code < 500 and response.status_code != 429:
                    log.warning("webhook %s refused %s: HTTP %s", url, event["service_request_id"], response.status_code)
                    break
                reason = f"HTTP {response.status_code}"
            except requests.RequestException as exc:
                reason = type(exc).__name__
            log.info("webhook %s for %s failed (%s), attempt %d", url, event["service_request_id"], reason, attempt + 1)
            time.sleep(backoff * 2**attempt)
        else:
            log.warning("webhook %s gave up on %s after %d attempts", url, event["service_request_id"], ATTEMPTS)
    return results


def deliver_in_background(targets, event: Dict) -> threading.Thread:
    """Never keeps a staff request waiting on a slow receiver."""
    thread = threading.Thread(target=deliver, args=(list(targets), event), name="webhooks", daemon=True)
    thread.start()
    return thread
