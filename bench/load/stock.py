"""The stock `rasa init` bot of the project's Rasa: built and trained once per Rasa version (bench/.cache), served by `rasa run`."""
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Dict, Iterator, Tuple

from bench.load.watch import pids_of
from bot.stack import VENV_BIN, Process, Stack, free_port, process_env

CACHE = Path(__file__).resolve().parent.parent / ".cache"


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
        yield process.url, pids_of([process])


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
