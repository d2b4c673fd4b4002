"""HTTP client of the Open311 dispatch backend: timeouts, retries of what is safe to repeat, typed errors."""
import email.utils
import logging
import random
import threading
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import quote

import requests

from bot.dispatch.errors import AlreadyRated, DispatchRejected, DispatchUnavailable, TicketNotFound
from bot.dispatch.models import NewTicket, PossibleDuplicate, Ticket, Verification
from bot.vocabulary import RATINGS

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class DispatchClient:
    """One backend, `requests.Session`s of its own; every call has a connect and a read timeout.

    GETs, and POSTs that carry an Idempotency-Key, are retried on transient failures with exponential
    backoff and jitter; a POST without a key is sent once, since repeating it could file a second ticket.
    `deadline` (seconds, per call) bounds the whole call, retries and waits included.
    The action server and the outbox's delivery thread share a client; a Session is not documented as
    thread-safe, so each thread gets its own (pooled connections, created on first use, never at import).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout: float = 5.0,
        *,
        connect_timeout: float = 3.05,
        retries: int = 3,
        backoff: float = 0.25,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.connect_timeout = min(connect_timeout, timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self._local = threading.local()
        self._sessions: List[requests.Session] = []
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Accept"] = "application/json"
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def __enter__(self) -> "DispatchClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the calls -------------------------------------------------------------------------------

    def submit(self, ticket: NewTicket, idempotency_key: Optional[str], *, deadline: Optional[float] = None) -> Ticket:
        """File a ticket; the same key returns the same ticket, so a retried POST never files twice."""
        data = dict(ticket.form_fields(), api_key=self.api_key)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        stop = _stop_at(deadline)
        body = self._call("POST", "requests.json", data=data, headers=headers, retry=bool(idempotency_key), stop=stop)
        created = _first(body)
        ticket_id = created.get("service_request_id") if isinstance(created, dict) else None
        if not ticket_id:
            raise DispatchUnavailable("dispatch backend accepted the request but sent no service_request_id")
        if created.get("status") and created.get("requested_datetime"):
            return Ticket.from_json(created)
        try:
            return self.get(str(ticket_id), deadline=_remaining(stop))
        except DispatchUnavailable:
            # The ticket exists; its details can be fetched later. Losing the id here would lose the ticket.
            log.warning("ticket %s filed, details not fetched yet", ticket_id)
            return Ticket(service_request_id=str(ticket_id), status="received")

    def get(self, ticket_id: str, *, private: bool = False, deadline: Optional[float] = None) -> Ticket:
        """One ticket: the public status board, or with `private` (the api_key) also its description,
        address, notes and masked phone (docs/INTERFACE.md). Only for a citizen entitled to them."""
        ticket_id = ticket_id.strip()
        if not ticket_id:
            raise TicketNotFound("no ticket id given", code=404, status=404)
        params = {"api_key": self.api_key} if private else None
        body = self._call("GET", f"requests/{quote(ticket_id, safe='')}.json", params=params, stop=_stop_at(deadline))
        if isinstance(body, list) and not body:
            raise TicketNotFound(f"no ticket {ticket_id!r}", code=404, status=404)
        return Ticket.from_json(body)

    def list(
        self, ids: Optional[Iterable[str]] = None, *, private: bool = False, deadline: Optional[float] = None, **filters: Any
    ) -> List[Ticket]:
        """Tickets by id (`service_request_id=a,b`) and/or the spec's filters (service_code, status, ...);
        `private` as in `get`."""
        params = {k: v for k, v in filters.items() if v is not None}
        if private:
            params["api_key"] = self.api_key
        if ids is not None:
            ids = [i for i in ids if i]
            if not ids:
                return []
            params["service_request_id"] = ",".join(ids)
        body = self._call("GET", "requests.json", params=params, stop=_stop_at(deadline))
        if not isinstance(body, list):
            raise DispatchUnavailable("dispatch backend sent a request list that is not a list")
        return [Ticket.from_json(item) for item in body]

    def feedback(
        self,
        ticket_id: str,
        rating: str,
        comment: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        *,
        follower_id: Optional[str] = None,
        deadline: Optional[float] = None,
    ) -> None:
        """The citizen's satisfaction rating (回访) of a resolved ticket, given once: AlreadyRated when the
        ticket has one. With a key it is retried, and the same key again is the same rating, not a second."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {', '.join(RATINGS)}")
        data = {"api_key": self.api_key, "rating": rating}
        if comment:
            data["comment"] = comment
        if follower_id:  # a citizen who joined the ticket: one rating each, beside the filer's
            data["follower_id"] = follower_id
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        path = f"requests/{quote(ticket_id.strip(), safe='')}/feedback.json"
        try:
            self._call("POST", path, data=data, headers=headers, retry=bool(idempotency_key), stop=_stop_at(deadline))
        except DispatchRejected as exc:
            if exc.status == 409:
                raise AlreadyRated(exc.description, code=exc.code, status=409) from exc
            raise

    def duplicates(
        self,
        service_code: str,
        *,
        address: Optional[str] = None,
        lat: Optional[float] = None,
        long: Optional[float] = None,
        district: Optional[str] = None,
        deadline: Optional[float] = None,
    ) -> List[PossibleDuplicate]:
        """Open tickets of that code at that place from the last 30 days (`GET duplicates.json`), best first."""
        params = {"api_key": self.api_key, "service_code": service_code, "address_string": address, "district": district}
        if lat is not None and long is not None:
            params.update(lat=repr(float(lat)), long=repr(float(long)))
        body = self._call("GET", "duplicates.json", params={k: v for k, v in params.items() if v}, stop=_stop_at(deadline))
        if not isinstance(body, list):
            raise DispatchUnavailable("dispatch backend sent a duplicate list that is not a list")
        return [PossibleDuplicate.from_json(item) for item in body]

    def follow(
        self, ticket_id: str, follower_id: str, media_urls: Sequence[str] = (), *, deadline: Optional[float] = None
    ) -> int:
        """Record a follower of a ticket (`POST requests/{id}/followers.json`), with the follower's photos for
        the ticket; the same one again changes nothing, so it is retried like a keyed POST. Returns the
        ticket's follower count."""
        path = f"requests/{quote(ticket_id.strip(), safe='')}/followers.json"
        data = {"api_key": self.api_key, "follower_id": follower_id, "media_urls": list(media_urls) or None}
        body = self._call("POST", path, data=data, retry=True, stop=_stop_at(deadline))
        try:
            return int(body.get("followers") or 0) if isinstance(body, dict) else 0
        except (TypeError, ValueError):
            return 0

    def verify(self, ticket_id: str, last4: str, *, deadline: Optional[float] = None) -> Verification:
        """Ask the backend whether `last4` ends the ticket's contact phone. The backend counts wrong answers
        per ticket and locks it after three, so this is never retried: a repeat would count twice."""
        path = f"requests/{quote(ticket_id.strip(), safe='')}/verify.json"
        data = {"api_key": self.api_key, "last4": last4}
        return Verification.from_json(self._call("POST", path, data=data, retry=False, stop=_stop_at(deadline)))

    # --- transport -------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Dict[str, Any]] = None,
        data: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
        retry: bool = True,
        stop: Optional[float] = None,
    ) -> Any:
        url = f"{self.base_url}/{path}"
        what = f"{method} {path}"  # never the full URL: it may carry the api_key
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._send(method, url, params, data, headers, stop)
                if response.status_code < 400:
                    return _json(response, what)  # a garbled body (a proxy's error page) is worth a retry too
            except DispatchUnavailable as exc:
                failure = exc
            else:
                failure = _error(response, what, item=path.startswith("requests/"))
                if not isinstance(failure, DispatchUnavailable) or response.status_code not in RETRY_STATUSES:
                    raise failure
            wait = self._wait(attempt, failure.retry_after)
            if not retry or attempt > self.retries or wait > self.max_retry_after or not _fits(stop, wait):
                raise failure
            log.info("%s failed (%s); retry %d in %.2f s", what, failure, attempt, wait)
            time.sleep(wait)

    def _send(self, method, url, params, data, headers, stop) -> requests.Response:
        timeout = self._timeout(stop)
        try:
            return self.session.request(method, url, params=params, data=data, headers=headers, timeout=timeout)
        except requests.Timeout as exc:
            raise DispatchUnavailable(f"{method} {_path(url)}: no answer within {timeout[1]:.1f} s") from exc
        except requests.ConnectionError as exc:
            raise DispatchUnavailable(f"{method} {_path(url)}: cannot reach the dispatch backend") from exc
        except requests.RequestException as exc:
            raise DispatchUnavailable(f"{method} {_path(url)}: {type(exc).__name__}") from exc

    def _timeout(self, stop: Optional[float]) -> Tuple[float, float]:
        left = _remaining(stop)
        if left is None:
            return self.connect_timeout, self.timeout
        left = max(left, 0.05)
        return min(self.connect_timeout, left), min(self.timeout, left)

    def _wait(self, attempt: int, retry_after: Optional[float]) -> float:
        if retry_after is not None:
            return retry_after
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # jitter spreads out clients that failed together


