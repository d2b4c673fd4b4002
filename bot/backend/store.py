"""Repository functions of the dispatch backend; they take the session keyword-only and never commit."""
import hmac
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import List, Optional, Sequence, Tuple

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import address as addresses
from bot import phone as phones
from bot import services, vocabulary
from bot.backend.models import DayCounter, Follower, ServiceRequest, StatusNote, Webhook, WebhookEvent
from bot.crypto import Vault

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
DESCRIPTION_LIMIT = 10000  # a real complaint letter, filed whole
COMMENT_LIMIT = 2000
# Column widths, and sizes no real address or name reaches: refused (400), never cut.
FIELD_LIMITS = {"address": 1000, "contact_name": 200, "phone": 64, "email": 320, "district": 16,
                "account_id": 255, "media_url": 2000}
MEDIA_LIMIT = 20  # photos on one ticket
ID_LIMIT = 32  # the width of service_request_id
VERIFY_TRIES = 3
VERIFY_LOCK = timedelta(hours=1)
IDEMPOTENCY_KEY_LIMIT = 128  # the column's width
STATUS_ORDER = tuple(vocabulary.STATUSES)
FIRST_NOTE = {"zh": "已受理,等待派单", "en": "received, awaiting dispatch"}
# Duplicates (docs/INTERFACE.md): an open ticket of the same code at the same place from the last 30 days.
# Resolved counts as done: a light dark again after its repair is a new problem.
DUPLICATE_STATUSES = ("received", "dispatched", "in_progress")
DUPLICATE_WINDOW = timedelta(days=30)
DUPLICATE_RADIUS_M = 200.0
FOLLOWER_KEY = re.compile(r"[A-Za-z0-9:_\-]{1,128}")
MERGE_NOTES = {
    "into": {"zh": "重复件,已合并至工单 {other}", "en": "duplicate, merged into ticket {other}"},
    "from": {"zh": "已合并重复工单 {other},其市民一并关注本工单", "en": "duplicate ticket {other} merged into this one; its citizens follow this one"},
}


class Invalid(ValueError):
    """A request the spec calls a 400: the message is told to the caller."""


class AlreadyRated(Invalid):
    """A second rating of one ticket (409): the first stands."""


@dataclass(frozen=True)
class Verification:
    """The outcome of one last-four-digit check: right or not, tries left before the lock, lock end."""

    verified: bool
    tries_left: int
    locked_until: Optional[datetime] = None


@dataclass
class NewRequest:
    service_code: str
    description: str
    address: Optional[str] = None
    lat: Optional[float] = None
    long: Optional[float] = None
    contact_name: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None
    request_type: str = "complaint"
    urgency: str = "normal"
    district: Optional[str] = None
    language: str = "zh"
    account_id: Optional[str] = None
    media_url: Optional[str] = None
    media_urls: Tuple[str, ...] = ()

    def check(self) -> None:
        if self.service_code not in services.BY_CODE:
            raise Invalid(f"unknown service_code {self.service_code!r}")
        if not (self.description or "").strip():
            raise Invalid("description is required")
        if len(self.description) > DESCRIPTION_LIMIT:
            raise Invalid(f"description is longer than {DESCRIPTION_LIMIT} characters")
        if not (self.address or "").strip() and (self.lat is None or self.long is None):
            raise Invalid("a location is required: address_string, or lat and long")
        if self.request_type not in vocabulary.REQUEST_TYPES:
            raise Invalid(f"request_type must be one of {', '.join(vocabulary.REQUEST_TYPES)}")
        if self.urgency not in vocabulary.URGENCIES:
            raise Invalid("urgency must be normal or critical")
        if self.language not in vocabulary.LANGUAGES:
            raise Invalid("language must be zh or en")
        for name, limit in FIELD_LIMITS.items():
            value = getattr(self, name)
            if value is not None and len(value) > limit:
                raise Invalid(f"{name} is longer than {limit} characters")
        _check_media(self.media_urls)
        _check_media([self.media_url] if self.media_url is not None else [])
        if self.phone is not None and phones.normalize(self.phone) is None:
            raise Invalid("phone is not a valid mainland mobile or Beijing landline number")


