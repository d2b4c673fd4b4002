"""Shared by the benchmarks: percentiles, a throwaway environment for the stack, process memory."""
import statistics
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

from cryptography.fernet import Fernet

from bot.stack import Process, Stack, free_port, process_env, standard_processes


def percentiles(samples_ms: List[float]) -> Dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(pick(0.95), 2), "n": len(ordered)}


def stack_env(var: Path) -> Dict[str, str]:
    return process_env(dict(
        RASA_AUTH_TOKEN="bench-rasa-token-0123456789",
        DISPATCH_API_KEY="bench-dispatch-key-0123456789",
        BACKEND_STAFF_TOKEN="bench-staff-token-0123456789",
        NOTIFY_WEBHOOK_SECRET="bench-notify-secret-0123456789",
        BACKEND_DATA_KEY=Fernet.generate_key().decode(),
        CHANNEL_DATA_KEY=Fernet.generate_key().decode(),
        DATABASE_URL=f"sqlite:///{var / 'channel.db'}",
        BACKEND_DATABASE_URL=f"sqlite:///{var / 'dispatch.db'}",
        BACKEND_PORT=str(free_port()), ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()), PORTAL_PORT=str(free_port()),
    ))


@contextmanager
def conversation_stack() -> Iterator[Tuple[Dict[str, str], List[Process]]]:
    """Backend, action server and Rasa server on throwaway stores, started in order; stopped on exit."""
    with tempfile.TemporaryDirectory() as tmp:
        env = stack_env(Path(tmp))
        processes = [p for p in standard_processes(env, var=Path(tmp)) if p.name != "city portal"]
        with Stack(env, log_dir=Path(tmp) / "log") as stack:
            for process in processes:
                stack.start(process)
            yield env, processes


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")
