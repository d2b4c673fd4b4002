"""HTTP routes of the dispatch backend: Open311 GeoReport v2 under /open311/v2, staff tools under /staff."""
import hmac
import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from bot import services
from bot.backend import formats, store, webhooks
from bot.backend.store import BEIJING, AlreadyRated, Invalid, NewRequest
from bot.crypto import Vault
from bot.db import engine_for
from bot.settings import Settings
from bot.vocabulary import STATUSES

log = logging.getLogger(__name__)
PREFIX = "/open311/v2"
MAX_PAGE_SIZE = 200


class ApiError(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def create_app(settings: Settings, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Flask:
    """The WSGI app; `clock` (aware UTC now) is replaceable so tests can move time instead of sleeping."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1 << 20
    engine = engine_for(settings.backend_database_url)
    vault = Vault(settings.backend_data_key)
    # SQLite has one writer and no row locks: serializing writes that read first (filings, verification
    # counts, ratings) here turns "database is locked" races and lost counts into a short wait.
    filing_lock = threading.Lock() if engine.dialect.name == "sqlite" else _NoLock()
    # Started by the server (bot/backend/__main__.py), not here: an app made in a test sends nothing.
    courier = app.extensions["webhooks"] = webhooks.Courier(engine)

    @contextmanager
    def transaction():
        with Session(engine, future=True) as session, session.begin():
            yield session

    def respond(fmt: str, root: str, data: Any, status: int = 200) -> Response:
        if fmt == "xml":
            return Response(formats.to_xml(root, data), status=status, mimetype="text/xml", content_type="text/xml; charset=utf-8")
        response = jsonify(data)
        response.status_code = status
        return response

    def check_format(fmt: str) -> None:
        if fmt not in ("json", "xml"):
            raise ApiError(404, f"unknown format {fmt!r}: use .json or .xml")

    def has_api_key() -> bool:
        given = request.values.get("api_key", "")
        return bool(given) and hmac.compare_digest(given.encode("utf-8", "replace"), settings.dispatch_api_key.encode())

    def caller_view() -> str:
        """The public view without an api_key, the private one with the right key; a wrong key is refused."""
        if not request.values.get("api_key"):
            return formats.PUBLIC
        if not has_api_key():
            raise ApiError(403, "wrong api_key")
        return formats.PRIVATE

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        fmt = "xml" if request.path.endswith(".xml") else "json"
        return respond(fmt, "errors", formats.errors(exc.status, exc.description), exc.status)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        fmt = "xml" if request.path.endswith(".xml") else "json"
        return respond(fmt, "errors", formats.errors(exc.code, exc.description or exc.name), exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        fmt = "xml" if request.path.endswith(".xml") else "json"
        return respond(fmt, "errors", formats.errors(500, "internal error"), 500)

    @app.before_request
    def refuse_unstorable_text():
        # A NUL or a lone surrogate cannot be stored (PostgreSQL refuses both) nor meant: say so as a 400.
        given = [*request.args.items(multi=True), *request.form.items(multi=True)]
        for value in [request.path, *(v for _name, v in given)]:
            if not _storable(value):
                raise ApiError(400, "text with NUL characters or unpaired surrogates is refused")

    @app.get("/health")
    def health():
        return jsonify({"status": "ok"})

    @app.get(f"{PREFIX}/discovery.<fmt>")
    def discovery(fmt):
        check_format(fmt)
        base = request.url_root.rstrip("/") + PREFIX + "/"
        data = {
            "changeset": "2026-11-28T00:00:00+08:00",
            "contact": "12345 市民服务热线 (12345 citizen service hotline)",
            "key_service": "API keys are issued by the 12345 hotline centre",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": "2026-11-28T00:00:00+08:00",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }
        return respond(fmt, "discovery", data)

    @app.get(f"{PREFIX}/services.<fmt>")
    def service_list(fmt):
        check_format(fmt)
        return respond(fmt, "services", [formats.service(s) for s in services.SERVICES])

    @app.get(f"{PREFIX}/services/<code>.<fmt>")
    def service_definition(code, fmt):
        check_format(fmt)
        if code not in services.BY_CODE:
            raise ApiError(404, f"no service with code {code!r}")
        return respond(fmt, "service_definition", formats.service_definition(services.BY_CODE[code]))

    @app.post(f"{PREFIX}/requests.<fmt>")
    def file_request(fmt):
        check_format(fmt)
        if not has_api_key():
            raise ApiError(403, "a valid api_key is required to submit a request")
        new = _new_request(request.form)
        key = (request.headers.get("Idempotency-Key") or "").strip() or None
        if key and len(key) > store.IDEMPOTENCY_KEY_LIMIT:
            # Cutting it short could make two different keys one; refuse instead.
            raise ApiError(400, f"Idempotency-Key is longer than {store.IDEMPOTENCY_KEY_LIMIT} characters")
        with filing_lock:
            try:
                with transaction() as session:
                    row, created = store.create(new, session=session, vault=vault, idempotency_key=key)
                    body = formats.request(row, vault=vault, view=formats.PRIVATE)
            except Invalid as exc:
                raise ApiError(400, str(exc))
            except IntegrityError:
                if not key:
                    raise
                # The same key arrived twice at once and the other one won: answer with its ticket.
                with transaction() as session:
                    row = store.by_idempotency_key(key, session=session)
                    body, created = formats.request(row, vault=vault, view=formats.PRIVATE), False
        body.update(token=None, account_id=new.account_id)
        return respond(fmt, "service_requests", [body], 201 if created else 200)

    @app.get(f"{PREFIX}/requests.<fmt>")
    def list_requests(fmt):
        check_format(fmt)
        args = request.args
        ids = [i for i in args.get("service_request_id", "").split(",") if i.strip()]
        start, end = _date(args.get("start_date"), "start_date"), _date(args.get("end_date"), "end_date")
        if not ids and start is None:
            start = (end or datetime.now(timezone.utc)) - timedelta(days=90)
        page = _int(args.get("page"), "page", 1, 1, 100000)
        page_size = _int(args.get("page_size"), "page_size", 50, 1, MAX_PAGE_SIZE)
        view = caller_view()
        with transaction() as session:
            rows = store.search(
                session=session,
                ids=ids,
                service_code=args.get("service_code"),
                statuses=_statuses(args.get("status")),
                start=start,
                end=end,
                page=page,
                page_size=page_size,
            )
            data = [formats.request(r, vault=vault, view=view) for r in rows]
        return respond(fmt, "service_requests", data)

    @app.get(f"{PREFIX}/requests/<rid>.<fmt>")
    def one_request(rid, fmt):
        check_format(fmt)
        view = caller_view()
        with transaction() as session:
            row = store.get(rid, session=session)
            if row is None:
                raise ApiError(404, f"no request with id {rid!r}")
            data = formats.request(row, vault=vault, view=view)
        return respond(fmt, "service_requests", [data])

    @app.post(f"{PREFIX}/requests/<rid>/feedback.<fmt>")
    def feedback(rid, fmt):
        """The one satisfaction rating of a resolved request; a second one is 409, its retry (same key) 200."""
        check_format(fmt)
        if not has_api_key():
            raise ApiError(403, "a valid api_key is required")
        key = (request.headers.get("Idempotency-Key") or "").strip() or None
        try:
            with filing_lock, transaction() as session:
                row = store.rate(
                    rid, _field("rating"), _field("comment"), key, session=session, follower_key=_field("follower_id") or None
                )
                data = {"service_request_id": row.service_request_id, "rating": row.rating}
        except LookupError:
            raise ApiError(404, f"no request with id {rid!r}")
        except AlreadyRated as exc:
            raise ApiError(409, str(exc))
        except Invalid as exc:
            raise ApiError(400, str(exc))
        return respond(fmt, "feedback", data)

    @app.get(f"{PREFIX}/duplicates.<fmt>")
    def find_duplicates(fmt):
        """Open tickets of `service_code` at the place of a report about to be filed (an extension, api_key)."""
        check_format(fmt)
        if not has_api_key():
            raise ApiError(403, "a valid api_key is required")
        args = request.args
        code = (args.get("service_code") or "").strip()
        if code not in services.BY_CODE:
            raise ApiError(400, "service_code is required and must be a known code")
        place = (args.get("address_string") or "").strip() or None
        if place and len(place) > store.FIELD_LIMITS["address"]:
            raise ApiError(400, f"address_string is longer than {store.FIELD_LIMITS['address']} characters")
        lat, long = _float(args.get("lat"), "lat"), _float(args.get("long"), "long")
        if (lat is None) != (long is None):
            raise ApiError(400, "lat and long go together")
        with transaction() as session:
            found = store.duplicates(
                code, session=session, now=clock(), address=place, lat=lat, long=long,
                district=(args.get("district") or "").strip() or None,
            )
            data = [formats.duplicate(d, vault=vault) for d in found]
        return respond(fmt, "service_requests", data)

    @app.post(f"{PREFIX}/requests/<rid>/followers.<fmt>")
    def add_follower(rid, fmt):
        """A citizen joins a ticket instead of filing it again (an extension, api_key); the same one again is 200."""
        check_format(fmt)
        if not has_api_key():
            raise ApiError(403, "a valid api_key is required")
        try:
            with filing_lock, transaction() as session:
                photos = tuple(u.strip() for u in request.form.getlist("media_urls") if u.strip())
                row, added = store.follow(rid, _field("follower_id"), session=session, media_urls=photos)
                data = {"service_request_id": row.service_request_id, "followers": len(row.followers)}
        except LookupError:
            raise ApiError(404, f"no request with id {rid!r}")
        except Invalid as exc:
            raise ApiError(400, str(exc))
        return respond(fmt, "followers", data, 201 if added else 200)

    @app.post(f"{PREFIX}/requests/<rid>/verify.<fmt>")
    def verify(rid, fmt):
        """Does `last4` end the ticket's contact phone? Three wrong answers, from anyone, lock it for an hour."""
        check_format(fmt)
        if not has_api_key():
            raise ApiError(403, "a valid api_key is required")
        try:
            with filing_lock, transaction() as session:
                outcome = store.verify(rid, _field("last4"), session=session, vault=vault, now=clock())
                ticket_id = store.get(rid, session=session).service_request_id
        except LookupError:
            raise ApiError(404, f"no request with id {rid!r}")
        except Invalid as exc:
            raise ApiError(400, str(exc))
        data = {
            "service_request_id": ticket_id,
            "verified": outcome.verified,
            "locked": outcome.locked_until is not None,
            "locked_until": formats.iso(outcome.locked_until),
            "tries_left": outcome.tries_left,
        }
        return respond(fmt, "verification", data)

    # --- staff -------------------------------------------------------------------------------

    def require_staff() -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        expected = settings.backend_staff_token.encode()
        if not (token and expected and hmac.compare_digest(token.encode("utf-8", "replace"), expected)):
            raise ApiError(403, "staff token required")

    @app.get("/staff/requests")
    def staff_list():
        require_staff()
        statuses = _statuses(request.args.get("status"))
        page = _int(request.args.get("page"), "page", 1, 1, 100000)
        with transaction() as session:
            rows = store.search(session=session, statuses=statuses, page=page, page_size=MAX_PAGE_SIZE)
            return jsonify([formats.request(r, vault=vault, view=formats.STAFF) for r in rows])

    @app.post("/staff/requests/<rid>/status")
    def staff_status(rid):
        require_staff()
        payload = _json_object()
        try:
            body, _ = change_status(engine, vault, rid, _text_of(payload, "status"), _text_of(payload, "note") or None)
        except LookupError:
            raise ApiError(404, f"no request with id {rid!r}")
        except Invalid as exc:
            raise ApiError(400, str(exc))
        courier.wake()  # sent in the background: never keeps staff waiting
        return jsonify(body)

    @app.post("/staff/requests/<rid>/merge")
    def staff_merge(rid):
        """JSON {"into": "<id>"}: `rid` is a duplicate of that ticket; its citizens follow it, `rid` is closed."""
        require_staff()
        into = _text_of(_json_object(), "into")
        try:
            body, _ = merge_tickets(engine, vault, rid, into)
        except LookupError as exc:
            raise ApiError(404, f"no request with id {str(exc.args[0])!r}")
        except Invalid as exc:
            raise ApiError(400, str(exc))
        courier.wake()
        return jsonify(body)

    @app.route("/staff/webhooks", methods=["GET", "POST", "DELETE"])
    def staff_webhooks():
        require_staff()
        with transaction() as session:
            if request.method == "POST":
                payload = _json_object()
                try:
                    store.add_webhook(_text_of(payload, "url"), _text_of(payload, "secret"), session=session)
                except Invalid as exc:
                    raise ApiError(400, str(exc))
            elif request.method == "DELETE":
                url = _text_of(_json_object(), "url")
                if not store.remove_webhook(url, session=session):
                    raise ApiError(404, "no such webhook")
            return jsonify([{"url": w.url} for w in store.webhooks(session=session)])

    @app.route(f"{PREFIX}/<path:_anything>", methods=["GET", "POST"])
    def unknown(_anything):
        raise ApiError(404, "no such endpoint; see discovery.json")

    return app


def change_status(engine, vault: Vault, rid: str, status: str, note: Optional[str]):
    """Move a ticket and queue the news for every webhook, in one transaction; returns its new body and the
    receivers' urls (shared by the HTTP endpoint and the CLI; the server's courier sends the news)."""
    with Session(engine, future=True) as session, session.begin():
        row = store.set_status(rid, status, note, session=session)
        body = formats.request(row, vault=vault, view=formats.STAFF)
        urls = store.queue_events([webhooks.status_event(body)], session=session)
    return body, urls


def merge_tickets(engine, vault: Vault, merged_id: str, into_id: str):
    """Merge one ticket into another and queue the events in the order the receivers need them (the merge
    before the closing); returns the kept ticket's staff body and the receivers' urls (shared as above)."""
    with Session(engine, future=True) as session, session.begin():
        merged, kept = store.merge(merged_id, into_id, session=session)
        closed = formats.request(merged, vault=vault, view=formats.STAFF)
        body = formats.request(kept, vault=vault, view=formats.STAFF)
        events = [webhooks.merge_event(closed["service_request_id"], body["service_request_id"]), webhooks.status_event(closed)]
        urls = store.queue_events(events, session=session)
    return body, urls


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _field(name: str) -> str:
    """One form field as text ("" when absent); a field given twice is refused rather than guessed at."""
    values = request.form.getlist(name)
    if len(values) > 1:
        raise ApiError(400, f"{name} is given more than once")
    return values[0] if values else ""


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_object() -> dict:
    """The JSON body, which must be an object; anything else is the caller's mistake (400)."""
    payload = request.get_json(silent=True)
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise ApiError(400, "the body must be a JSON object")
    return payload


def _text_of(payload: dict, name: str) -> str:
    value = payload.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be text")
    if not _storable(value):
        raise ApiError(400, f"{name} contains NUL characters or unpaired surrogates")
    return value


def _new_request(form) -> NewRequest:
    def text(name: str) -> Optional[str]:
        value = form.get(name)
        return value.strip() if value and value.strip() else None

    last = text("last_name")
    name = " ".join(n for n in (text("first_name"), last) if n) or None
    service_code = text("service_code")
    if not service_code:
        raise ApiError(400, "service_code is required")
    return NewRequest(
        service_code=service_code,
        description=form.get("description") or "",
        address=text("address_string"),
        lat=_float(form.get("lat"), "lat"),
        long=_float(form.get("long"), "long"),
        contact_name=name,
        phone=text("phone"),
        email=text("email"),
        request_type=text("request_type") or "complaint",
        urgency=text("urgency") or form.get("attribute[urgency]") or "normal",
        district=text("district"),
        language=text("language") or "zh",
        account_id=text("account_id"),
        media_url=text("media_url"),
        media_urls=tuple(u.strip() for u in form.getlist("media_urls") if u.strip()),
    )


def _float(value: Optional[str], name: str) -> Optional[float]:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise ApiError(400, f"{name} must be a number")


def _int(value: Optional[str], name: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number")
    if not low <= number <= high:
        raise ApiError(400, f"{name} must be between {low} and {high}")
    return number


def _date(value: Optional[str], name: str) -> Optional[datetime]:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name} must be an ISO-8601 date, e.g. 2026-11-28T00:00:00+08:00")
    if not 1970 <= parsed.year <= 9000:  # also keeps the 90-day window and UTC conversion in range
        raise ApiError(400, f"{name} must be between the years 1970 and 9000")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)


def _statuses(value: Optional[str]):
    if not value:
        return ()
    wanted = set()
    for part in value.split(","):
        part = part.strip()
        if part == "open":
            wanted.update(s for s in STATUSES if s != "closed")
        elif part in STATUSES:
            wanted.add(part)
        else:
            raise ApiError(400, f"unknown status {part!r}")
    return tuple(sorted(wanted))