def expected_delay(service_code: str, urgency: str) -> timedelta:
    """12345 response rules: 2 hours when life or property is at risk, a day for utilities, else a week."""
    if urgency == "critical":
        return timedelta(hours=2)
    if services.get(service_code).utility:
        return timedelta(hours=24)
    return timedelta(days=7)


def create(new: NewRequest, *, session: Session, vault: Vault, idempotency_key: Optional[str] = None) -> Tuple[ServiceRequest, bool]:
    """File a request; returns (request, created). The same idempotency key returns the first request."""
    if idempotency_key:
        existing = by_idempotency_key(idempotency_key, session=session)
        if existing is not None:
            return existing, False
    new.check()
    now = datetime.now(timezone.utc)
    number = phones.normalize(new.phone) if new.phone else None
    row = ServiceRequest(
        service_request_id=_next_id(now, session=session),
        idempotency_key=idempotency_key,
        service_code=new.service_code,
        request_type=new.request_type,
        urgency=new.urgency,
        status="received",
        description=new.description,
        address=(new.address or "").strip() or None,
        address_key=addresses.key(new.address),
        district=new.district,
        lat=new.lat,
        long=new.long,
        language=new.language,
        account_id=new.account_id,
        media_url=new.media_url or (new.media_urls[0] if new.media_urls else None),
        media_urls=json.dumps(list(new.media_urls or ([new.media_url] if new.media_url else []))),
        contact_name_enc=vault.encrypt(new.contact_name) if new.contact_name else None,
        phone_enc=vault.encrypt(number) if number else None,
        phone_digest=vault.digest(number) if number else None,
        phone_masked=phones.mask(number),
        email_enc=vault.encrypt(new.email) if new.email else None,
        requested_at=now,
        updated_at=now,
        expected_at=now + expected_delay(new.service_code, new.urgency),
    )
    row.notes.append(StatusNote(status="received", note=FIRST_NOTE[new.language], created_at=now))
    session.add(row)
    session.flush()
    return row, True


def _next_id(now: datetime, *, session: Session) -> str:
    day = now.astimezone(BEIJING).strftime("%Y%m%d")
    # The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) until commit, so two filings never share a number.
    bumped = session.execute(update(DayCounter).where(DayCounter.day == day).values(last=DayCounter.last + 1))
    if bumped.rowcount == 0:
        try:
            with session.begin_nested():
                session.add(DayCounter(day=day, last=1))
        except IntegrityError:
            session.execute(update(DayCounter).where(DayCounter.day == day).values(last=DayCounter.last + 1))
    last = session.execute(select(DayCounter.last).where(DayCounter.day == day)).scalar_one()
    return f"BJ{day}-{last:04d}"


def by_idempotency_key(key: str, *, session: Session) -> Optional[ServiceRequest]:
    return session.execute(select(ServiceRequest).where(ServiceRequest.idempotency_key == key)).scalar_one_or_none()


def get(service_request_id: str, *, session: Session, for_update: bool = False) -> Optional[ServiceRequest]:
    """The request with that id (any case); `for_update` locks its row until commit (PostgreSQL)."""
    if len(service_request_id) > ID_LIMIT:
        return None
    query = select(ServiceRequest).where(ServiceRequest.service_request_id == service_request_id.strip().upper())
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def search(
    *,
    session: Session,
    ids: Sequence[str] = (),
    service_code: Optional[str] = None,
    statuses: Sequence[str] = (),
    start: Optional[datetime] = None,
    end: Optional[datetime] = None,
    page: int = 1,
    page_size: int = 50,
) -> List[ServiceRequest]:
    """A page of requests, newest first. Ids override every other filter, as the spec says."""
    query = select(ServiceRequest)
    if ids:
        query = query.where(ServiceRequest.service_request_id.in_([i.strip().upper() for i in ids]))
    else:
        # Stored in UTC; SQLite compares the text, so the bounds must be UTC too.
        if start is not None:
            query = query.where(ServiceRequest.requested_at >= start.astimezone(timezone.utc))
        if end is not None:
            query = query.where(ServiceRequest.requested_at <= end.astimezone(timezone.utc))
        if service_code:
            query = query.where(ServiceRequest.service_code.in_([c.strip() for c in service_code.split(",")]))
        if statuses:
            query = query.where(ServiceRequest.status.in_(statuses))
    query = query.order_by(ServiceRequest.requested_at.desc(), ServiceRequest.id.desc())
    query = query.offset((page - 1) * page_size).limit(page_size)
    return list(session.execute(query).scalars())


