"""Two replicas behind nginx: Rasa's RedisLockStore against ours, and a Rasa server and an action server killed under load.

1. lock: two processes (two replicas) take one conversation's lock for 20 messages at once, with
   Rasa 3.6's `RedisLockStore` and with bot.lock_store.AtomicRedisLockStore. Counted: messages
   handled, handled while another held the lock (overlaps), messages still waiting after 30 s.
2. loss: `REPLICAS=2` on PostgreSQL and Redis; CITIZENS file street-light reports over REST through
   nginx for DURATION seconds; after KILL_AT seconds Rasa server 1 and action server 2 get SIGKILL
   (the supervisor starts them again). A citizen resends what got a 502 or a dropped connection.
   Reported: conversations finished, tickets lost and duplicated (goals 0), errors clients saw,
   throughput and latency before and after the kill, how long the errors lasted, and when the
   killed Rasa server was back.

    make bench BENCH=replicas
"""
import asyncio
import multiprocessing
import os
import signal
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
import requests

from bench.common import drop_databases, percentiles, replica_overrides
from bot.stack import running

REDIS_URL = "redis://127.0.0.1:6379/0"
MESSAGES = 20
TRIALS = 3
CITIZENS = int(os.environ.get("REPLICAS_CITIZENS", "8"))
DURATION = float(os.environ.get("REPLICAS_DURATION", "120"))
KILL_AT = 40.0


# --- 1. the lock --------------------------------------------------------------------------------

def _replica(kind, prefix, parity, ready, start, at):
    if kind == "rasa":
        from rasa.core.lock_store import RedisLockStore

        store = RedisLockStore(host="127.0.0.1", port=6379, db=0, key_prefix=prefix)
    else:
        from bot.lock_store import AtomicRedisLockStore

        store = AtomicRedisLockStore(url=REDIS_URL, key_prefix=prefix)
    log = redis.Redis.from_url(REDIS_URL)
    ready.release()
    start.wait(60)

    async def message(i):
        await asyncio.sleep(max(0.0, at.value - time.time()))
        try:
            async with store.lock("rest:citizen"):
                if log.incr(f"{prefix}:inside") != 1:
                    log.incr(f"{prefix}:overlaps")
                log.incr(f"{prefix}:handled")
                await asyncio.sleep(0.02)
                log.decr(f"{prefix}:inside")
        except Exception:  # noqa: BLE001 - counted, like a turn Rasa refuses
            log.incr(f"{prefix}:errors")

    async def main():
        await asyncio.gather(*(message(i) for i in range(parity, MESSAGES, 2)))

    asyncio.run(main())


def lock_trial(kind):
    prefix = f"b{uuid.uuid4().hex[:10]}"
    context = multiprocessing.get_context("spawn")
    ready, start, at = context.Semaphore(0), context.Event(), context.Value("d", 0.0)
    processes = [context.Process(target=_replica, args=(kind, prefix, p, ready, start, at)) for p in (0, 1)]
    for p in processes:
        p.start()
    for _ in processes:
        ready.acquire(timeout=120)
    at.value = time.time() + 0.3
    start.set()
    for p in processes:
        p.join(timeout=30)
    stuck = any(p.is_alive() for p in processes)
    for p in processes:
        if p.is_alive():
            p.kill()  # our own child, by its handle
            p.join()
    log = redis.Redis.from_url(REDIS_URL)
    count = lambda name: int(log.get(f"{prefix}:{name}") or 0)
    result = {"handled": count("handled"), "overlaps": count("overlaps"), "errors": count("errors"),
              "waiting_after_30s": MESSAGES - count("handled") - count("errors") if stuck else 0}
    log.delete(*[f"{prefix}:{n}" for n in ("inside", "overlaps", "handled", "errors")])
    for key in log.scan_iter(f"{prefix}:lock:*"):
        log.delete(key)
    return result


# --- 2. a replica lost under load ---------------------------------------------------------------

