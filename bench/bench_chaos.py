"""Filing conversations over REST while the backend, the action server and the Rasa server are killed at random.

Each citizen reports a broken street light, gives a name and a phone, confirms, and resends
whatever got no answer (a connection refused while the Rasa server restarts, an empty reply while
the action server does), as a person would. Meanwhile one of the three processes is killed
with SIGKILL every few seconds; the supervisor (bot/stack.py) starts it again.
Reported: citizens told a reference, tickets in the backend, duplicates and lost tickets
(goals 0), conversations not finished, and the longest wait a citizen saw for one answer.

    make bench BENCH=chaos                         # 1,000 conversations
    python -m bench.bench_chaos --conversations 60 # a quick run while developing
"""
import argparse
import json
import os
import random
import re
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.common import percentiles, stack_env
from bot.stack import Stack, Supervisor, standard_processes

CONVERSATIONS = int(os.environ.get("CHAOS_CONVERSATIONS", "1000"))
CITIZENS_AT_ONCE = 8
# Seconds between two kills, uniformly drawn; a process is killed only once it has been up MIN_UP
# seconds, or the Rasa server (20 to 90 s to load its model on a busy machine) would hardly ever be up.
KILL_EVERY = (15.0, 45.0)
MIN_UP = 45.0
# A run stops starting conversations after this long (the ones under way finish); 0 = no limit.
BUDGET_S = float(os.environ.get("CHAOS_BUDGET_S", "0"))
TURN_DEADLINE = 600.0  # a citizen gives up on one answer after this long
REFERENCE = re.compile(r"BJ\d{8}-Q?\d{4}")
SURNAMES = "王李张刘陈杨赵黄周吴"
PLACES = ["朝阳区望京西园三区{n}号楼门口路灯坏了", "海淀区中关村大街{n}号门口井盖丢了很危险"]


class Chaos(threading.Thread):
    """Kills one process at a time, by pid, and only one that is up (not one still starting again)."""

    def __init__(self, processes, seed=12345):
        super().__init__(daemon=True, name="chaos")
        self.processes = processes
        self.random = random.Random(seed)
        self.kills = {p.name: 0 for p in processes}
        self.up_since = {}
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(self.random.uniform(*KILL_EVERY)):
            for p in self.processes:  # note when each process (by pid) was first seen up
                if p.healthy:
                    self.up_since.setdefault((p.name, p.popen.pid), time.monotonic())
            now = time.monotonic()
            up = [p for p in self.processes
                  if p.healthy and p.popen.poll() is None and now - self.up_since.setdefault((p.name, p.popen.pid), now) > MIN_UP]
            if not up:
                continue
            victim = self.random.choice(up)
            try:
                os.kill(victim.popen.pid, signal.SIGKILL)
                self.kills[victim.name] += 1
            except ProcessLookupError:
                pass


def answer(url, sender, text):
    """One answer, resending until there is one: returns (reply text, seconds waited, tries)."""
    started, tries = time.monotonic(), 0
    while time.monotonic() - started < TURN_DEADLINE:
        tries += 1
        try:
            response = requests.post(url, json={"sender": sender, "message": text}, timeout=120)
            if response.status_code == 200:
                reply = "\n".join(m.get("text", "") for m in response.json())
                if reply.strip():
                    return reply, time.monotonic() - started, tries
        except requests.RequestException:
            pass
        time.sleep(1.0)
    return "", time.monotonic() - started, tries


