"""Signed status webhooks: the backend tells the channel (and anyone registered) that a ticket moved."""
import json
import logging
import queue
import threading
import time
from typing import Dict, Iterable, Tuple

import requests

from bot.signing import sign

log = logging.getLogger(__name__)
ATTEMPTS = 5


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


def merge_event(merged_id: str, into_id: str) -> Dict:
    """A ticket merged into another: its citizens now follow `merged_into` (the channel records that)."""
    return {"event": "merged", "service_request_id": merged_id, "merged_into": into_id}


def deliver_one(url: str, secret: str, event: Dict, backoff: float = 0.5) -> bool:
    """POST the event to one receiver, retrying with backoff; True once it answered 2xx."""
    body = json.dumps(event, ensure_ascii=False).encode("utf-8")
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
                return True
            if 400 <= response.status_code < 500 and response.status_code != 429:
                log.warning("webhook %s refused %s: HTTP %s", url, event["service_request_id"], response.status_code)
                return False
            reason = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            reason = type(exc).__name__
        log.info("webhook %s for %s failed (%s), attempt %d", url, event["service_request_id"], reason, attempt + 1)
        time.sleep(backoff * 2**attempt)
    log.warning("webhook %s gave up on %s after %d attempts", url, event["service_request_id"], ATTEMPTS)
    return False


def deliver(targets: Iterable[Tuple[str, str]], event: Dict, wait: bool = True) -> Dict[str, bool]:
    """Each receiver in a thread of its own, so that one that is down delays no other; url -> delivered."""
    results: Dict[str, bool] = {}
    threads = []
    for url, secret in targets:
        thread = threading.Thread(
            target=lambda u=url, s=secret: results.__setitem__(u, deliver_one(u, s, event)), name="webhook", daemon=True
        )
        thread.start()
        threads.append(thread)
    if wait:
        for thread in threads:
            thread.join()
    return results


class Notifier:
    """Background delivery for the server: one FIFO worker per receiver, so a receiver that is down
    delays only itself, and each receiver gets a ticket's moves in the order they happened."""

    def __init__(self, backoff: float = 0.5):
        self.backoff = backoff
        self._queues: Dict[str, "queue.Queue"] = {}
        self._lock = threading.Lock()

    def send(self, targets: Iterable[Tuple[str, str]], event: Dict) -> None:
        """Queue the event for every receiver and return at once."""
        for url, secret in targets:
            self._queue_for(url).put((secret, event))

    def _queue_for(self, url: str) -> "queue.Queue":
        with self._lock:
            pending = self._queues.get(url)
            if pending is None:
                pending = self._queues[url] = queue.Queue()
                threading.Thread(target=self._work, args=(url, pending), name="webhook", daemon=True).start()
            return pending

    def _work(self, url: str, pending: "queue.Queue") -> None:
        while True:
            secret, event = pending.get()
            try:
                deliver_one(url, secret, event, backoff=self.backoff)
            except Exception:  # a worker that died would silently drop every later event for this receiver
                log.exception("webhook %s: delivery of %s failed", url, event.get("service_request_id"))