def _stop_at(deadline: Optional[float]) -> Optional[float]:
    return None if deadline is None else time.monotonic() + deadline


def _remaining(stop: Optional[float]) -> Optional[float]:
    return None if stop is None else stop - time.monotonic()


def _fits(stop: Optional[float], wait: float) -> bool:
    # Only retry when the wait leaves time for one more useful attempt.
    return stop is None or time.monotonic() + wait + 0.2 < stop


def _path(url: str) -> str:
    return url.split("/open311/", 1)[-1]


def _first(body: Any) -> Any:
    return body[0] if isinstance(body, list) and body else body


def _json(response: requests.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise DispatchUnavailable(f"{what}: the dispatch backend sent no JSON (HTTP {response.status_code})") from exc


def _error(response: requests.Response, what: str, item: bool) -> Exception:
    status = response.status_code
    code, description = _open311_error(response)
    if status in RETRY_STATUSES or status >= 500:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        message = f"{what}: HTTP {status} {description or ''}".rstrip()
        return DispatchUnavailable(message, status=status, retry_after=retry_after)
    # A 404 names a missing ticket only where a ticket is addressed; on POST requests.json it means a wrong URL.
    kind = TicketNotFound if status == 404 and item else DispatchRejected
    return kind(description or f"HTTP {status}", code=code if code is not None else status, status=status)


def _open311_error(response: requests.Response) -> Tuple[Any, Optional[str]]:
    """`[{"code", "description"}]` as the spec says; anything else gives (None, None)."""
    try:
        body = response.json()
    except ValueError:
        return None, None
    first = _first(body)
    if not isinstance(first, dict):
        return None, None
    description = first.get("description")
    return first.get("code"), str(description) if description is not None else None


def _retry_after(value: Optional[str]) -> Optional[float]:
    """Seconds or an HTTP date, as RFC 9110 allows; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())
