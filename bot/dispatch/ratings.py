"""Satisfaction ratings through the outbox: only the filing conversation's, once, delivered exactly once."""
import hashlib
import logging
from datetime import timedelta
from typing import Callable, Optional

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Rating, utcnow
from bot.dispatch.client import DispatchClient
from bot.dispatch.errors import AlreadyRated, DispatchError, DispatchRejected, RatingRefused
from bot.dispatch.queue import RowQueue
from bot.vocabulary import RATINGS

log = logging.getLogger(__name__)

# 4xx that end a rating: the backend will not take it as it is (already rated, not resolved yet).
# A 404 is not among them: the ticket was filed through us, so it means a wrong DISPATCH_URL (or a
# backend that lost data); the rating waits for an operator rather than being thrown away.
FINAL_STATUSES = frozenset({400, 409, 413, 422})


class Ratings:
    """`give` stores a rating and tries it once; what the backend could not take now waits in `ratings`."""

    def __init__(
        self,
        engine,
        client: DispatchClient,
        conversation_of: Callable[[str], Optional[object]],
        *,
        deadline: float,
        background_deadline: float,
        lease: timedelta,
        retry_base: float,
        retry_max: float,
        following_of: Callable[[str, str], Optional[object]] = lambda ticket_id, sender_id: None,
    ):
        self.engine = engine
        self.following_of = following_of
        self.client = client
        self.conversation_of = conversation_of
        self.deadline = deadline
        self.background_deadline = background_deadline
        self.lease = lease
        self.queue = RowQueue(engine, Rating, lease=lease, retry_base=retry_base, retry_max=retry_max)

    def give(self, ticket_id: str, rating: str, sender_id: str, comment: Optional[str] = None) -> bool:
        """Rate a ticket this conversation filed; True when queued (the backend is away), False when delivered.

        Raises RatingRefused: not_yours, not_resolved, already_rated (also this conversation's second
        rating). Ownership is checked here, against the outbox, whatever the message said.
        """
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {', '.join(RATINGS)}")
        submission = self.conversation_of(ticket_id)
        follower = None
        if submission is None or submission.sender_id != sender_id:
            # One who joined the ticket rates it too, once, as a follower (docs/INTERFACE.md).
            follower = self.following_of(ticket_id, sender_id)
            if follower is None or follower.state == "rejected":
                raise RatingRefused("not_yours")
            ticket_id = follower.ticket_id
        elif not submission.ticket_id:  # still queued for filing, so nothing can have been resolved
            raise RatingRefused("not_resolved")
        else:
            ticket_id = submission.ticket_id
        key = rating_key(ticket_id, sender_id)
        row = self._insert(ticket_id, rating, sender_id, comment, key, follower.follower_key if follower else None)
        if row is None:
            row = self.queue.find(Rating.idempotency_key == key)
            if row.state == "pending":
                return True  # given before and waiting: the first one stands
            if row.state != "rejected":
                raise RatingRefused("already_rated")
            row = self._reopen(row.id, rating, comment)  # refused before (not resolved then): try again now
            if row is None:
                return True
        return self._attempt(row, self.deadline)

    def deliver_pending(self, limit: int = 100) -> int:
        """Deliver due ratings, oldest first; returns how many were delivered."""
        delivered = 0
        for row_id in self.queue.due(limit):
            row = self.queue.claim(row_id)
            if row is None:
                continue
            try:
                queued = self._attempt(row, self.background_deadline)
            except RatingRefused:
                continue
            if queued:
                break  # the backend is away: the rest wait for the next round
            delivered += 1
        return delivered

    def _insert(self, ticket_id, rating, sender_id, comment, key, follower_key=None) -> Optional[Rating]:
        now = utcnow()
        try:
            with Session(self.engine, future=True, expire_on_commit=False) as s, s.begin():
                # Born claimed (attempts=1, leased): the caller makes the first attempt itself.
                row = Rating(
                    idempotency_key=key, ticket_id=ticket_id, sender_id=sender_id, rating=rating, comment=comment,
                    follower_key=follower_key,
                    state="pending", attempts=1, created_at=now, next_attempt_at=now + self.lease,
                )
                s.add(row)
            return row
        except IntegrityError:
            return None

    def _reopen(self, row_id: int, rating: str, comment: Optional[str]) -> Optional[Rating]:
        now = utcnow()
        with Session(self.engine, future=True, expire_on_commit=False) as s, s.begin():
            reopened = s.execute(
                update(Rating)
                .where(Rating.id == row_id, Rating.state == "rejected")
                .values(state="pending", rating=rating, comment=comment, attempts=Rating.attempts + 1,
                        next_attempt_at=now + self.lease, last_error=None)
                .execution_options(synchronize_session=False)
            ).rowcount
            return s.get(Rating, row_id) if reopened else None

    def _attempt(self, row: Rating, deadline: float) -> bool:
        """One delivery of a claimed row; True when it stays queued. Raises RatingRefused when final."""
        try:
            self.client.feedback(
                row.ticket_id, row.rating, row.comment, idempotency_key=row.idempotency_key,
                follower_id=row.follower_key, deadline=deadline,
            )
        except DispatchRejected as exc:
            if exc.status not in FINAL_STATUSES:
                log.error("rating of %s refused (%s): check DISPATCH_URL / DISPATCH_API_KEY", row.ticket_id, exc.status)
                self.queue.postpone(row, exc)
                return True
            self.queue.finish(row.id, state="rejected", last_error=f"{exc.code}: {exc.description}"[:500])
            log.info("rating of %s refused by the backend: %s", row.ticket_id, exc.status)
            if isinstance(exc, AlreadyRated):
                raise RatingRefused("already_rated") from exc
            raise RatingRefused("not_resolved") from exc
        except DispatchError as exc:
            log.info("rating of %s queued: %s", row.ticket_id, exc)
            self.queue.postpone(row, exc)
            return True
        except Exception as exc:  # stored already; a bug here must not lose the rating
            log.exception("rating of %s: unexpected delivery failure", row.ticket_id)
            self.queue.postpone(row, exc)
            return True
        self.queue.finish(row.id, state="delivered", delivered_at=utcnow(), last_error=None)
        log.info("rating of %s delivered", row.ticket_id)
        return False


def rating_key(ticket_id: str, sender_id: str) -> str:
    """One rating per ticket and conversation: the same pair always gives the same 64-character key."""
    return hashlib.sha256(f"rating\x1f{ticket_id}\x1f{sender_id}".encode("utf-8")).hexdigest()