def set_status(service_request_id: str, status: str, note: Optional[str], *, session: Session) -> ServiceRequest:
    if status not in vocabulary.STATUSES:
        raise Invalid(f"status must be one of {', '.join(vocabulary.STATUSES)}")
    row = get(service_request_id, session=session)
    if row is None:
        raise LookupError(service_request_id)
    now = datetime.now(timezone.utc)
    row.status = status
    row.updated_at = now
    row.notes.append(StatusNote(status=status, note=(note or "").strip() or None, created_at=now))
    session.flush()
    return row


def rate(
    service_request_id: str, rating: str, comment: Optional[str], key: Optional[str], *, session: Session,
    follower_key: Optional[str] = None,
) -> ServiceRequest:
    """Record the filer's one satisfaction rating of a resolved request, or with `follower_key` that
    follower's one rating; the same key again is the same rating."""
    if rating not in vocabulary.RATINGS:
        raise Invalid(f"rating must be one of {', '.join(vocabulary.RATINGS)}")
    comment = (comment or "").strip() or None
    if comment and len(comment) > COMMENT_LIMIT:
        raise Invalid(f"comment is longer than {COMMENT_LIMIT} characters")
    if key and len(key) > IDEMPOTENCY_KEY_LIMIT:
        raise Invalid(f"Idempotency-Key is longer than {IDEMPOTENCY_KEY_LIMIT} characters")
    row = get(service_request_id, session=session)
    if row is None:
        raise LookupError(service_request_id)
    if row.status not in vocabulary.RATEABLE_STATUSES:
        raise Invalid("feedback is taken once the request is resolved")
    if follower_key:
        return _rate_as_follower(row, follower_key, rating, comment, key, session=session)
    _rate_once(row, rating, comment, key, "this request has already been rated; a rating is given once", session=session)
    return row


def verify(
    service_request_id: str, last4: str, *, session: Session, vault: Vault, now: datetime
) -> Verification:
    """Check the last four digits of the contact phone. Wrong answers count per ticket, whoever gives
    them; the third locks the ticket's verification for VERIFY_LOCK, and a locked ticket checks nothing."""
    if not isinstance(last4, str) or len(last4) != 4 or not last4.isascii() or not last4.isdigit():
        raise Invalid("last4 must be the four last digits of the contact phone")
    row = get(service_request_id, session=session, for_update=True)
    if row is None:
        raise LookupError(service_request_id)
    locked_until = aware(row.verify_locked_until)
    if locked_until is not None and locked_until > now:
        return Verification(False, 0, locked_until)
    if locked_until is not None:  # the hour is over: three new tries
        row.verify_failures, row.verify_locked_until = 0, None
    phone = vault.decrypt(row.phone_enc) if row.phone_enc else None
    if phone and hmac.compare_digest((phones.last4(phone) or "").encode(), last4.encode()):
        row.verify_failures = 0
        session.flush()
        return Verification(True, VERIFY_TRIES)
    row.verify_failures = (row.verify_failures or 0) + 1
    if row.verify_failures >= VERIFY_TRIES:
        row.verify_locked_until = now + VERIFY_LOCK
        session.flush()
        return Verification(False, 0, row.verify_locked_until)
    session.flush()
    return Verification(False, VERIFY_TRIES - row.verify_failures)


def aware(moment: Optional[datetime]) -> Optional[datetime]:
    # SQLite hands back naive datetimes of what was stored as UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def add_webhook(url: str, secret: str, *, session: Session) -> Webhook:
    if not url.startswith(("http://", "https://")) or not secret:
        raise Invalid("a webhook needs an http(s) url and a secret")
    row = session.execute(select(Webhook).where(Webhook.url == url)).scalar_one_or_none()
    if row is None:
        row = Webhook(url=url, secret=secret)
        session.add(row)
    else:
        row.secret = secret
    session.flush()
    return row


def remove_webhook(url: str, *, session: Session) -> bool:
    """Stop telling `url`; False when it was not registered."""
    row = session.execute(select(Webhook).where(Webhook.url == url)).scalar_one_or_none()
    if row is not None:
        session.delete(row)
        session.flush()
    return row is not None


