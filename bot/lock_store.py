"""A conversation lock in Redis that holds across Rasa replicas: one turn at a time, in arrival order.

Rasa 3.6's RedisLockStore reads the whole ticket lock, adds a ticket in Python and writes it back
(GET, then SET): two replicas taking a message of one conversation at the same moment can both
read the same lock, issue the same ticket number and both go ahead (RasaHQ/rasa#9213); the later
SET also drops the other's ticket. Here every step is one Lua script, so Redis runs it atomically:

- issue: INCR a counter and add the number to a sorted set with its expiry, in one step, so the
  order of the set is the order the messages reached Redis;
- acquire: drop expired tickets from the head, then the ticket at the head is the one served;
- release: remove the ticket; the keys go when no ticket is left;
- a ticket is a lease of LEASE seconds that its process renews while it waits and while it holds the
  lock, so a replica that dies holding it blocks the conversation for LEASE seconds at most.

Waiting polls Redis (no busy CPU: asyncio sleeps, starting at 5 ms) instead of Rasa's 1 s steps,
which put a second per queued message on a conversation's latency.
"""
import asyncio
import logging
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Optional, Text

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis import asyncio as aioredis

logger = logging.getLogger(__name__)

# KEYS[1] counter, KEYS[2] tickets (sorted set: score = ticket number), KEYS[3] expiries (hash).
# Redis TIME, not the caller's clock: replicas on several machines agree on what has expired.
_NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

ISSUE = _NOW + """
local ticket = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], ticket, ticket)
redis.call('HSET', KEYS[3], ticket, now + tonumber(ARGV[1]))
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1]) * 2) end
return ticket
"""

# ARGV[1] our ticket, ARGV[2] lease (ms). Returns 1 served, 0 wait, -1 our ticket expired (another
# holder may be in). A waiter's own lease is renewed on each try: only a dead waiter's ticket expires.
ACQUIRE = _NOW + """
if redis.call('ZSCORE', KEYS[2], ARGV[1]) and tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0') > now then
  redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[2]))
end
while true do
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not head then return -1 end
  local expiry = tonumber(redis.call('HGET', KEYS[3], head) or '0')
  if expiry > now then
    if head == ARGV[1] then return 1 end
    if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
    return -1
  end
  redis.call('ZREM', KEYS[2], head)
  redis.call('HDEL', KEYS[3], head)
end
"""

# ARGV[1] our ticket, ARGV[2] lease (ms): the holder's heartbeat. 0 when the ticket is gone (expired).
RENEW = _NOW + """
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], now + tonumber(ARGV[2]))
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2]) * 2) end
return 1
"""

RELEASE = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return 1
"""


class AtomicRedisLockStore(LockStore):
    """endpoints.yml `lock_store: {type: bot.lock_store.AtomicRedisLockStore, url: redis://..., key_prefix: ...}`."""

    FIRST_WAIT = 0.005
    MAX_WAIT = 0.1
    # A ticket lives LEASE seconds unless its process renews it (every LEASE / 4 while it holds the
    # lock, at every try while it waits). A replica killed mid-turn blocks its conversation for at
    # most LEASE seconds, not Rasa's whole lock lifetime (60 s); a live turn keeps its lock however long.
    LEASE = 10.0

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, url: Optional[Text] = None,
                 key_prefix: Text = "chat12345") -> None:
        kwargs = endpoint_config.kwargs if endpoint_config is not None else {}
        url = url or (endpoint_config.url if endpoint_config is not None else None) or "redis://127.0.0.1:6379/0"
        prefix = str(kwargs.get("key_prefix") or key_prefix)
        if not prefix.isalnum():
            raise ValueError("key_prefix must be letters and digits")
        self.url = url
        self.key_prefix = f"{prefix}:lock:"
        self._client: Optional[aioredis.Redis] = None
        self._loop = None
        super().__init__()

    def _redis(self) -> aioredis.Redis:
        # One connection pool per event loop: Rasa's server and a test may each run their own loop.
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = aioredis.Redis.from_url(self.url, socket_timeout=10)
            self._issue = self._client.register_script(ISSUE)
            self._acquire = self._client.register_script(ACQUIRE)
            self._release = self._client.register_script(RELEASE)
            self._renew = self._client.register_script(RENEW)
            self._loop = loop
        return self._client

    def _keys(self, conversation_id: Text):
        base = self.key_prefix + conversation_id
        return [base + ":next", base + ":tickets", base + ":expiry"]

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        self._redis()
        keys = self._keys(conversation_id)
        lease = int(min(lock_lifetime, self.LEASE) * 1000)
        try:
            ticket = int(await self._issue(keys=keys, args=[lease]))
        except Exception as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc
        heartbeat = None
        try:
            await self._wait_for(conversation_id, keys, ticket, lease)
            heartbeat = asyncio.ensure_future(self._keep(keys, ticket, lease))
            # The ticket served, for whoever wants to see the order (Rasa ignores what lock() yields).
            yield TicketLock(conversation_id, deque([Ticket(ticket, time.time() + lease / 1000)]))
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
            try:
                await self._release(keys=keys, args=[ticket])
            except Exception:  # the ticket expires by itself; the turn's outcome stands
                logger.exception("Could not release the lock of a conversation.")

    async def _keep(self, keys, ticket: int, lease: int) -> None:
        while True:
            await asyncio.sleep(lease / 4000)
            try:
                if not int(await self._renew(keys=keys, args=[ticket, lease])):
                    logger.warning("A conversation's lock expired while its turn was running.")
                    return
            except Exception:  # Redis away for a moment: the next beat tries again
                logger.warning("Could not renew a conversation's lock.")

    async def _wait_for(self, conversation_id: Text, keys, ticket: int, lease: int) -> None:
        wait = self.FIRST_WAIT
        while True:
            state = int(await self._acquire(keys=keys, args=[ticket, lease]))
            if state == 1:
                return
            if state < 0:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(wait)
            wait = min(wait * 2, self.MAX_WAIT)

    # Rasa's other LockStore methods read a whole TicketLock; nothing of Rasa 3.6 calls them once
    # lock() is ours, and a half-working version would invite the read-modify-write back.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        raise NotImplementedError("AtomicRedisLockStore only offers lock()")

    def delete_lock(self, conversation_id: Text) -> None:
        raise NotImplementedError("AtomicRedisLockStore only offers lock()")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("AtomicRedisLockStore only offers lock()")
