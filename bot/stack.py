"""Starts, watches and stops the processes of the whole product (make run, and the tests)."""
import logging
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional

import requests
import yaml

from bot import files, nginx, redact
from bot.settings import ROOT, VAR, read_secrets_file

VENV_BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "12345chat.tar.gz"
_ENV_REF = re.compile(r"\$\{(\w+)\}")
log = logging.getLogger("bot.stack")


class StackError(RuntimeError):
    """A process did not come up; the message names it and where its log is."""


@dataclass
class Process:
    name: str
    argv: List[str]
    health_url: str
    url: str
    startup_timeout: float = 60.0
    popen: Optional[subprocess.Popen] = field(default=None, repr=False)
    log_path: Optional[Path] = None
    restarts: int = 0
    healthy: bool = False  # answered its health check since it was last started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count: int) -> List[int]:
    """`count` different free ports (held open together while chosen, so no two are the same)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def process_env(overrides: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """The environment every child gets: ours, then the local secrets file for what is unset, then overrides."""
    env = dict(read_secrets_file())
    env.update(os.environ)
    env.update(overrides or {})
    env.setdefault("PYTHONPATH", str(ROOT))
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    # Rasa phones home and checks for updates unless told not to; this machine has no network.
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Python's own event loop, not uvloop: on uvloop (installed by aiogram on import, and by Sanic) a busy
    # Rasa server took new connections a few a second, so with 128 citizens at once some first messages
    # waited 25 s; on asyncio's loop the slowest waited 3.8 s, at the same CPU per message (PERFORMANCE.md).
    env.setdefault("DISABLE_UVLOOP", "1")
    env.setdefault("SANIC_USE_UVLOOP", "False")
    return env


def write_credentials(env: Mapping[str, str], target: Path) -> Path:
    """credentials.yml without the channels whose secrets are unset (Rasa refuses unset ${VARS})."""
    channels = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    kept = {}
    for name, config in channels.items():
        needed = _ENV_REF.findall(yaml.safe_dump(config or {}))
        module = ROOT.joinpath(*name.split(".")[:-1]).with_suffix(".py") if "." in name else None
        if module is not None and not module.exists():
            continue  # a connector this checkout does not have
        if all(env.get(var) for var in needed):
            kept[name] = config
    return files.write_private(target, yaml.safe_dump(kept, allow_unicode=True, sort_keys=False))


def write_endpoints(env: Mapping[str, str], target: Path) -> Path:
    """endpoints.yml without the lock store when REDIS_URL is unset, and without empty ${VARS}."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
    if not env.get("REDIS_URL"):
        endpoints.pop("lock_store", None)
    for config in endpoints.values():
        for key in [k for k, v in config.items() if isinstance(v, str) and _unset_reference(v, env)]:
            del config[key]
    return files.write_private(target, yaml.safe_dump(endpoints, allow_unicode=True, sort_keys=False))


def _unset_reference(value: str, env: Mapping[str, str]) -> bool:
    return any(not env.get(var) for var in _ENV_REF.findall(value))


