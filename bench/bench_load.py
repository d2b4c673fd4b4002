"""Locust drives whole conversations at 8, 32 and 128 at once against our stack (1 and 2 replicas) and the stock `rasa init` bot.

Every point: messages per second, p50/p95/p99, errors (HTTP failures and wrong replies), conversations,
and per process the resident memory and the CPU time per message. The stacks are all up before the
first point and the points are interleaved (stock, ours, ours...) at each concurrency, so a change in
what the rest of the machine does weighs on every target alike.

Environment: LOAD_USERS (default 8,32,128), LOAD_SECONDS per point (40), LOAD_REPLICAS (1,2),
LOAD_MIXES (zh,mixed), LOAD_STOCK (1; 0 leaves the stock bot out).
"""
import csv
import inspect
import io
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import requests

from bench.common import conversation_stack, percentiles
from bench.load import script
from bench.load.stock import stock_bot
from bench.load.watch import Watcher, busy_share, loadavg, machine_cpu, pids_of

HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "load" / "locustfile.py"
REQUIREMENTS = HERE / "load" / "requirements.txt"
LOCUST_VENV = HERE / ".locust-venv"
ONE_AT_A_TIME_MESSAGES = 40


def _setting(name: str, default: str) -> List[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def run() -> dict:
    users = [int(u) for u in _setting("LOAD_USERS", "8,32,128")]
    seconds = int(os.environ.get("LOAD_SECONDS", "40"))
    replicas = [int(r) for r in _setting("LOAD_REPLICAS", "1,2")]
    mixes = _setting("LOAD_MIXES", "zh,mixed")
    with_stock = os.environ.get("LOAD_STOCK", "1") != "0"
    print(f"load average at start: {loadavg()} on {os.cpu_count()} cores", file=sys.stderr, flush=True)
    locust = ensure_locust()
    result: dict = {
        "machine": {"cores": os.cpu_count(), "load_average_at_start": loadavg()},
        "settings": {"users": users, "seconds_per_point": seconds, "replicas": replicas, "mixes": mixes, "locust": _locust_version(locust)},
    }
    with ExitStack() as stacks, tempfile.TemporaryDirectory() as tmp:
        targets: List[Tuple[str, str, str, Dict[str, int]]] = []  # (key, mix, url, pids)
        if with_stock:
            url, pids = stacks.enter_context(stock_bot())
            targets.append(("stock_rasa_init", "stock", url, pids))
        for count in replicas:
            started = stacks.enter_context(our_stack(count))
            if started is None:
                result[f"replicas_{count}"] = {"skipped": "no stack with replicas on this branch (see our_stack)"}
                continue
            url, pids = started
            targets += [(f"replicas_{count}", mix, url, pids) for mix in mixes]
        for key, mix, url, _ in targets:
            result.setdefault(key, {}).setdefault("one_at_a_time", {})[mix] = one_at_a_time(url, mix)
        for count in users:
            for key, mix, url, pids in targets:
                name = f"{key}.{mix}.{count}" if key != "stock_rasa_init" else f"{key}.{count}"
                print(f"== load {name} (load average {loadavg()})", file=sys.stderr, flush=True)
                point = measure(locust, url, mix, count, seconds, pids, Path(tmp) / name)
                print(json.dumps(point, ensure_ascii=False), file=sys.stderr, flush=True)
                section = result.setdefault(key, {})
                (section if key == "stock_rasa_init" else section.setdefault(mix, {}))[f"users_{count}"] = point
    result["machine"]["load_average_at_end"] = loadavg()
    result["goals"] = goals(result)
    return result


def measure(locust: Path, url: str, mix: str, users: int, seconds: int, pids: Dict[str, int], prefix: Path) -> dict:
    """One Locust run of `seconds` with `users` conversations at once, and the processes watched meanwhile."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    wrong_log = prefix.with_suffix(".wrong.jsonl")
    env = dict(os.environ, LOAD_MIX=mix, LOAD_WRONG_LOG=str(wrong_log), PYTHONDONTWRITEBYTECODE="1")
    argv = [
        str(locust), "-f", str(LOCUSTFILE), "--headless", "--host", url,
        "-u", str(users), "-r", str(users), "--run-time", f"{seconds}s",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]
    watcher = Watcher(pids)
    machine_before, children_before = machine_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = loadavg()
    watcher.start()
    # Locust exits 1 when anything failed: the failures are in its CSV, not a reason to stop.
    done = subprocess.run(argv, env=env, cwd=HERE.parent, capture_output=True, text=True, timeout=seconds + 180)
    watcher.stop()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats_path = Path(f"{prefix}_stats.csv")
    if not stats_path.exists():
        raise RuntimeError(f"locust wrote no statistics (exit {done.returncode}): {done.stderr[-2000:]}")
    try:
        point = parse_stats(stats_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RuntimeError(f"{exc}; locust exited {done.returncode}: {done.stderr[-2000:]}") from exc
    failures_path = Path(f"{prefix}_failures.csv")
    point["error_kinds"] = parse_failures(failures_path.read_text(encoding="utf-8")) if failures_path.exists() else {}
    messages = max(1, point["messages"])
    point["processes"] = watcher.report(messages)
    point["load_tool_cpu_s"] = round(
        children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime, 1
    )
    point["machine_cpu_busy_share"] = busy_share(machine_before, machine_cpu())
    point["load_average_before"] = load_before
    if wrong_log.exists():
        point["wrong_reply_examples"] = [json.loads(l) for l in wrong_log.read_text(encoding="utf-8").splitlines()[:3]]
    return point


def one_at_a_time(url: str, mix: str) -> dict:
    """Conversations of the mix one message at a time. A first pass over each conversation warms every process
    up and shows that the script still gets the replies it expects; then the latency without concurrency."""
    unique = list({tuple(map(tuple, turns)): None for turns in script.load(mix)})
    wrong = [w for turns in unique for w in _converse(url, turns, [])]
    samples: List[float] = []
    for turns in itertools.cycle(unique):
        if len(samples) >= ONE_AT_A_TIME_MESSAGES:
            break
        wrong += _converse(url, turns, samples)
    return {**percentiles(samples), "wrong_replies": wrong}


def _converse(url: str, turns, samples: List[float]) -> List[dict]:
    sender, ticket = f"load-{uuid.uuid4().hex}", None
    for text, expected in turns:
        message = text.replace("{ticket}", ticket or "")
        started = time.perf_counter()
        response = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=180)
        samples.append((time.perf_counter() - started) * 1000)
        right, got, ticket = script.check(expected, response.json() if response.ok else [], ticket)
        if not right:
            return [{"message": message, "expected": expected, "got": got}]
    return []


def parse_stats(text: str) -> dict:
    """Locust's <prefix>_stats.csv: the "message" row (every turn) and the "conversation" row (whole conversations)."""
    rows = {row["Name"]: row for row in csv.DictReader(io.StringIO(text))}
    message, conversation = rows.get("message"), rows.get("conversation")
    if message is None:
        raise ValueError("no message was sent")
    number = lambda row, column: float(row[column]) if row and row.get(column) not in (None, "", "N/A") else 0.0
    point = {
        "messages": int(number(message, "Request Count")),
        "msg_per_s": round(number(message, "Requests/s"), 2),
        "p50_ms": number(message, "50%"),
        "p95_ms": number(message, "95%"),
        "p99_ms": number(message, "99%"),
        "max_ms": round(number(message, "Max Response Time")),
        "errors": int(number(message, "Failure Count")),
        "conversations_finished": int(number(conversation, "Request Count") - number(conversation, "Failure Count")),
        "conversations_failed": int(number(conversation, "Failure Count")),
    }
    if point["conversations_finished"]:
        point["conversation_p50_s"] = round(number(conversation, "50%") / 1000, 1)
    return point


def parse_failures(text: str) -> Dict[str, int]:
    """Locust's <prefix>_failures.csv for the messages, as {error: occurrences}."""
    kinds: Dict[str, int] = {}
    for row in csv.DictReader(io.StringIO(text)):
        if row["Name"] == "message":
            wrong_reply = re.fullmatch(r"CatchResponseError\((['\"])(.*)\1\)", row["Error"])
            error = wrong_reply.group(2) if wrong_reply else row["Error"]
            kinds[error] = kinds.get(error, 0) + int(row["Occurrences"])
    return kinds


def goals(result: dict) -> dict:
    """Issue #10's goals, each with the numbers it was decided on (None when a point was not run)."""
    rate = lambda *path: _dig(result, *path, "msg_per_s")
    stock_8, ours_8 = rate("stock_rasa_init", "users_8"), rate("replicas_1", "zh", "users_8")
    ratio = lambda a, b: round(a / b, 2) if a and b else None
    one = {mix: points for mix, points in (result.get("replicas_1") or {}).items() if mix != "one_at_a_time"}
    scaling = {
        f"{mix}.{users}": ratio(rate("replicas_2", mix, users), rate("replicas_1", mix, users))
        for mix, points in one.items()
        for users in (points if isinstance(points, dict) else {})
    }
    errors = sum(
        point.get("errors", 0)
        for key in ("replicas_1", "replicas_2")
        for mix in (result.get(key) or {}).values()
        if isinstance(mix, dict)
        for point in mix.values()
        if isinstance(point, dict)
    )
    return {
        "one_replica_vs_stock_at_8_zh": {"ratio": ratio(ours_8, stock_8), "goal": 2.0},
        "two_replicas_vs_one": {"ratios": {k: v for k, v in scaling.items() if v is not None}, "goal": 1.6},
        "errors_of_our_stack": {"count": errors, "goal": 0},
    }


def _dig(data: dict, *path: str) -> Optional[float]:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


# The targets -----------------------------------------------------------------------------------------


@contextmanager
def our_stack(replicas: int) -> Iterator[Optional[Tuple[str, Dict[str, int]]]]:
    """The real stack (backend, action server, Rasa) as the other benches start it; None when it cannot have `replicas`.

    The one place to change when `make run REPLICAS=N`'s Python entry lands: N > 1 is run through a `replicas`
    parameter of bench.common.conversation_stack, yielding the public (nginx) RASA_URL and every process.
    """
    if replicas == 1:
        started = conversation_stack()
    elif "replicas" in inspect.signature(conversation_stack).parameters:
        started = conversation_stack(replicas=replicas)
    else:
        yield None
        return
    with started as (env, processes):
        yield env["RASA_URL"], pids_of(processes)


def ensure_locust() -> Path:
    """bench/.locust-venv from bench/load/requirements.txt (not ours: Locust wants a newer python-socketio), made again when they change."""
    locust, stamp = LOCUST_VENV / "bin" / "locust", LOCUST_VENV / ".requirements"
    wanted = REQUIREMENTS.read_text(encoding="utf-8")
    if locust.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return locust
    print("making bench/.locust-venv (Locust wants a newer python-socketio than ours)", file=sys.stderr, flush=True)
    base = Path(getattr(sys, "_base_executable", sys.executable))
    subprocess.run([str(base), "-m", "venv", "--clear", str(LOCUST_VENV)], check=True)
    pip = [str(LOCUST_VENV / "bin" / "python"), "-m", "pip", "install", "-qq", "--disable-pip-version-check"]
    subprocess.run(pip + ["pip<25"], check=True)
    subprocess.run(pip + ["-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted, encoding="utf-8")
    return locust


def _locust_version(locust: Path) -> str:
    done = subprocess.run([str(locust), "--version"], capture_output=True, text=True, timeout=120)
    return done.stdout.split(" from ")[0].strip()
