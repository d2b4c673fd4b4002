"""The Redis conversation lock across two processes (as two Rasa replicas): one holder at a time, in ticket order."""
import asyncio
import multiprocessing
import time
import uuid

import pytest
import redis

from bot.lock_store import ISSUE, AtomicRedisLockStore

pytestmark = pytest.mark.postgres  # needs the machine's Redis, like the PostgreSQL tests need theirs

REDIS_URL = "redis://127.0.0.1:6379/0"
MESSAGES = 20
STAGGER = 0.005  # between two messages' arrivals: they queue, since a turn holds the lock longer
HOLD = 0.02  # a turn's time inside the lock


def _replica(prefix, conversation, parity, ready, start):
    """One process: the messages of one parity, each arriving at the common start + i * STAGGER."""
    store = AtomicRedisLockStore(url=REDIS_URL, key_prefix=prefix)
    log = redis.Redis.from_url(REDIS_URL)
    ready.release()
    start.wait(timeout=30)
    start_at = start.value

    async def message(i):
        await asyncio.sleep(max(0.0, start_at + i * STAGGER - time.time()))
        async with store.lock(conversation) as held:
            if log.incr(f"{prefix}:inside") != 1:
                log.rpush(f"{prefix}:overlaps", i)
            log.rpush(f"{prefix}:order", i)
            log.rpush(f"{prefix}:tickets", held.tickets[0].number)
            await asyncio.sleep(HOLD)
            log.decr(f"{prefix}:inside")

    async def main():
        await asyncio.gather(*(message(i) for i in range(parity, MESSAGES, 2)))

    asyncio.run(main())


class _Start:
    """A start time both processes read once it is set."""

    def __init__(self, context):
        self._value = context.Value("d", 0.0)
        self._event = context.Event()

    def go(self, at):
        self._value.value = at
        self._event.set()

    def wait(self, timeout):
        self._event.wait(timeout)

    @property
    def value(self):
        return self._value.value


def test_two_processes_take_one_conversations_lock_one_at_a_time_in_ticket_order():
    prefix = f"t{uuid.uuid4().hex[:10]}"
    conversation = "rest:citizen"
    context = multiprocessing.get_context("spawn")
    ready, start = context.Semaphore(0), _Start(context)
    replicas = [context.Process(target=_replica, args=(prefix, conversation, p, ready, start)) for p in (0, 1)]
    for replica in replicas:
        replica.start()
    for _ in replicas:
        assert ready.acquire(timeout=60)
    start.go(time.time() + 0.2)
    for replica in replicas:
        replica.join(timeout=30)
        assert replica.exitcode == 0
    log = redis.Redis.from_url(REDIS_URL)
    try:
        assert log.lrange(f"{prefix}:overlaps", 0, -1) == []
        # Served in ticket order, that is in the order the messages reached Redis, whichever process took them.
        assert [int(t) for t in log.lrange(f"{prefix}:tickets", 0, -1)] == list(range(1, MESSAGES + 1))
        assert sorted(int(i) for i in log.lrange(f"{prefix}:order", 0, -1)) == list(range(MESSAGES))
        # released: no key of the lock is left behind
        assert log.keys(f"{prefix}:lock:*") == []
    finally:
        log.delete(f"{prefix}:inside", f"{prefix}:overlaps", f"{prefix}:order", f"{prefix}:tickets")


def test_a_live_holder_keeps_the_lock_past_its_lease_and_a_dead_ones_ticket_expires():
    prefix = f"t{uuid.uuid4().hex[:10]}"
    store = AtomicRedisLockStore(url=REDIS_URL, key_prefix=prefix)
    store.LEASE = 0.3
    log = []

    async def slow():
        async with store.lock("c"):
            log.append("slow in")
            await asyncio.sleep(1.0)  # three leases: renewed by its heartbeat
            log.append("slow out")

    async def next_one():
        await asyncio.sleep(0.05)
        async with store.lock("c"):
            log.append("next in")

    async def main():
        await asyncio.gather(slow(), next_one())

    asyncio.run(main())
    assert log == ["slow in", "slow out", "next in"]

    # A replica killed while holding the lock: its ticket, never renewed, lapses after the lease.
    dead = redis.Redis.from_url(REDIS_URL).register_script(ISSUE)
    keys = [f"{prefix}:lock:d:next", f"{prefix}:lock:d:tickets", f"{prefix}:lock:d:expiry"]
    assert dead(keys=keys, args=[300]) == 1

    async def after_the_dead():
        began = time.monotonic()
        async with store.lock("d"):
            return time.monotonic() - began

    assert 0.2 < asyncio.run(after_the_dead()) < 2.0