def queue_events(events: Sequence[dict], *, session: Session) -> List[str]:
    """Every event for every registered receiver, in order, in the caller's transaction; the receivers' urls."""
    urls = [hook.url for hook in webhooks(session=session)]
    for event in events:
        text = json.dumps(event, ensure_ascii=False)
        session.add_all([WebhookEvent(url=url, event=text) for url in urls])
    session.flush()
    return urls


def due_events(now: datetime, *, session: Session) -> List[WebhookEvent]:
    """Each receiver's oldest pending event, when its time has come: a receiver is told in order, so a
    later event waits behind an earlier one that is not taken yet."""
    heads = select(func.min(WebhookEvent.id)).where(WebhookEvent.state == "pending").group_by(WebhookEvent.url)
    rows = session.execute(select(WebhookEvent).where(WebhookEvent.id.in_(heads))).scalars()
    return [row for row in rows if aware(row.next_attempt_at) <= now]


def webhooks(*, session: Session) -> List[Webhook]:
    return list(session.execute(select(Webhook).order_by(Webhook.id)).scalars())


def count(*, session: Session) -> int:
    return session.execute(select(func.count(ServiceRequest.id))).scalar_one()


def _rate_as_follower(row, follower_key, rating, comment, key, *, session: Session) -> ServiceRequest:
    follower = session.execute(
        select(Follower).where(Follower.request_id == row.id, Follower.follower_key == follower_key)
    ).scalar_one_or_none()
    if follower is None:
        raise Invalid("follower_id does not follow this request")
    _rate_once(follower, rating, comment, key, "this follower has already rated the request; a rating is given once", session=session)
    return row


