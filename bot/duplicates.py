"""The duplicate offer at the summary: an open ticket at the same place that the citizen may join instead."""
import logging
from typing import Optional

from bot.dispatch import DispatchError, Outbox
from bot.dispatch.models import PossibleDuplicate

log = logging.getLogger(__name__)
LOOKUP_DEADLINE = 2.0  # the citizen waits for the summary: without an answer by then, no offer


def offer(
    box: Outbox,
    sender_id: str,
    service_code: Optional[str],
    address: Optional[str],
    lat: Optional[float] = None,
    long: Optional[float] = None,
    district: Optional[str] = None,
) -> Optional[PossibleDuplicate]:
    """The best open ticket at this place to offer, or None. A ticket this conversation filed or joined is
    not offered (it hears that one's news already); a backend away means no offer, never a failed summary."""
    if not service_code or not (address or (lat is not None and long is not None)):
        return None
    try:
        found = box.client.duplicates(
            service_code, address=address, lat=lat, long=long, district=district, deadline=LOOKUP_DEADLINE
        )
    except DispatchError as exc:
        log.info("duplicate lookup skipped: %s", exc)
        return None
    for candidate in found:
        filer = box.conversation_of(candidate.ticket_id)
        if filer is not None and filer.sender_id == sender_id:
            continue
        if box.following_of(candidate.ticket_id, sender_id) is not None:
            continue
        return candidate
    return None
