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
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import requests

from bench.common import conversation_stack, percentiles
from bench.load import script
from bot.stack import VENV_BIN, Process, Stack, free_port, process_env

HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "load" / "locustfile.py"
REQUIREMENTS = HERE / "load" / "requirements.txt"
LOCUST_VENV = HERE / ".locust-venv"
CACHE = HERE / ".cache"
SAMPLE_EVERY = 0.5
ONE_AT_A_TIME_MESSAGES = 40


def _setting(name: str, default: str) -> List[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


def run() -> dict:
    users = [int(u) for u in _setting("LOAD_USERS", "8,32,128")]
    seconds = int(os.environ.get("LOAD_SECONDS", "40"))
    replicas = [int(r) for r in _setting("LOAD_REPLICAS", "1,2")]
    mixes = _setting("LOAD_MIXES", "zh,mixed")
    with_stock = os.environ.get("LOAD_STOCK", "1") != "0"
    print(f"load average at start: {_loadavg()} on {os.cpu_count()} cores", file=sys.stderr, flush=True)
    locust = ensure_locust()
    result: dict = {
        "machine": {"cores": os.cpu_count(), "load_average_at_start": _loadavg()},
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
                print(f"== load {name} (load average {_loadavg()})", file=sys.stderr, flush=True)
                point = measure(locust, url, mix, count, seconds, pids, Path(tmp) / name)
                print(json.dumps(point, ensure_ascii=False), file=sys.stderr, flush=True)
                section = result.setdefault(key, {})
                (section if key == "stock_rasa_init" else section.setdefault(mix, {}))[f"users_{count}"] = point
    result["machine"]["load_average_at_end"] = _loadavg()
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
    machine_before, children_before = _machine_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = _loadavg()
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
    point["machine_cpu_busy_share"] = _busy_share(machine_before, _machine_cpu())
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
    """The real stack (backend, action server, Rasa) as the other benches start it; None when it cannot have `replicas`."""
    if replicas == 1:
        started = conversation_stack()
    elif "replicas" in inspect.signature(conversation_stack).parameters:
        started = conversation_stack(replicas=replicas)
    else:
        yield None
        return
    with started as (env, processes):
        yield env["RASA_URL"], _pids(processes)


@contextmanager
def stock_bot() -> Iterator[Tuple[str, Dict[str, int]]]:
    """The `rasa init` bot of the project's Rasa, built once per Rasa version (bench/.cache), served by `rasa run`."""
    folder = stock_project()
    port = free_port()
    process = Process(
        "stock rasa server",
        [
            str(VENV_BIN / "rasa"), "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(port),
            "--model", str(folder / "models"),
            # Explicit paths: the bench runs in our checkout, whose endpoints.yml is not the stock bot's.
            "--credentials", str(folder / "credentials.yml"), "--endpoints", str(folder / "endpoints.yml"),
        ],
        f"http://127.0.0.1:{port}/status",
        f"http://127.0.0.1:{port}",
        startup_timeout=300.0,
    )
    with tempfile.TemporaryDirectory() as log_dir, Stack(process_env(), log_dir=Path(log_dir)) as stack:
        stack.start(process)
        yield process.url, _pids([process])


def stock_project() -> Path:
    folder = CACHE / f"stock-bot-rasa-{version('rasa')}"
    if list(folder.glob("models/*.tar.gz")):
        return folder
    CACHE.mkdir(exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="stock-bot-", dir=CACHE))
    print(f"building the stock bot with `rasa init` in {building} (DIET and TED: minutes)", file=sys.stderr, flush=True)
    # --no-prompt creates the project and trains it with its default config.
    done = subprocess.run(
        [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(building)],
        cwd=building, env=process_env(), capture_output=True, text=True, timeout=3600,
    )
    if done.returncode != 0 or not list(building.glob("models/*.tar.gz")):
        shutil.rmtree(building, ignore_errors=True)
        raise RuntimeError(f"rasa init failed ({done.returncode}): {done.stdout[-1500:]} {done.stderr[-1500:]}")
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)
    return folder


def ensure_locust() -> Path:
    """bench/.locust-venv from bench/load/requirements.txt, made again when the requirements change."""
    locust, stamp = LOCUST_VENV / "bin" / "locust", LOCUST_VENV / ".requirements"
    wanted = REQUIREMENTS.read_text(encoding="utf-8")
    if locust.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return locust
    print("making bench/.locust-venv (Locust's dependencies clash with Rasa's)", file=sys.stderr, flush=True)
    base = Path(getattr(sys, "_base_executable", sys.executable))
    subprocess.run([str(base), "-m", "venv", "--clear", str(LOCUST_VENV)], check=True)
    pip = [str(LOCUST_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["pip<25"], check=True)
    subprocess.run(pip + ["-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(wanted, encoding="utf-8")
    return locust


def _locust_version(locust: Path) -> str:
    done = subprocess.run([str(locust), "--version"], capture_output=True, text=True, timeout=120)
    return done.stdout.split(" from ")[0].strip()


# Watching processes -----------------------------------------------------------------------------------


class Watcher:
    """Samples the resident memory of each process (with its children) and counts its CPU time over a point."""

    def __init__(self, pids: Dict[str, int]):
        self.pids = pids
        self.samples: Dict[str, List[float]] = {name: [] for name in pids}
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="load watcher", daemon=True)

    def start(self) -> None:
        self._started = time.monotonic()
        children = _children()
        self._cpu_before = {name: _tree_cpu_s(pid, children) for name, pid in self.pids.items()}
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._seconds = time.monotonic() - self._started
        children = _children()
        self._cpu_after = {name: _tree_cpu_s(pid, children) for name, pid in self.pids.items()}

    def _sample(self) -> None:
        while not self._stopping.wait(SAMPLE_EVERY):
            children = _children()
            for name, pid in self.pids.items():
                self.samples[name].append(_tree_rss_mb(pid, children))

    def report(self, messages: int) -> Dict[str, dict]:
        report = {}
        for name, samples in self.samples.items():
            cpu_s = self._cpu_after[name] - self._cpu_before[name]
            report[name] = {
                "rss_mb_peak": round(max(samples), 1) if samples else None,
                "rss_mb_mean": round(sum(samples) / len(samples), 1) if samples else None,
                "cpu_s": round(cpu_s, 1),
                # Below one core while the machine is busy: the process waited for a CPU (or for I/O).
                "cores_used": round(cpu_s / self._seconds, 2),
                "cpu_ms_per_message": round(cpu_s * 1000 / messages, 1),
            }
        return report


def _pids(processes: List[Process]) -> Dict[str, int]:
    pids: Dict[str, int] = {}
    for process in processes:
        name, n = process.name, 2
        while name in pids:  # replicas share a name
            name, n = f"{process.name} {n}", n + 1
        pids[name] = process.popen.pid
    return pids


def _children() -> Dict[int, List[int]]:
    """Every process's children, from /proc."""
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    return children


def _tree(pid: int, children: Dict[int, List[int]]) -> List[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _tree_rss_mb(pid: int, children: Dict[int, List[int]]) -> float:
    total = 0
    for member in _tree(pid, children):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _tree_cpu_s(pid: int, children: Dict[int, List[int]]) -> float:
    ticks = 0
    for member in _tree(pid, children):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_cpu() -> Tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]  # total, idle + iowait


def _busy_share(before: Tuple[int, int], after: Tuple[int, int]) -> float:
    total, idle = after[0] - before[0], after[1] - before[1]
    return round(1 - idle / total, 2) if total else 0.0


def _loadavg() -> List[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]