class Load:
    def __init__(self, url):
        self.url = url
        self.started = time.monotonic()
        self.samples = []  # (seconds since start, latency ms)
        self.errors = []  # seconds since start
        self.filed = []  # descriptions of finished conversations
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def say(self, sender, message):
        while True:
            begun = time.monotonic()
            try:
                response = requests.post(f"{self.url}/webhooks/rest/webhook",
                                         json={"sender": sender, "message": message}, timeout=90)
                ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            now = time.monotonic()
            with self.lock:
                if ok:
                    self.samples.append((now - self.started, (now - begun) * 1000))
                    return
                self.errors.append(now - self.started)
            time.sleep(0.5)

    def citizen(self, n):
        k = 0
        while not self.stop.is_set():
            k += 1
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            description = f"朝阳区望京西园{n}区{k}号楼门口路灯坏了"
            for message in (description, "王建国", f"1391{n:03d}{k:04d}", "确认"):
                self.say(sender, message)
            with self.lock:
                self.filed.append(description)


def loss_run():
    with tempfile.TemporaryDirectory() as tmp:
        overrides, databases = replica_overrides(Path(tmp), 2)
        try:
            with running(2, overrides, var=Path(tmp)) as stack:
                return _load_and_kill(stack)
        finally:
            drop_databases(databases)


def _load_and_kill(stack):
    load = Load(stack.url)
    rasa, action = stack.processes["rasa server 1"], stack.processes["action server 2"]
    with ThreadPoolExecutor(CITIZENS) as pool:
        for n in range(CITIZENS):
            pool.submit(load.citizen, n)
        time.sleep(KILL_AT)
        killed_at = time.monotonic() - load.started
        restarts = rasa.restarts
        os.kill(rasa.popen.pid, signal.SIGKILL)
        os.kill(action.popen.pid, signal.SIGKILL)
        back_at = None
        while time.monotonic() - load.started < DURATION:
            if back_at is None and rasa.restarts > restarts:
                back_at = time.monotonic() - load.started
            time.sleep(0.2)
        load.stop.set()
    counts = {}
    for ticket in _all_tickets(stack.env):
        counts[ticket.get("description")] = counts.get(ticket.get("description"), 0) + 1
    before = [ms for t, ms in load.samples if t < killed_at]
    after = [ms for t, ms in load.samples if t >= killed_at]
    errors_after = [t for t in load.errors if t >= killed_at]
    return {
        "citizens": CITIZENS, "seconds": DURATION, "killed_at_s": round(killed_at, 1),
        "conversations_finished": len(load.filed),
        "tickets_lost": sum(1 for d in load.filed if counts.get(d, 0) == 0),
        "tickets_duplicated": sum(1 for d in load.filed if counts.get(d, 0) > 1),
        "client_errors": len(load.errors),
        "errors_lasted_s": round(max(errors_after) - killed_at, 1) if errors_after else 0.0,
        "killed_rasa_back_after_s": round(back_at - killed_at, 1) if back_at else None,
        "msg_per_s_before_kill": round(len(before) / killed_at, 2),
        "msg_per_s_after_kill": round(len(after) / (DURATION - killed_at), 2),
        "latency_before_kill": percentiles(before),
        "latency_after_kill": percentiles(after),
    }


def _all_tickets(env):
    page = 1
    while True:
        response = requests.get(f"{env['DISPATCH_URL']}/requests.json", timeout=60,
                                params={"api_key": env["DISPATCH_API_KEY"], "page_size": 200, "page": page})
        response.raise_for_status()
        yield from response.json()
        if len(response.json()) < 200:
            return
        page += 1


def run():
    lock = {kind: [lock_trial(kind) for _ in range(TRIALS)] for kind in ("rasa", "ours")}
    return {"lock_20_messages_2_processes": lock, "replica_loss": loss_run()}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), ensure_ascii=False, indent=2))
