"""Signed status webhooks: the backend tells the channel (and anyone registered) that a ticket moved."""
import json
import logging
import threading
import time
from datetime import timedelta
from typing import Dict, Optional, Set, Tuple

import requests
from sqlalchemy.orm import Session

from bot.backend import store
from bot.backend.models import WebhookEvent
from bot.db import utcnow
from bot.signing import sign

log = logging.getLogger(__name__)
GIVE_UP_AFTER = timedelta(days=1)
MAX_PAUSE = 300.0  # seconds between two tries, at most


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


def send_once(url: str, secret: str, event: str) -> Tuple[Optional[str], bool]:
    """POST one event (its JSON text) signed; (None, False) once the receiver took it (2xx), else (why not,
    whether that is final: a 4xx other than 429 says the receiver will never take it)."""
    body = event.encode("utf-8")
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-12345-Timestamp": timestamp,
        "X-12345-Signature": sign(secret, timestamp, body),
    }
    try:
        response = requests.post(url, data=body, headers=headers, timeout=5)
    except requests.RequestException as exc:
        return type(exc).__name__, False
    if response.status_code < 300:
        return None, False
    return f"HTTP {response.status_code}", 400 <= response.status_code < 500 and response.status_code != 429


class Courier:
    """Sends the queued events (store.queue_events) from the server process: each receiver in the order the
    events were queued, each event until the receiver takes it, with backoff (0.5 s doubling, at most
    MAX_PAUSE) for up to GIVE_UP_AFTER, then it is marked failed. One thread per receiver at a time, so a
    receiver that is down or slow delays only itself. The queue is in the database: a change made with
    the staff CLI, or one made just before a restart, is sent all the same. One backend process sends;
    two would each send every event (receivers deduplicate, but the order could suffer)."""

    def __init__(self, engine, interval: float = 0.5, backoff: float = 0.5):
        self.engine, self.interval, self.backoff = engine, interval, backoff
        self._wake = threading.Event()
        self._busy: Set[str] = set()
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.send_due()
            except Exception:  # the database away for a moment: the next round tries again
                log.exception("webhooks: the queue could not be read")

    def send_due(self) -> None:
        with Session(self.engine, future=True) as session:
            secrets = {hook.url: hook.secret for hook in store.webhooks(session=session)}
            due = [(row.id, row.url, row.event) for row in store.due_events(utcnow(), session=session)]
        for row_id, url, event in due:
            with self._lock:
                if url in self._busy:
                    continue
                self._busy.add(url)
            threading.Thread(target=self._send, args=(row_id, url, secrets.get(url), event), name="webhook", daemon=True).start()

    def _send(self, row_id: int, url: str, secret: Optional[str], event: str) -> None:
        try:
            # Read again now that this receiver is ours: the send before may have taken this very event
            # (or put it off) after the round read the queue, and it must not go twice.
            with Session(self.engine, future=True) as session:
                row = session.get(WebhookEvent, row_id)
                if row is None or row.state != "pending" or store.aware(row.next_attempt_at) > utcnow():
                    return
            # A receiver removed since the event was queued is told nothing more.
            error, final = send_once(url, secret, event) if secret else (None, False)
            with Session(self.engine, future=True) as session, session.begin():
                row = session.get(WebhookEvent, row_id)
                if row is None:
                    return
                if error is None:
                    session.delete(row)
                    return
                row.attempts += 1
                row.last_error = error
                ticket = json.loads(event).get("service_request_id")
                if final or utcnow() - store.aware(row.created_at) >= GIVE_UP_AFTER:
                    row.state = "failed"
                    log.warning("webhook %s gave up on %s after %d attempts (%s)", url, ticket, row.attempts, error)
                else:
                    pause = min(self.backoff * 2 ** (row.attempts - 1), MAX_PAUSE)
                    row.next_attempt_at = utcnow() + timedelta(seconds=pause)
                    log.info("webhook %s for %s failed (%s), attempt %d", url, ticket, error, row.attempts)
        except Exception:  # a send that died would leave the row pending: the next round retries it
            log.exception("webhook %s: sending failed", url)
        finally:
            with self._lock:
                self._busy.discard(url)
            self._wake.set()  # this receiver's next event may go at once
