"""Value objects of the dispatch client: a ticket to file, a ticket as the backend tells it, a filing's outcome."""
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot.dispatch.errors import DispatchUnavailable
from bot.vocabulary import LANGUAGES, REQUEST_TYPES, URGENCIES

# Beijing keeps UTC+8 all year; a fixed offset needs no tz database.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")



@dataclass(frozen=True)
class NewTicket:
    """What the citizen told us, ready to file (docs/INTERFACE.md service codes, ARCHITECTURE.md fields)."""

    service_code: str
    description: str
    address: str
    contact_name: Optional[str]
    phone: Optional[str]
    request_type: str = "complaint"
    urgency: str = "normal"
    district: Optional[str] = None
    lat: Optional[float] = None
    long: Optional[float] = None
    language: str = "zh"
    account_id: Optional[str] = None
    media_urls: Tuple[str, ...] = ()  # the citizen's photos (bot/media.py); the first is Open311's media_url

    def __post_init__(self):
        object.__setattr__(self, "media_urls", tuple(self.media_urls or ()))  # a list, after the outbox's JSON
        # Caught here, in the action that built it, rather than as a 400 once the citizen has confirmed.
        for name, allowed in (("request_type", REQUEST_TYPES), ("urgency", URGENCIES), ("language", LANGUAGES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}")

    def form_fields(self) -> Dict[str, Any]:
        """The Open311 POST form fields (without api_key); unset optional fields are left out.
        `media_urls` is a list: requests sends it as the field repeated, once per photo."""
        fields = {
            "service_code": self.service_code,
            "description": self.description,
            "address_string": self.address,
            "first_name": self.contact_name,
            "phone": self.phone,
            "request_type": self.request_type,
            "urgency": self.urgency,
            "district": self.district,
            "lat": _coordinate(self.lat),
            "long": _coordinate(self.long),
            "language": self.language,
            "account_id": self.account_id,
            "media_url": self.media_urls[0] if self.media_urls else None,
            "media_urls": list(self.media_urls) or None,
        }
        return {k: v for k, v in fields.items() if v not in (None, "")}

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "NewTicket":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Note:
    """One step in a ticket's history, as the backend's `notes` list gives it."""

    datetime: Optional[datetime]
    status: Optional[str]
    note: Optional[str]


@dataclass(frozen=True)
class Ticket:
    """A ticket as `GET requests/{id}` tells it; `status` is the extended status (received … closed)."""

    service_request_id: str
    status: Optional[str] = None
    status_zh: Optional[str] = None
    service_code: Optional[str] = None
    service_name: Optional[str] = None
    agency_responsible: Optional[str] = None
    description: Optional[str] = None
    address: Optional[str] = None
    district: Optional[str] = None
    lat: Optional[float] = None
    long: Optional[float] = None
    requested_datetime: Optional[datetime] = None
    updated_datetime: Optional[datetime] = None
    expected_datetime: Optional[datetime] = None
    notes: List[Note] = field(default_factory=list)
    phone: Optional[str] = None  # masked by the backend (138*****000); only in the private view
    request_type: Optional[str] = None
    contact_name: Optional[str] = None  # only when the call carried the api_key
    language: Optional[str] = None
    media_urls: List[str] = field(default_factory=list)  # only in the api_key view

    @classmethod
    def from_json(cls, data: Any) -> "Ticket":
        """Build from one Open311 request object; a body of the wrong shape is the server's fault."""
        if isinstance(data, list) and len(data) == 1:
            data = data[0]
        if not isinstance(data, dict) or not data.get("service_request_id"):
            raise DispatchUnavailable("dispatch backend sent a request without service_request_id")
        try:
            notes = [
                Note(_datetime(n.get("datetime")), _text(n.get("status")), _text(n.get("note")))
                for n in (data.get("notes") or [])
            ]
            return cls(
                service_request_id=str(data["service_request_id"]),
                status=_text(data.get("extended_status") or data.get("status")),
                status_zh=_text(data.get("status_zh")),
                service_code=_text(data.get("service_code")),
                service_name=_text(data.get("service_name")),
                agency_responsible=_text(data.get("agency_responsible")),
                description=_text(data.get("description")),
                address=_text(data.get("address") or data.get("address_string")),
                district=_text(data.get("district")),
                lat=_float(data.get("lat")),
                long=_float(data.get("long")),
                requested_datetime=_datetime(data.get("requested_datetime")),
                updated_datetime=_datetime(data.get("updated_datetime")),
                expected_datetime=_datetime(data.get("expected_datetime")),
                notes=notes,
                phone=_text(data.get("phone")),
                request_type=_text(data.get("request_type")),
                contact_name=_text(data.get("contact_name")),
                language=_text(data.get("language")),
                media_urls=[str(u) for u in (data.get("media_urls") or [])],
            )
        except (AttributeError, TypeError, ValueError) as exc:
            raise DispatchUnavailable(f"dispatch backend sent a malformed request object: {exc}") from exc


@dataclass(frozen=True)
class PossibleDuplicate:
    """An open ticket at the place of a report about to be filed (`GET duplicates.json`): what may be told
    to another citizen (id, category, place down to the building, status), nothing about its filer."""

    ticket_id: str
    service_code: Optional[str]
    status: Optional[str]
    place: Optional[str]
    match: Optional[str] = None  # address | nearby
    distance_m: Optional[float] = None
    followers: int = 0

    @classmethod
    def from_json(cls, data: Any) -> "PossibleDuplicate":
        if not isinstance(data, dict) or not data.get("service_request_id"):
            raise DispatchUnavailable("dispatch backend sent a duplicate without service_request_id")
        try:
            return cls(
                ticket_id=str(data["service_request_id"]),
                service_code=_text(data.get("service_code")),
                status=_text(data.get("extended_status") or data.get("status")),
                place=_text(data.get("place")),
                match=_text(data.get("match")),
                distance_m=_float(data.get("distance_m")),
                followers=int(data.get("followers") or 0),
            )
        except (TypeError, ValueError) as exc:
            raise DispatchUnavailable(f"dispatch backend sent a malformed duplicate: {exc}") from exc


@dataclass(frozen=True)
class Verification:
    """The backend's answer to a last-four-digit check (`POST requests/{id}/verify.json`)."""

    ticket_id: str
    verified: bool
    locked: bool
    tries_left: int
    locked_until: Optional[datetime] = None

    @classmethod
    def from_json(cls, data: Any) -> "Verification":
        if not isinstance(data, dict) or not isinstance(data.get("verified"), bool):
            raise DispatchUnavailable("dispatch backend sent a verification without `verified`")
        try:
            return cls(
                ticket_id=str(data.get("service_request_id") or ""),
                verified=data["verified"],
                locked=bool(data.get("locked")),
                tries_left=int(data.get("tries_left") or 0),
                locked_until=_datetime(data.get("locked_until")),
            )
        except (TypeError, ValueError) as exc:
            raise DispatchUnavailable(f"dispatch backend sent a malformed verification: {exc}") from exc


@dataclass(frozen=True)
class Filing:
    """The outcome of `Outbox.file`: the reference to tell the citizen; queued => provisional BJyyyymmdd-Qnnnn."""

    reference: str
    ticket: Optional[Ticket]
    queued: bool


def _text(value: Any) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        raise ValueError("expected text")
    return str(value)


def _float(value: Any) -> Optional[float]:
    if value is None or value == "":
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _coordinate(value: Optional[float]) -> Optional[str]:
    return None if value is None else repr(float(value))


def _datetime(value: Any) -> Optional[datetime]:
    """ISO-8601 to an aware datetime; a timestamp without offset is taken as Beijing time."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("expected an ISO-8601 timestamp")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BEIJING)