def _rate_once(rater, rating, comment, key, refusal: str, *, session: Session) -> None:
    """Set the rating of a ticket or of one follower only while none is there, in one statement: of two
    raters at once exactly one wins. The same idempotency key again is the same rating, not a second one."""
    model = type(rater)
    won = session.execute(
        update(model)
        .where(model.id == rater.id, model.rating.is_(None))
        .values(rating=rating, rating_comment=comment, rating_key=key)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(rater)
    if not won and not (key and rater.rating_key == key):
        raise AlreadyRated(refusal)


@dataclass(frozen=True)
class Duplicate:
    """An open ticket at the place of a new report: matched by address key, or nearby (metres)."""

    request: ServiceRequest
    match: str  # address | nearby
    distance_m: Optional[float] = None


def duplicates(
    service_code: str,
    *,
    session: Session,
    now: datetime,
    address: Optional[str] = None,
    lat: Optional[float] = None,
    long: Optional[float] = None,
    district: Optional[str] = None,
    limit: int = 3,
) -> List[Duplicate]:
    """Open tickets of this code from the last DUPLICATE_WINDOW at the same normalized address, or within
    DUPLICATE_RADIUS_M when coordinates are given; same address first, then the nearest."""
    since = (now - DUPLICATE_WINDOW).astimezone(timezone.utc)
    base = select(ServiceRequest).where(
        ServiceRequest.service_code == service_code,
        ServiceRequest.requested_at >= since,
        ServiceRequest.status.in_(DUPLICATE_STATUSES),
    )
    found = {}
    place = addresses.key(address)
    if place:
        query = base.where(ServiceRequest.address_key == place).order_by(ServiceRequest.requested_at.desc()).limit(limit * 4)
        for row in session.execute(query).scalars():
            if district and row.district and row.district != district:
                continue  # 12号院 in Xicheng is not 12号院 in Fengtai
            found[row.id] = Duplicate(row, "address", _distance(lat, long, row.lat, row.long))
    if lat is not None and long is not None and -90 <= lat <= 90:
        # A bounding box the (service_code, lat, long) index can answer; the circle is cut in Python.
        dlat = DUPLICATE_RADIUS_M / 111320.0
        dlong = DUPLICATE_RADIUS_M / (111320.0 * max(math.cos(math.radians(lat)), 0.01))
        query = base.where(
            ServiceRequest.lat.between(lat - dlat, lat + dlat), ServiceRequest.long.between(long - dlong, long + dlong)
        ).limit(limit * 10)
        for row in session.execute(query).scalars():
            distance = _distance(lat, long, row.lat, row.long)
            if row.id not in found and distance is not None and distance <= DUPLICATE_RADIUS_M:
                found[row.id] = Duplicate(row, "nearby", distance)
    ordered = sorted(
        found.values(),
        key=lambda d: (d.match != "address", d.distance_m if d.distance_m is not None else 0.0, -aware(d.request.requested_at).timestamp()),
    )
    return ordered[:limit]


def _distance(lat1, long1, lat2, long2) -> Optional[float]:
    """Metres between two points (haversine), None when one has no coordinates."""
    if None in (lat1, long1, lat2, long2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(long2 - long1) / 2) ** 2
    return 2 * 6371000.0 * math.asin(min(1.0, math.sqrt(a)))


def follow(
    service_request_id: str, follower_key: str, *, session: Session, origin: str = "joined", media_urls: Sequence[str] = ()
) -> Tuple[ServiceRequest, bool]:
    """Add a follower to a request, and the follower's photos to the ticket's (once each, at most MEDIA_LIMIT
    in all); (request, added). The same follower again changes nothing."""
    if not isinstance(follower_key, str) or not FOLLOWER_KEY.fullmatch(follower_key):
        raise Invalid("follower_id must be 1 to 128 letters, digits, ':', '_' or '-'")
    _check_media(media_urls)
    row = get(service_request_id, session=session, for_update=True)
    if row is None:
        raise LookupError(service_request_id)
    kept = json.loads(row.media_urls or "[]")
    added_photos = [url for url in dict.fromkeys(media_urls) if url not in kept][: max(0, MEDIA_LIMIT - len(kept))]
    if added_photos:
        row.media_urls = json.dumps(kept + added_photos)
        row.media_url = row.media_url or added_photos[0]
    return row, _add_follower(row, follower_key, origin, session=session)


def _check_media(urls: Sequence[str]) -> None:
    if len(urls) > MEDIA_LIMIT:
        raise Invalid(f"at most {MEDIA_LIMIT} media_urls")
    for url in urls:
        if len(url) > FIELD_LIMITS["media_url"] or not url.startswith(("https://", "http://")):
            raise Invalid("media_url must be an http(s) URL of at most 2000 characters")


def _add_follower(row: ServiceRequest, follower_key: str, origin: str, *, session: Session) -> bool:
    exists = session.execute(
        select(Follower.id).where(Follower.request_id == row.id, Follower.follower_key == follower_key)
    ).first()
    if exists:
        return False
    try:
        with session.begin_nested():
            session.add(Follower(request_id=row.id, follower_key=follower_key, origin=origin))
    except IntegrityError:  # the same follower at the same moment: one row, as asked
        return False
    session.expire(row, ["followers"])
    return True


def merge(merged_id: str, into_id: str, *, session: Session) -> Tuple[ServiceRequest, ServiceRequest]:
    """Merge a duplicate into another ticket: its filer (as `filer:<id>`) and followers follow the other,
    both tickets' notes say so, and the merged one is closed. Returns (merged, kept)."""
    merged, kept = get(merged_id, session=session, for_update=True), get(into_id, session=session, for_update=True)
    if merged is None or kept is None:
        raise LookupError(merged_id if merged is None else into_id)
    if merged.id == kept.id:
        raise Invalid("a ticket cannot be merged into itself")
    if merged.status == "closed" or kept.status == "closed":
        raise Invalid("only open tickets can be merged (a closed one neither gives nor takes citizens)")
    _add_follower(kept, f"filer:{merged.service_request_id}", "merged", session=session)
    for follower in list(merged.followers):
        _add_follower(kept, follower.follower_key, "merged", session=session)
    now = datetime.now(timezone.utc)
    kept.updated_at = now
    kept.notes.append(StatusNote(
        status=kept.status, note=MERGE_NOTES["from"][kept.language].format(other=merged.service_request_id), created_at=now
    ))
    merged.merged_into = kept.service_request_id
    set_status(merged.service_request_id, "closed", MERGE_NOTES["into"][merged.language].format(other=kept.service_request_id), session=session)
    session.flush()
    session.refresh(kept)
    return merged, kept
