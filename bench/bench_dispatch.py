"""Dispatch client and outbox: filing latency when the backend is up, down or hanging; queue drain rate."""
import socket
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.fernet import Fernet

from bot.crypto import Vault
from bot.db import migrate
from bot.dispatch import DispatchClient, NewTicket, Outbox
from bot.stack import VENV_BIN, Process, Stack, free_port, process_env

FILED = 60
QUEUED = 100
THREADS = 4


def run() -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as tmp:
        tmp = Path(tmp)
        port = free_port()
        api_key = "bench-dispatch-key-0123456789"
        env = process_env(
            dict(
                BACKEND_PORT=str(port),
                BACKEND_DATABASE_URL=f"sqlite:///{tmp / 'dispatch.db'}",
                DISPATCH_API_KEY=api_key,
                BACKEND_DATA_KEY=Fernet.generate_key().decode(),
                BACKEND_STAFF_TOKEN="bench-staff-token-0123456789",
            )
        )
        url = f"http://127.0.0.1:{port}/open311/v2"
        with Stack(env, log_dir=tmp / "log") as stack:
            stack.start(Process("dispatch backend", [str(VENV_BIN / "python"), "-m", "bot.backend"],
                                f"http://127.0.0.1:{port}/health", url))
            return _measure(tmp, url, api_key)


def _measure(tmp: Path, url: str, api_key: str) -> dict:
    db = f"sqlite:///{tmp / 'channel.db'}"
    migrate(db)
    vault = Vault(Fernet.generate_key().decode())
    up = Outbox(db, DispatchClient(url, api_key), vault)
    results = {}

    times = [_timed(up.file, _ticket(i), uuid.uuid4().hex, "bench") for i in range(FILED)]
    results["file_up_ms"] = _summary(times)

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda i: up.file(_ticket(i), uuid.uuid4().hex, f"bench-{i}"), range(FILED)))
    results[f"file_up_{THREADS}_threads_per_s"] = round(FILED / (time.perf_counter() - started), 1)

    refused = Outbox(db, DispatchClient(f"http://127.0.0.1:{free_port()}/open311/v2", api_key), vault, retry_base=0.0)
    times = [_timed(refused.file, _ticket(i), uuid.uuid4().hex, "bench") for i in range(10)]
    results["file_refused_ms"] = _summary(times)

    with socket.socket() as silent:  # accepts connections (kernel backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        hanging = Outbox(db, DispatchClient(f"http://127.0.0.1:{silent.getsockname()[1]}/open311/v2", api_key),
                         vault, retry_base=0.0)
        times = [_timed(hanging.file, _ticket(i), uuid.uuid4().hex, "bench") for i in range(3)]
        results["file_hanging_ms"] = _summary(times)

    already = 10 + 3  # the refused and hanging filings above are queued too
    nowhere = f"http://127.0.0.1:{free_port()}/open311/v2"
    filler = Outbox(db, DispatchClient(nowhere, api_key, retries=0), vault, retry_base=0.0)
    for i in range(QUEUED - already):
        filler.file(_ticket(i), uuid.uuid4().hex, "bench-queue")
    drain = Outbox(db, DispatchClient(url, api_key), vault, retry_base=0.0)
    started = time.perf_counter()
    delivered = drain.deliver_pending(limit=1000)
    elapsed = time.perf_counter() - started
    results["drain_delivered"] = delivered
    results["drain_per_s"] = round(delivered / elapsed, 1)
    for outbox in (up, refused, hanging, filler, drain):
        outbox.client.close()
    return results


def _ticket(i: int) -> NewTicket:
    return NewTicket("streetlight", f"路灯不亮 bench {i}", "朝阳区望京街道1号", "李四", "13800138000", district="朝阳区")


def _timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - started) * 1000


def _summary(times) -> dict:
    ordered = sorted(times)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
        "max": round(ordered[-1], 1),
    }
