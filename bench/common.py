"""Shared by the benchmarks: percentiles, a throwaway environment for the stack, process memory, the real sets."""
import statistics
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import yaml
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bot.stack import Process, Stack, free_port, free_ports, process_env, running, standard_processes


def percentiles(samples_ms: List[float]) -> Dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(pick(0.95), 2), "n": len(ordered)}


DATA = Path(__file__).resolve().parent / "data"


def real_sets() -> Dict[str, Dict[str, dict]]:
    """Every set of real citizens' text, {key: {language: {"messages": [...], "headlines": [...], ...}}}: the first,
    bench/data/real_blind.yml, under "real", each later real_blind_<key>.yml under its key."""
    sets = {"real": yaml.safe_load((DATA / "real_blind.yml").read_text(encoding="utf-8"))}
    for path in sorted(DATA.glob("real_blind_*.yml")):
        sets[path.stem[len("real_blind_"):]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return sets


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
def conversation_stack(replicas: int = 1) -> Iterator[Tuple[Dict[str, str], List[Process]]]:
    """Backend, action server and Rasa server on throwaway stores, started in order; stopped on exit.
    With replicas > 1: N Rasa and N action servers behind nginx (env["RASA_URL"] is nginx) on throwaway
    PostgreSQL databases and a Redis prefix of their own."""
    with tempfile.TemporaryDirectory() as tmp:
        if replicas > 1:
            with _replica_stack(Path(tmp), replicas) as started:
                yield started
            return
        env = stack_env(Path(tmp))
        processes = [p for p in standard_processes(env, var=Path(tmp)) if p.name != "city portal"]
        with Stack(env, log_dir=Path(tmp) / "log") as stack:
            for process in processes:
                stack.start(process)
            yield env, processes


def replica_overrides(var: Path, replicas: int) -> Tuple[Dict[str, str], List[str]]:
    """The environment of an N-replica stack on throwaway PostgreSQL databases (dropped by drop_databases)."""
    tag = uuid.uuid4().hex[:8]
    databases = [f"bench_tracker_{tag}", f"bench_channel_{tag}"]
    ports = free_ports(2 * replicas)
    overrides = dict(stack_env(var))
    overrides.update(
        TRACKER_STORE_URL=f"postgresql://postgres@127.0.0.1/{databases[0]}",
        DATABASE_URL=f"postgresql://postgres@127.0.0.1/{databases[1]}",
        REDIS_URL="redis://127.0.0.1:6379/0", LOCK_STORE_PREFIX=f"b{tag}",
        RASA_REPLICA_PORTS=",".join(map(str, ports[:replicas])),
        ACTION_REPLICA_PORTS=",".join(map(str, ports[replicas:])),
    )
    return overrides, databases


def drop_databases(names: List[str]) -> None:
    admin = create_engine("postgresql://postgres@127.0.0.1/postgres", isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as c:
        for name in names:
            c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@contextmanager
def _replica_stack(var: Path, replicas: int) -> Iterator[Tuple[Dict[str, str], List[Process]]]:
    overrides, databases = replica_overrides(var, replicas)
    try:
        with running(replicas, overrides, var=var, supervise=False) as started:
            yield started.env, list(started.processes.values())
    finally:
        drop_databases(databases)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")
