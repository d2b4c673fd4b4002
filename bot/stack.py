"""Starts, watches and stops the processes of the whole product (make run, and the tests)."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import requests
import yaml

from bot.settings import ROOT, VAR, read_secrets_file

VENV_BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "12345chat.tar.gz"
_ENV_REF = re.compile(r"\$\{(\w+)\}")


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(kept, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def standard_processes(env: Dict[str, str], model: Path = MODEL, var: Path = VAR) -> List[Process]:
    """The four processes of the product, addressed by the ports in `env` (defaults of CONTRACT.md §2)."""
    backend_port = int(env.get("BACKEND_PORT", "8311"))
    action_port = int(env.get("ACTION_PORT", "5055"))
    rasa_port = int(env.get("RASA_PORT", "5005"))
    portal_port = int(env.get("PORTAL_PORT", "8080"))
    env.setdefault("DISPATCH_URL", f"http://127.0.0.1:{backend_port}/open311/v2")
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{action_port}/webhook")
    env.setdefault("RASA_URL", f"http://127.0.0.1:{rasa_port}")
    env.setdefault("NOTIFY_URL", f"http://127.0.0.1:{rasa_port}/webhooks/notify/webhook")
    credentials = write_credentials(env, var / "credentials.yml")
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
            [python, "-m", "rasa_sdk", "--actions", "actions", "--port", str(action_port)],
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
                "--endpoints", str(ROOT / "endpoints.yml"),
                "--model", str(model),
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


class Stack:
    """A group of child processes started in order and stopped together (in reverse)."""

    def __init__(self, env: Dict[str, str], log_dir: Path = VAR / "log"):
        self.env = env
        self.log_dir = log_dir
        self.processes: List[Process] = []

    def start(self, process: Process) -> Process:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        slug = process.name.replace(" ", "-")
        process.log_path = self.log_dir / f"{slug}.log"
        log = open(process.log_path, "ab")
        process.popen = subprocess.Popen(
            process.argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us once; we stop the children ourselves
        )
        log.close()
        self.processes.append(process)
        self._wait_healthy(process)
        return process

    def _wait_healthy(self, process: Process) -> None:
        deadline = time.monotonic() + process.startup_timeout
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise StackError(
                    f"{process.name} exited with code {process.popen.returncode}; see {process.log_path}"
                )
            try:
                if requests.get(process.health_url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise StackError(f"{process.name} not healthy after {process.startup_timeout:.0f} s; see {process.log_path}")

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.popen and process.popen.poll() is None:
                os.killpg(process.popen.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            if not process.popen:
                continue
            try:
                process.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait()
        self.processes.clear()

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