def converse(url, n, deadline=None):
    """Answers what the bot asks (it may ask again after a restart), until a reference or 12 answers."""
    if deadline and time.monotonic() > deadline:
        return None  # the time budget is spent: this one is not started
    sender, description = f"chaos-{uuid.uuid4().hex[:10]}", PLACES[n % len(PLACES)].format(n=n + 1)
    said, waits, resent, reference = description, [], 0, None
    for _ in range(12):
        reply, waited, tries = answer(url, sender, said)
        waits.append(waited)
        resent += tries - 1
        found = REFERENCE.search(reply)
        if found:
            reference = found.group(0)
            break
        if "核对" in reply:  # the summary (it names the name and the phone too, so it comes first)
            said = "确认"
        elif "称呼" in reply:
            said = SURNAMES[n % len(SURNAMES)] + ("先生" if n % 2 else "女士")
        elif "电话" in reply:
            said = f"139{n + 1:08d}"
        elif not reply:
            break  # no answer within the deadline: the citizen gives up
        # anything else: say the same again (the bot asked something this script did not expect)
    return {"description": description, "reference": reference, "waits": waits, "resent": resent}


def run(conversations: int = CONVERSATIONS, budget_s: float = BUDGET_S) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        env = stack_env(var)
        processes = [p for p in standard_processes(env, var=var) if p.name != "city portal"]
        stack = Stack(env, log_dir=var / "log")
        try:
            for process in processes:
                stack.start(process)
            Supervisor(stack).watch()
            url = f"{env['RASA_URL']}/webhooks/rest/webhook"
            chaos = Chaos(processes)
            started = time.monotonic()
            deadline = started + budget_s if budget_s else None
            chaos.start()
            with ThreadPoolExecutor(CITIZENS_AT_ONCE) as pool:
                results = list(pool.map(lambda n: _progress(converse(url, n, deadline), n, started), range(conversations)))
            results = [r for r in results if r is not None]
            chaos.done.set()
            chaos.join()
            elapsed = time.monotonic() - started
            pending = _drain(var, stack)
            filed = _tickets_by_description(var)
        finally:
            stack.stop()
    told = [r for r in results if r["reference"]]
    waits = [w for r in results for w in r["waits"]]
    return {
        "conversations_asked": conversations,
        "conversations": len(results),
        "citizens_told_a_reference": len(told),
        "told_a_provisional_reference": sum(1 for r in told if "-Q" in r["reference"]),
        "tickets_in_backend": sum(filed.get(r["description"], 0) for r in results),
        "duplicates": sum(max(0, filed.get(r["description"], 0) - 1) for r in results),
        "lost": sum(1 for r in told if filed.get(r["description"], 0) == 0),
        "not_finished": len(results) - len(told),
        "filed_without_telling_the_citizen": sum(1 for r in results if not r["reference"] and filed.get(r["description"])),
        "still_pending_in_outbox": pending,
        "longest_wait_s": round(max(waits), 1) if waits else None,
        "answer_wait": percentiles([w * 1000 for w in waits]),
        "messages_resent": sum(r["resent"] for r in results),
        "kills": chaos.kills,
        "restarts": {p.name: p.restarts for p in processes},
        "run_seconds": round(elapsed, 1),
    }


def _progress(result, n, started):
    if (n + 1) % 50 == 0:
        print(f"chaos: {n + 1} conversations, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return result


def _drain(var: Path, stack: Stack, seconds: float = 180.0) -> int:
    """Waits until the outbox has delivered what it queued while the backend was down; returns what is left."""
    deadline = time.monotonic() + seconds
    while True:
        with sqlite3.connect(var / "channel.db") as db:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'submissions'").fetchone():
                return 0  # nothing was ever filed
            left = db.execute("SELECT count(*) FROM submissions WHERE state = 'pending'").fetchone()[0]
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(2)


def _tickets_by_description(var: Path) -> dict:
    with sqlite3.connect(var / "dispatch.db") as db:
        return dict(db.execute("SELECT description, count(*) FROM service_requests GROUP BY description").fetchall())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=CONVERSATIONS)
    parser.add_argument("--quick", action="store_true", help="60 conversations")
    parser.add_argument("--budget", type=float, default=BUDGET_S, help="stop starting conversations after this many seconds")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the stack is stopped on the way out
    result = run(60 if args.quick else args.conversations, args.budget)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    sys.exit(0)
