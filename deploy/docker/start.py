"""Starts one process of the product in its container, with the very command and files `make run` uses.

`python deploy/docker/start.py "rasa server"`: bot/stack.py writes what the process needs (credentials.yml
without the channels whose secrets are unset, and whatever else it writes for `make run`) and names the
command; this replaces itself with that command. So a cluster starts each process as `make run` does.
"""
import os
import sys
from pathlib import Path

from bot.stack import process_env, standard_processes

# The files bot/stack.py writes go to the container's only writable place.
VAR = Path("/tmp/var")
# A pod is reached on its own address, not on loopback. The others listen where their *_HOST says
# (ConfigMap); the Rasa server's address is fixed in bot/stack.py, and argparse keeps the last value.
EXTRA_ARGS = {"rasa server": ["--interface", "0.0.0.0"]}


def command(name: str, env: dict, var: Path = VAR) -> list:
    names = []
    for process in standard_processes(env, var=var):
        if process.name == name:
            return process.argv + EXTRA_ARGS.get(name, [])
        names.append(process.name)
    raise SystemExit(f"error: no process named {name!r} (bot/stack.py has {', '.join(names)})")


def main(name: str) -> None:
    env = process_env()
    argv = command(name, env)
    os.execve(argv[0], argv, env)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]))
