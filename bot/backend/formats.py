"""Open311 GeoReport v2 representations: request objects, services, errors, and their XML."""
import json
from datetime import datetime
from typing import Any, Dict, List, Optional
from xml.etree import ElementTree as ET

from bot import address, services, vocabulary
from bot.backend.models import ServiceRequest
from bot.backend.store import BEIJING
from bot.crypto import Vault
from bot.phone import mask_in


def iso(value: Optional[datetime]) -> Optional[str]:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes of what was stored as UTC
        from datetime import timezone

        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(BEIJING).isoformat(timespec="seconds")


def service(s: services.Service) -> Dict[str, Any]:
    return {
        "service_code": s.code,
        "service_name": s.name_zh,
        "service_name_en": s.name_en,
        "description": f"{s.name_zh} ({s.name_en})",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join([s.name_zh, *s.name_en.split(", ")]),
        "group": s.agency,
        "agency_responsible": s.agency,
    }


def service_definition(s: services.Service) -> Dict[str, Any]:
    return {
        "service_code": s.code,
        "attributes": [
            {
                "variable": True,
                "code": "urgency",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "critical when life or property is at risk (answered within 2 hours)",
                "order": 1,
                "description": "紧急程度 urgency",
                "values": [{"key": "normal", "name": "一般 normal"}, {"key": "critical", "name": "紧急 critical"}],
            },
            {
                "variable": True,
                "code": "request_type",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "what kind of request this is",
                "order": 2,
                "description": "诉求类型 request type",
                "values": [{"key": t, "name": t} for t in vocabulary.REQUEST_TYPES],
            },
        ],
    }


# Who sees what (docs/INTERFACE.md): anyone sees the status board; a caller with the api_key also the
# ticket's content, with every phone number masked; staff also the contact name and the rating.
PUBLIC, PRIVATE, STAFF = "public", "private", "staff"


def request(row: ServiceRequest, *, vault: Vault, view: str = PUBLIC) -> Dict[str, Any]:
    s = services.get(row.service_code)
    zh, _en = vocabulary.STATUSES[row.status]
    body = {
        "service_request_id": row.service_request_id,
        "status": vocabulary.open311_status(row.status),
        "extended_status": row.status,
        "status_zh": zh,
        "service_code": s.code,
        "service_name": s.name_zh,
        "agency_responsible": s.agency,
        "district": row.district,
        "request_type": row.request_type,
        "requested_datetime": iso(row.requested_at),
        "updated_datetime": iso(row.updated_at),
        "expected_datetime": iso(row.expected_at),
        "followers": len(row.followers),  # how many citizens joined it: public, and nobody's identity
        "merged_into": row.merged_into,
    }
    if view == PUBLIC:
        return body
    latest = row.notes[-1] if row.notes else None
    body.update(
        description=mask_in(row.description),
        status_notes=mask_in(latest.note) if latest else None,
        service_notice=f"预计办结时间 expected by {iso(row.expected_at)}",
        address=row.address,
        address_id=None,
        zipcode=None,
        lat=row.lat,
        long=row.long,
        media_url=row.media_url,
        media_urls=json.loads(row.media_urls) if row.media_urls else ([row.media_url] if row.media_url else []),
        language=row.language,
        phone=row.phone_masked,
        notes=[{"datetime": iso(n.created_at), "status": n.status, "note": mask_in(n.note)} for n in row.notes],
    )
    if view == STAFF:
        body["contact_name"] = vault.decrypt(row.contact_name_enc) if row.contact_name_enc else None
        body["rating"] = row.rating
        body["rating_comment"] = mask_in(row.rating_comment)
        body["follower_ratings"] = [
            {"rating": f.rating, "comment": mask_in(f.rating_comment)} for f in row.followers if f.rating
        ]
    return body


def duplicate(found, *, vault: Vault) -> Dict[str, Any]:
    """A possible duplicate as the channel may tell another citizen: the public view and the place down to
    the building; nothing about who filed it."""
    body = request(found.request, vault=vault, view=PUBLIC)
    body.update(
        place=address.public_place(found.request.address),
        match=found.match,
        distance_m=round(found.distance_m) if found.distance_m is not None else None,
    )
    return body


def errors(code: int, description: str) -> List[Dict[str, Any]]:
    return [{"code": code, "description": description}]


# --- XML, element names as in the GeoReport v2 examples ------------------------------------------

_LIST_ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "media_urls": "media_url",
    "endpoints": "endpoint",
    "formats": "format",
}


def to_xml(root: str, items: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, items, root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def _fill(element: ET.Element, value: Any, name: str) -> None:
    if isinstance(value, list):
        child_name = _LIST_ITEM.get(name, "item")
        for item in value:
            child = ET.SubElement(element, child_name)
            _fill(child, item, child_name)
    elif isinstance(value, dict):
        for key, item in value.items():
            child = ET.SubElement(element, key)
            _fill(child, item, key)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        # ElementTree escapes &, < and >: a description is inert text, never markup.
        element.text = str(value)
