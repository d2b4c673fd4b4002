"""What one turn costs: the Chinese filing conversation over REST against the real stack, one citizen at a
time and eight at once, with the Rasa server's CPU per message read from /proc (robust on a shared machine,
where wall-clock latency is not)."""
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List

import requests

from bench.common import conversation_stack, percentiles, rss_mb

RESULTS = Path(__file__).resolve().parent / "results"

TICKET = re.compile(r"BJ\d{8}-\d{4}")
# Greeting, report, address, name, phone, confirmation, status: the turns of issue #10's filing mix.
# The details vary so that the category model and the entity rules see different words each time.
REPORTS = [
    ("楼下的路灯坏了三天了,晚上黑乎乎的", "朝阳区望京西园三区5号楼", "张先生", "13800138000"),
    ("小区门口的垃圾好几天没人清运了", "海淀区学院路30号院", "李女士", "13912345678"),
    ("楼上天天半夜装修,吵得睡不着", "西城区德胜门外大街10号", "王阿姨", "15900001111"),
    ("暖气一直不热,家里才十四度", "通州区梨园镇云景里小区3号楼", "赵先生", "13344445555"),
    ("路中间的井盖没了,差点有人踩空", "丰台区方庄芳城园一区8号楼", "刘女士", "18811223344"),
]
CONCURRENT = 8
SINGLE_CONVERSATIONS = int(os.environ.get("BENCH_TURN_SINGLE", "10"))
CONVERSATIONS_EACH = int(os.environ.get("BENCH_TURN_EACH", "3"))  # per concurrent citizen
# A py-spy binary (`pip install --target DIR py-spy`): the Rasa server is sampled during the concurrent run
# and its flame graph written to bench/results/turn.svg (py-spy is no dependency of the product).
PYSPY = os.environ.get("BENCH_TURN_PYSPY")


def turns(i: int) -> List[str]:
    report, address, name, phone = REPORTS[i % len(REPORTS)]
    return ["你好", report, address, name, phone, "确认", "我的工单办得怎么样了"]


def cpu_ms(pid: int) -> float:
    """User and system CPU time the process has used so far (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


class Load:
    """Conversations sent over REST; each message's latency and the conversations that ended without a ticket."""

    def __init__(self, webhook: str):
        self.webhook, self.samples, self.unfiled, self.errors = webhook, [], 0, 0
        self._lock = threading.Lock()

    def conversation(self, i: int) -> None:
        sender, filed = f"bench-{uuid.uuid4().hex}", False
        for text in turns(i):
            started = time.perf_counter()
            try:
                response = requests.post(self.webhook, json={"sender": sender, "message": text}, timeout=60)
                response.raise_for_status()
                reply = " ".join(m.get("text", "") for m in response.json())
            except (requests.RequestException, ValueError):
                with self._lock:
                    self.errors += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            filed = filed or bool(TICKET.search(reply))
            with self._lock:
                self.samples.append(elapsed)
        if not filed:
            with self._lock:
                self.unfiled += 1


def measure(webhook: str, pids: Dict[str, int], citizens: int, conversations_each: int) -> dict:
    load = Load(webhook)
    before = {name: cpu_ms(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    threads = [
        threading.Thread(target=lambda c=c: [load.conversation(c * conversations_each + k) for k in range(conversations_each)])
        for c in range(citizens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    messages = len(load.samples)
    return {
        **percentiles(load.samples),
        "messages_per_s": round(messages / seconds, 1),
        "cpu_ms_per_message": {name: round((cpu_ms(pid) - before[name]) / max(1, messages), 1) for name, pid in pids.items()},
        "conversations": citizens * conversations_each,
        "conversations_without_ticket": load.unfiled,
        "errors": load.errors,
    }


def run() -> dict:
    with conversation_stack() as (env, processes):
        pids = {p.name: p.popen.pid for p in processes}
        webhook = f"{env['RASA_URL']}/webhooks/rest/webhook"
        measure(webhook, pids, 2, 1)  # warm-up: first calls load lazily imported models and open connections
        single = measure(webhook, pids, 1, SINGLE_CONVERSATIONS)
        spy = _sample(pids["rasa server"]) if PYSPY else None
        concurrent = measure(webhook, pids, CONCURRENT, CONVERSATIONS_EACH)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        return {
            "one_conversation": single,
            f"{CONCURRENT}_concurrent": concurrent,
            "rss_mb": {name: rss_mb(pid) for name, pid in pids.items()},
            "load_average_1min": round(os.getloadavg()[0], 2),
        }


def _sample(pid: int) -> subprocess.Popen:
    RESULTS.mkdir(exist_ok=True)
    spy = subprocess.Popen([PYSPY, "record", "--pid", str(pid), "--rate", "200", "--nonblocking", "--output", str(RESULTS / "turn.svg")])
    time.sleep(1)  # py-spy attaches
    return spy