def standard_processes(env: Dict[str, str], model: Path = MODEL, var: Path = VAR) -> List[Process]:
    """The four processes of the product, addressed by the ports in `env` (defaults of docs/INTERFACE.md)."""
    backend_port = int(env.get("BACKEND_PORT", "8311"))
    action_port = int(env.get("ACTION_PORT", "5055"))
    rasa_port = int(env.get("RASA_PORT", "5005"))
    portal_port = int(env.get("PORTAL_PORT", "8080"))
    env.setdefault("DISPATCH_URL", f"http://127.0.0.1:{backend_port}/open311/v2")
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{action_port}/webhook")
    # endpoints.yml sends it, bot.actionserver requires it: one per stack unless the environment sets one.
    env.setdefault("ACTION_SERVER_TOKEN", secrets.token_urlsafe(32))
    env.setdefault("RASA_URL", f"http://127.0.0.1:{rasa_port}")
    env.setdefault("NOTIFY_URL", f"http://127.0.0.1:{rasa_port}/webhooks/notify/webhook")
    env.setdefault("TRACKER_STORE_URL", f"sqlite:///{var / 'tracker.db'}")
    env.setdefault("MEDIA_DIR", str(var / "media"))
    env.setdefault("MEDIA_BASE_URL", f"http://127.0.0.1:{portal_port}/media")
    env.setdefault("LOCK_STORE_PREFIX", "chat12345")
    files.secure(var)
    credentials = write_credentials(env, var / "credentials.yml")
    endpoints = write_endpoints(env, var / "endpoints.yml")
    logging_config = redact.write_logging_config(var / "logging.yml")
    token = env.get("RASA_AUTH_TOKEN", "")
    python = str(VENV_BIN / "python")
    processes = [
        Process(
            "dispatch backend",
            [python, "-m", "bot.backend"],
            f"http://127.0.0.1:{backend_port}/health",
            env["DISPATCH_URL"],
        ),
        Process(
            "action server",
            [python, "-m", "bot.actionserver", "--actions", "actions", "--port", str(action_port)]
            + ["--logging-config_file", str(logging_config)],
            f"http://127.0.0.1:{action_port}/health",
            env["ACTION_SERVER_URL"],
        ),
        Process(
            "rasa server",
            [
                str(VENV_BIN / "rasa"), "run",
                "--enable-api", "--auth-token", token, "--cors", "*",
                "--interface", "127.0.0.1", "--port", str(rasa_port),
                "--credentials", str(credentials),
                "--endpoints", str(endpoints),
                "--model", str(model),
                "--logging-config-file", str(logging_config),
            ],
            f"http://127.0.0.1:{rasa_port}/status?token={token}",
            env["RASA_URL"],
            startup_timeout=180.0,
        ),
    ]
    if (ROOT / "connectors" / "portal" / "server.py").exists():
        processes.append(
            Process(
                "city portal",
                [python, "-m", "connectors.portal"],
                f"http://127.0.0.1:{portal_port}/",
                f"http://127.0.0.1:{portal_port}/",
            )
        )
    return processes


