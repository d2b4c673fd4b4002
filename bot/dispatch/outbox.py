"""The durable outbox: a ticket is written to the channel store before it is sent, and sent until filed once."""
import hashlib
import json
import logging
import re
import uuid
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.crypto import Vault
from bot.db import Submission, engine_for, migrate, utcnow
from bot.dispatch.client import DispatchClient
from bot.dispatch.errors import DispatchError, DispatchRejected
from bot.dispatch.models import BEIJING, Filing, NewTicket, Ticket
from bot.dispatch.queue import RowQueue
from bot.dispatch.ratings import Ratings
from bot.settings import Settings

log = logging.getLogger(__name__)

PROVISIONAL = re.compile(r"^BJ\d{8}-Q\d{4,}$")
# 4xx that condemn the ticket itself. Others (401, 403 wrong api_key, 404 wrong URL, ...) are our
# configuration's fault: the ticket stays pending until an operator fixes it, so it is not lost.
FINAL_STATUSES = frozenset({400, 409, 413, 422})
# Fields of NewTicket kept in clear in the payload (no personal data), the rest sealed with the Vault.
CLEAR_FIELDS = ("service_code", "request_type", "urgency", "district", "language")


class Outbox:
    """Files tickets through a DispatchClient; what cannot be delivered now waits in `submissions`."""

    def __init__(
        self,
        database_url: str,
        client: DispatchClient,
        vault: Vault,
        *,
        deadline: float = 3.0,
        background_deadline: float = 30.0,
        retry_base: float = 5.0,
        retry_max: float = 300.0,
    ):
        self.engine = engine_for(database_url)
        self.client = client
        self.vault = vault
        self.deadline = deadline  # a citizen is waiting for the answer
        self.background_deadline = background_deadline
        # A claimed row is left alone by other processes this long; longer than any one delivery.
        self.lease = timedelta(seconds=2 * max(deadline, background_deadline))
        self.queue = RowQueue(self.engine, Submission, lease=self.lease, retry_base=retry_base, retry_max=retry_max)
        self.ratings = Ratings(
            self.engine, client, self.conversation_of, deadline=deadline, background_deadline=background_deadline,
            lease=self.lease, retry_base=retry_base, retry_max=retry_max,
        )

    @classmethod
    def from_settings(
        cls, settings: Optional[Settings] = None, client: Optional[DispatchClient] = None, **options
    ) -> "Outbox":
        """The outbox of this process's Settings: store migrated to the newest revision, client, key."""
        settings = settings or Settings.load()
        migrate(settings.database_url)
        if client is None:
            client = DispatchClient(settings.dispatch_url, settings.dispatch_api_key, timeout=settings.dispatch_timeout)
        return cls(settings.database_url, client, Vault(settings.channel_data_key), **options)

    # --- filing ----------------------------------------------------------------------------------

    def file(
        self, ticket: NewTicket, idempotency_key: str, sender_id: str, channel: str = "rest", language: str = "zh"
    ) -> Filing:
        """Store, then try once within `deadline`; a backend away gives a queued Filing, never an error.

        Raises DispatchRejected when the backend refuses the ticket itself (it is then marked rejected).
        The same idempotency_key again returns the same Filing: no second row, no second ticket.
        """
        if not idempotency_key or len(idempotency_key) > 64:
            raise ValueError("idempotency_key must be 1 to 64 characters")
        row, created = self._insert(ticket, idempotency_key, sender_id, channel, language)
        if created:
            return self._attempt(row, ticket, self.deadline)
        return self._again(row)

    def _insert(self, ticket, key, sender_id, channel, language):
        now = utcnow()
        try:
            with Session(self.engine, future=True, expire_on_commit=False) as s, s.begin():
                # Born claimed (attempts=1, leased): this call makes the first attempt itself.
                row = Submission(
                    idempotency_key=key,
                    reference=uuid.uuid4().hex,  # placeholder: the real one needs the row id
                    sender_id=sender_id,
                    channel=channel,
                    language=language,
                    payload=self._seal(ticket),
                    state="pending",
                    attempts=1,
                    created_at=now,
                    next_attempt_at=now + self.lease,
                )
                s.add(row)
                s.flush()
                row.reference = provisional_reference(row.id, now)
            log.info("submission %s stored", row.reference)
            return row, True
        except IntegrityError:
            existing = self._find(Submission.idempotency_key == key)
            if existing is None:
                raise
            return existing, False

    def _again(self, row: Submission) -> Filing:
        if row.state == "delivered":
            return Filing(row.ticket_id, self._fetch(row.ticket_id), queued=False)
        if row.state == "rejected":
            code, _, description = (row.last_error or "").partition(": ")
            status = int(code) if code.isdigit() else None
            raise DispatchRejected(description or code, code=status or code or None, status=status)
        claimed = self._claim(row.id)
        if claimed is None:  # another process is delivering it right now
            return Filing(row.reference, None, queued=True)
        return self._attempt(claimed, self._unseal(claimed.payload), self.deadline)

    def _attempt(self, row: Submission, ticket: NewTicket, deadline: float) -> Filing:
        """One delivery of a claimed row; records the outcome. Raises only a final DispatchRejected."""
        try:
            filed = self.client.submit(ticket, row.idempotency_key, deadline=deadline)
        except DispatchRejected as exc:
            if exc.status in FINAL_STATUSES:
                self._finish(row.id, state="rejected", last_error=f"{exc.code}: {exc.description}")
                log.warning("submission %s rejected by the backend: %s", row.reference, exc.code)
                raise
            log.error("submission %s refused (%s): check DISPATCH_URL / DISPATCH_API_KEY", row.reference, exc.status)
            self._postpone(row, exc)
        except DispatchError as exc:
            log.info("submission %s queued: %s", row.reference, exc)
            self._postpone(row, exc)
        except Exception as exc:  # the ticket is stored; a bug here must not cost the citizen the reference
            log.exception("submission %s: unexpected delivery failure", row.reference)
            self._postpone(row, exc)
        else:
            self._finish(
                row.id, state="delivered", ticket_id=filed.service_request_id, delivered_at=utcnow(), last_error=None
            )
            log.info("submission %s delivered as %s", row.reference, filed.service_request_id)
            return Filing(filed.service_request_id, filed, queued=False)
        return Filing(row.reference, None, queued=True)

    # --- background delivery ---------------------------------------------------------------------

    def deliver_pending(self, limit: int = 100) -> int:
        """Deliver due tickets, then due ratings, oldest first; returns how many were delivered.
        Safe to run in several processes."""
        return self._deliver_tickets(limit) + self.ratings.deliver_pending(limit)

    def _deliver_tickets(self, limit: int) -> int:
        delivered = 0
        for row_id in self.queue.due(limit):
            row = self._claim(row_id)
            if row is None:
                continue  # another process got it first
            try:
                ticket = self._unseal(row.payload)
            except ValueError as exc:
                log.error("submission %s cannot be read: %s", row.reference, exc)
                self._postpone(row, exc)
                continue
            try:
                filing = self._attempt(row, ticket, self.background_deadline)
            except DispatchRejected:
                continue
            if filing.queued:
                break  # the backend is away: the other rows wait for the next round instead of timing out too
            delivered += 1
        return delivered

    # --- ratings ---------------------------------------------------------------------------------

    def rate(self, ticket_id: str, rating: str, sender_id: str, comment: Optional[str] = None) -> bool:
        """A citizen's rating of their ticket, through the outbox (see `Ratings.give`); True when queued."""
        return self.ratings.give(ticket_id, rating, sender_id, comment)

    def _claim(self, row_id: int) -> Optional[Submission]:
        return self.queue.claim(row_id)

    def _postpone(self, row: Submission, error: Exception) -> None:
        self.queue.postpone(row, error)

    def _finish(self, row_id: int, **values) -> None:
        self.queue.finish(row_id, **values)

    # --- lookups ---------------------------------------------------------------------------------

    def resolve(self, reference: str) -> Optional[str]:
        """The real ticket id for a provisional reference once delivered (None before); a real id is itself."""
        reference = (reference or "").strip().upper()
        if not reference:
            return None
        if not PROVISIONAL.match(reference):
            return reference
        row = self._find(Submission.reference == reference)
        return row.ticket_id if row is not None else None

    def tickets_of(self, sender_id: str) -> List[Submission]:
        """What this conversation filed (or is still filing), newest first."""
        with Session(self.engine, future=True) as s:
            return list(
                s.execute(
                    select(Submission).where(Submission.sender_id == sender_id).order_by(Submission.id.desc())
                ).scalars()
            )

    def conversation_of(self, ticket_id: str) -> Optional[Submission]:
        """The submission (sender_id, channel, language) behind a ticket id or provisional reference."""
        ticket_id = (ticket_id or "").strip().upper()
        return self._find(or_(Submission.ticket_id == ticket_id, Submission.reference == ticket_id))

    def new_ticket(self, submission: Submission) -> NewTicket:
        """The ticket as the citizen gave it, decrypted (for an operator, or a re-send)."""
        return self._unseal(submission.payload)

    # --- helpers ---------------------------------------------------------------------------------

    def _find(self, condition) -> Optional[Submission]:
        return self.queue.find(condition)

    def _fetch(self, ticket_id: str) -> Optional[Ticket]:
        try:
            return self.client.get(ticket_id, deadline=self.deadline)
        except DispatchError:
            return None

    def _seal(self, ticket: NewTicket) -> str:
        data = ticket.to_dict()
        clear = {k: data.pop(k) for k in CLEAR_FIELDS}
        clear["sealed"] = self.vault.encrypt(json.dumps(data, ensure_ascii=False))
        return json.dumps(clear, ensure_ascii=False)

    def _unseal(self, payload: str) -> NewTicket:
        data = json.loads(payload)
        data.update(json.loads(self.vault.decrypt(data.pop("sealed"))))
        return NewTicket.from_dict(data)


def filing_key(sender_id: str, *parts: str) -> str:
    """A 64-character idempotency key from what identifies one confirmation (say, the form's start event).

    The same conversation confirming the same form twice gives the same key, hence one ticket.
    """
    text = "\x1f".join((sender_id,) + tuple(str(p) for p in parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def provisional_reference(row_id: int, created: datetime) -> str:
    """BJyyyymmdd-Qnnnn: the Beijing date of filing and the row's sequence number."""
    return f"BJ{created.astimezone(BEIJING):%Y%m%d}-Q{row_id:04d}"

