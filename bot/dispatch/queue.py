"""Rows waiting in the channel store for delivery (tickets, ratings): claimed by one process at a time."""
import random
from datetime import timedelta
from typing import List, Optional

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.db import utcnow


class RowQueue:
    """The pending rows of one table (`model` has id, state, attempts, next_attempt_at, last_error).

    A row is claimed by an atomic UPDATE (exactly one process wins) and leased for `lease`; a failed
    delivery postpones it with exponential backoff and jitter; only a pending row ever changes.
    """

    def __init__(self, engine, model, *, lease: timedelta, retry_base: float, retry_max: float):
        self.engine = engine
        self.model = model
        self.lease = lease
        self.retry_base = retry_base
        self.retry_max = retry_max

    def due(self, limit: int) -> List[int]:
        """Ids of the pending rows due now, oldest first."""
        m = self.model
        with Session(self.engine, future=True) as s:
            return list(
                s.execute(
                    select(m.id).where(m.state == "pending", self._due()).order_by(m.next_attempt_at, m.id).limit(limit)
                ).scalars()
            )

    def claim(self, row_id: int):
        """Take a due pending row for one delivery, atomically; None when another process has it."""
        m = self.model
        now = utcnow()
        with Session(self.engine, future=True, expire_on_commit=False) as s, s.begin():
            result = s.execute(
                update(m)
                .where(m.id == row_id, m.state == "pending", self._due(now))
                .values(attempts=m.attempts + 1, next_attempt_at=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                return None
            return s.get(m, row_id)

    def postpone(self, row, error: Exception) -> None:
        delay = min(self.retry_max, self.retry_base * 2 ** max(0, row.attempts - 1))
        delay = delay / 2 + random.uniform(0, delay / 2)
        delay = max(delay, getattr(error, "retry_after", None) or 0.0)
        next_attempt = utcnow() + timedelta(seconds=delay)
        self.finish(row.id, state="pending", next_attempt_at=next_attempt, last_error=str(error)[:500])

    def finish(self, row_id: int, **values) -> None:
        # Only a pending row changes: a slow attempt must not undo another process's delivery.
        m = self.model
        with Session(self.engine, future=True) as s, s.begin():
            s.execute(
                update(m)
                .where(m.id == row_id, m.state == "pending")
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def find(self, condition) -> Optional[object]:
        with Session(self.engine, future=True) as s:
            return s.execute(select(self.model).where(condition)).scalars().first()

    def _due(self, now=None):
        m = self.model
        return or_(m.next_attempt_at.is_(None), m.next_attempt_at <= (now or utcnow()))