# What `make run REPLICAS=N` uses when the environment names no shared store: this machine's
# PostgreSQL and Redis as docs/INTERFACE.md describes them (databases created when missing).
SHARED_STORE_DEFAULTS = {
    "TRACKER_STORE_URL": "postgresql://postgres@127.0.0.1:5432/chat12345_tracker",
    "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/chat12345_channel",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def shared_store_defaults(env: Dict[str, str]) -> Dict[str, str]:
    """Fill in the shared stores the environment leaves unset; returns what was filled in."""
    filled = {}
    for name, value in SHARED_STORE_DEFAULTS.items():
        if not env.get(name):
            env[name] = filled[name] = value
    for name in ("TRACKER_STORE_URL", "DATABASE_URL"):
        if env[name].startswith("postgresql"):
            try:
                create_database(env[name])
            except Exception as exc:  # the URL may hold a password: name the variable, not the value
                raise StackError(f"cannot create or reach the database of {name}: {type(exc).__name__}") from exc
    return filled


def create_database(url: str) -> None:
    """CREATE DATABASE for a PostgreSQL URL when it does not exist (through the server's `postgres` database)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as c:
            if c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first() is None:
                c.execute(text('CREATE DATABASE "%s"' % target.database.replace('"', '""')))
    finally:
        admin.dispose()


def replica_ports(env: Mapping[str, str], replicas: int) -> Dict[str, List[int]]:
    """Where the N Rasa and N action servers listen behind nginx: RASA_REPLICA_PORTS and
    ACTION_REPLICA_PORTS (comma lists) when set, else the next ports after RASA_PORT and ACTION_PORT."""
    ports = {}
    for kind, base, default in (("rasa", "RASA_PORT", 5005), ("action", "ACTION_PORT", 5055)):
        given = env.get(f"{kind.upper()}_REPLICA_PORTS", "")
        if given:
            listed = [int(p) for p in given.split(",") if p.strip()]
            if len(listed) != replicas:
                raise StackError(f"{kind.upper()}_REPLICA_PORTS names {len(listed)} ports for {replicas} replicas")
            ports[kind] = listed
        else:
            first = int(env.get(base, str(default))) + 1
            ports[kind] = list(range(first, first + replicas))
    return ports


def replica_processes(env: Dict[str, str], replicas: int, model: Path = MODEL, var: Path = VAR) -> List[Process]:
    """The product with N Rasa servers and N action servers behind nginx on RASA_PORT (5005).

    The stores must be shared: TRACKER_STORE_URL and DATABASE_URL on PostgreSQL, REDIS_URL for the
    conversation lock and the Socket.IO message queue. One dispatch backend, one portal.
    """
    for name in ("TRACKER_STORE_URL", "DATABASE_URL"):
        if not env.get(name, "").startswith("postgresql"):
            raise StackError(f"{replicas} replicas need {name}=postgresql://... (shared by every replica)")
    if not env.get("REDIS_URL"):
        raise StackError(f"{replicas} replicas need REDIS_URL (the conversation lock and the web channel's queue)")
    if env.get("TELEGRAM_BOT_TOKEN") and env.get("TELEGRAM_MODE") == "polling":
        raise StackError("TELEGRAM_MODE=polling allows one Rasa server per token: use the webhook with replicas")
    ports = replica_ports(env, replicas)
    single = standard_processes(env, model, var)  # fills the environment and writes the shared files
    by_name = {p.name: p for p in single}
    action_template, rasa_template = by_name["action server"], by_name["rasa server"]
    public_port = int(env.get("RASA_PORT", "5005"))
    action_port = int(env.get("ACTION_PORT", "5055"))
    prefix = var / "nginx"
    config = nginx.write_config(
        prefix, public_port=public_port, rasa_ports=ports["rasa"], action_port=action_port,
        action_ports=ports["action"],
    )
    processes = [by_name["dispatch backend"]]
    processes.append(
        Process("nginx", nginx.argv(prefix, config), f"http://127.0.0.1:{public_port}/nginx-health", env["RASA_URL"])
    )
    for i, port in enumerate(ports["action"], start=1):
        argv = _with_option(action_template.argv, "--port", str(port))
        processes.append(Process(f"action server {i}", argv, f"http://127.0.0.1:{port}/health", env["ACTION_SERVER_URL"]))
    token = env.get("RASA_AUTH_TOKEN", "")
    for i, port in enumerate(ports["rasa"], start=1):
        argv = _with_option(rasa_template.argv, "--port", str(port))
        processes.append(
            Process(f"rasa server {i}", argv, f"http://127.0.0.1:{port}/status?token={token}",
                    f"http://127.0.0.1:{port}", startup_timeout=rasa_template.startup_timeout)
        )
    if "city portal" in by_name:
        processes.append(by_name["city portal"])
    return processes


def _with_option(argv: List[str], option: str, value: str) -> List[str]:
    argv = list(argv)
    argv[argv.index(option) + 1] = value
    return argv


@dataclass
class Running:
    """A started stack: `url` is the public Rasa URL (nginx with replicas), `env` what the children got."""

    stack: "Stack"
    env: Dict[str, str]
    url: str
    processes: Dict[str, Process]


@contextmanager
def running(replicas: int = 1, overrides: Optional[Mapping[str, str]] = None, var: Path = VAR,
            model: Path = MODEL, portal: bool = False, supervise: bool = True) -> Iterator[Running]:
    """Start the product (1 replica: as `make run`; N: behind nginx on PostgreSQL and Redis), watched
    by the supervisor, and stop it on exit. For benches: `with running(2, overrides) as r: r.url`."""
    env = process_env(overrides)
    if replicas > 1:
        shared_store_defaults(env)
        processes = replica_processes(env, replicas, model=model, var=var)
    else:
        processes = standard_processes(env, model=model, var=var)
    if not portal:
        processes = [p for p in processes if p.name != "city portal"]
    stack = Stack(env, log_dir=var / "log")
    try:
        stack.start_all(processes)
        if supervise:
            Supervisor(stack).watch()
        yield Running(stack, env, env["RASA_URL"], {p.name: p for p in processes})
    finally:
        stack.stop()


class Stack:
    """A group of child processes started in order and stopped together (in reverse).

    Every child writes into a pipe; a thread per child masks phones and secrets in each line
    before it reaches the log file, so nothing a library prints bypasses the redaction.
    """

    def __init__(self, env: Dict[str, str], log_dir: Path = VAR / "log"):
        self.env = env
        self.log_dir = log_dir
        self.processes: List[Process] = []
        self.stopping = threading.Event()
        self._spawning = threading.Lock()
        self._secrets = redact.secrets_from_environment(env)

    def start(self, process: Process) -> Process:
        self.stopping.clear()
        self.spawn(process)
        if process not in self.processes:
            self.processes.append(process)
        self._wait_healthy(process)
        process.healthy = True
        return process

    def start_all(self, processes: List[Process]) -> None:
        """Start in order; of the replicas of one kind (`rasa server 1`, `rasa server 2`) the first
        alone, since it creates the shared tables (two servers creating them at once collide in
        PostgreSQL), then the others side by side, each loading its model while the others do."""
        i = 0
        while i < len(processes):
            kind = processes[i].name.rstrip("0123456789 ")
            group = [processes[i]]
            while i + len(group) < len(processes) and processes[i + len(group)].name.rstrip("0123456789 ") == kind:
                group.append(processes[i + len(group)])
            for batch in (group[:1], group[1:]):
                self.stopping.clear()
                for process in batch:
                    self.spawn(process)
                    if process not in self.processes:
                        self.processes.append(process)
                for process in batch:
                    self._wait_healthy(process)
                    process.healthy = True
            i += len(group)

    def spawn(self, process: Process) -> None:
        files.secure_dir(self.log_dir)
        slug = process.name.replace(" ", "-")
        process.log_path = self.log_dir / f"{slug}.log"
        with self._spawning:  # stop() must see every child a watcher starts
            if self.stopping.is_set():
                raise StackError(f"{process.name}: stopping")
            process.popen = self._popen(process)
        threading.Thread(
            target=self._pump, args=(process.popen.stdout, process.log_path), name=f"log {slug}", daemon=True
        ).start()

    def _popen(self, process: Process) -> subprocess.Popen:
        return subprocess.Popen(
            process.argv,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us once; we stop the children ourselves
            umask=0o077,  # stores, logs and media the child creates are its user's alone
        )

    def _pump(self, stream, log_path: Path) -> None:
        with files.open_private(log_path) as log_file:
            for raw in iter(stream.readline, b""):
                line = redact.redact_line(raw.decode("utf-8", errors="replace"), self._secrets)
                log_file.write(line.encode("utf-8"))
                log_file.flush()
        stream.close()

    def _wait_healthy(self, process: Process) -> None:
        deadline = time.monotonic() + process.startup_timeout
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise StackError(
                    f"{process.name} exited with code {process.popen.returncode}; see {process.log_path}"
                )
            if self.stopping.is_set():
                raise StackError(f"{process.name}: stopping")
            try:
                if requests.get(process.health_url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise StackError(f"{process.name} not healthy after {process.startup_timeout:.0f} s; see {process.log_path}")

    def stop(self) -> None:
        with self._spawning:
            self.stopping.set()
        for process in reversed(self.processes):
            if process.popen and process.popen.poll() is None:
                _signal_group(process.popen, signal.SIGTERM)
        for process in reversed(self.processes):
            if not process.popen:
                continue
            try:
                process.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(process.popen, signal.SIGKILL)
                process.popen.wait()
        self.processes.clear()

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _signal_group(popen: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(popen.pid, signum)
    except ProcessLookupError:
        pass


class Supervisor:
    """Watches the processes of a Stack and starts again any that dies, the others untouched.

    Waits 1, 2, 4 ... up to 60 seconds between tries; a process that stayed healthy for a
    half a minute starts again from one second. Every death and every restart is logged.
    """

    FIRST_DELAY = 1.0
    MAX_DELAY = 60.0
    STABLE_AFTER = 30.0

    def __init__(self, stack: Stack):
        self.stack = stack
        self._threads: List[threading.Thread] = []

    def watch(self) -> None:
        for process in self.stack.processes:
            thread = threading.Thread(target=self._watch, args=(process,), name=f"watch {process.name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _watch(self, process: Process) -> None:
        delay = self.FIRST_DELAY
        while not self.stack.stopping.is_set():
            up_since = time.monotonic()
            code = process.popen.wait()
            process.healthy = False
            if self.stack.stopping.is_set():
                return
            if time.monotonic() - up_since > self.STABLE_AFTER:
                delay = self.FIRST_DELAY
            log.warning("%s exited with code %s; restarting in %.0f s (see %s)", process.name, code, delay, process.log_path)
            if self.stack.stopping.wait(delay):
                return
            delay = min(delay * 2, self.MAX_DELAY)
            try:
                self.stack.spawn(process)
                self.stack._wait_healthy(process)
            except StackError as exc:
                log.error("%s did not come back: %s", process.name, exc)
                if process.popen.poll() is None:
                    _signal_group(process.popen, signal.SIGKILL)
                continue
            process.restarts += 1
            process.healthy = True
            log.warning("%s is back (restart %d)", process.name, process.restarts)
