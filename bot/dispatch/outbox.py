"""The durable outbox: a ticket is written to the channel store before it is sent, and sent until filed once."""
import hashlib
import json
import logging
import re
import uuid
from datetime import datetime, timedelta
from typing import List, Optional, Sequence

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.crypto import Vault
from bot.db import Following, Submission, engine_for, migrate, utcnow
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
        self.followings = RowQueue(self.engine, Following, lease=self.lease, retry_base=retry_base, retry_max=retry_max)
        self.ratings = Ratings(
            self.engine, client, self.conversation_of, deadline=deadline, background_deadline=background_deadline,
            lease=self.lease, retry_base=retry_base, retry_max=retry_max, following_of=self.following_of,
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
        """Deliver due tickets, then joins, then ratings, oldest first; returns how many were delivered.
        Safe to run in several processes."""
        return self._deliver_tickets(limit) + self._deliver_joins(limit) + self.ratings.deliver_pending(limit)

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

    # --- following a ticket filed by someone else ---------------------------------------------------

    def join(
        self, ticket_id: str, sender_id: str, channel: str = "rest", language: str = "zh", media_urls: Sequence[str] = ()
    ) -> bool:
        """Make this conversation a follower of a ticket, its photos (`media_urls`) going to the ticket: stored
        first (from then on it is told the ticket's news), then the backend is told once within `deadline`.
        True when the backend is still to be told (the background delivery does it). Joining twice is joining
        once. Raises DispatchRejected when the backend refuses the join itself (the row is then marked rejected)."""
        ticket_id = (ticket_id or "").strip().upper()
        filer = self.conversation_of(ticket_id)
        if filer is not None and filer.sender_id == sender_id:
            return False  # their own ticket: they hear its news already
        key = follower_key(ticket_id, sender_id)
        now = utcnow()
        try:
            with Session(self.engine, future=True, expire_on_commit=False) as s, s.begin():
                row = Following(  # born claimed, as a submission is: this call makes the first attempt
                    idempotency_key=key, ticket_id=ticket_id, sender_id=sender_id, channel=channel, language=language,
                    follower_key=key, state="pending", attempts=1, created_at=now, next_attempt_at=now + self.lease,
                    media_urls=json.dumps(list(media_urls)) if media_urls else None,
                )
                s.add(row)
        except IntegrityError:
            row = self.following_of(ticket_id, sender_id)
            if row is None or row.state == "delivered":
                return False
            if row.state == "rejected":
                raise DispatchRejected(row.last_error or "refused", code=400, status=400)
            row = self.followings.claim(row.id)
            if row is None:
                return True  # being delivered by another process right now
        return self._attempt_join(row, self.deadline)

    def _attempt_join(self, row: Following, deadline: float) -> bool:
        try:
            self.client.follow(row.ticket_id, row.follower_key, json.loads(row.media_urls or "[]"), deadline=deadline)
        except DispatchRejected as exc:
            if exc.status in FINAL_STATUSES:
                self.followings.finish(row.id, state="rejected", last_error=f"{exc.code}: {exc.description}"[:500])
                log.warning("join of %s rejected by the backend: %s", row.ticket_id, exc.code)
                raise
            log.error("join of %s refused (%s): check DISPATCH_URL / DISPATCH_API_KEY", row.ticket_id, exc.status)
            self.followings.postpone(row, exc)
            return True
        except DispatchError as exc:
            log.info("join of %s queued: %s", row.ticket_id, exc)
            self.followings.postpone(row, exc)
            return True
        except Exception as exc:  # stored already: a bug here must not lose the join
            log.exception("join of %s: unexpected delivery failure", row.ticket_id)
            self.followings.postpone(row, exc)
            return True
        self.followings.finish(row.id, state="delivered", delivered_at=utcnow(), last_error=None)
        log.info("join of %s delivered", row.ticket_id)
        return False

    def _deliver_joins(self, limit: int) -> int:
        delivered = 0
        for row_id in self.followings.due(limit):
            row = self.followings.claim(row_id)
            if row is None:
                continue
            try:
                queued = self._attempt_join(row, self.background_deadline)
            except DispatchRejected:
                continue
            if queued:
                break
            delivered += 1
        return delivered

    def record_merge(self, merged_id: str, into_id: str) -> int:
        """The backend merged one ticket into another: whoever filed or followed the merged one now follows
        the other here too (the backend moved them already: nothing to deliver). Returns how many were added."""
        merged_id, into_id = merged_id.strip().upper(), into_id.strip().upper()
        kept = self.conversation_of(into_id)
        added = 0
        for who in self.conversations_of(merged_id):
            if kept is not None and kept.sender_id == who.sender_id:
                continue  # the filer of the kept ticket hears its news already
            key = getattr(who, "follower_key", None) or f"filer:{merged_id}"
            now = utcnow()
            try:
                with Session(self.engine, future=True) as s, s.begin():
                    s.add(Following(
                        idempotency_key=follower_key(into_id, who.sender_id), ticket_id=into_id, sender_id=who.sender_id,
                        channel=who.channel, language=who.language, follower_key=key, state="delivered", attempts=0,
                        created_at=now, delivered_at=now,
                    ))
                added += 1
            except IntegrityError:
                continue  # followed it already
        return added

    def following_of(self, ticket_id: str, sender_id: str) -> Optional[Following]:
        """This conversation's join of that ticket, if it joined (or came with a merge)."""
        ticket_id = (ticket_id or "").strip().upper()
        return self.followings.find((Following.ticket_id == ticket_id) & (Following.sender_id == sender_id))

    def followed_by(self, sender_id: str) -> List[Following]:
        """The tickets this conversation joined, newest first."""
        with Session(self.engine, future=True) as s:
            query = select(Following).where(Following.sender_id == sender_id, Following.state != "rejected")
            return list(s.execute(query.order_by(Following.id.desc())).scalars())

    def conversations_of(self, ticket_id: str) -> list:
        """Everyone to tell about a ticket: the conversation that filed it, then those that joined it
        (each with sender_id, channel, language)."""
        ticket_id = (ticket_id or "").strip().upper()
        filer = self.conversation_of(ticket_id)
        with Session(self.engine, future=True) as s:
            query = select(Following).where(Following.ticket_id == ticket_id, Following.state != "rejected")
            joined = list(s.execute(query.order_by(Following.id)).scalars())
        everyone = {}
        for conversation in ([filer] if filer is not None else []) + joined:
            everyone.setdefault(conversation.sender_id, conversation)  # each conversation told once
        return list(everyone.values())

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


def follower_key(ticket_id: str, sender_id: str) -> str:
    """The opaque name the backend knows a follower by: one per ticket and conversation, nothing personal."""
    return hashlib.sha256(f"follower\x1f{ticket_id}\x1f{sender_id}".encode("utf-8")).hexdigest()


def filing_key(sender_id: str, *parts: str) -> str:
    """A 64-character idempotency key from what identifies one confirmation (say, the form's start event).

    The same conversation confirming the same form twice gives the same key, hence one ticket.
    """
    text = "\x1f".join((sender_id,) + tuple(str(p) for p in parts))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def provisional_reference(row_id: int, created: datetime) -> str:
    """BJyyyymmdd-Qnnnn: the Beijing date of filing and the row's sequence number."""
    return f"BJ{created.astimezone(BEIJING):%Y%m%d}-Q{row_id:04d}"

