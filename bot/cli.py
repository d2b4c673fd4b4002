"""Command line of 12345 Chat: `run` the stack, chat in the `shell`, `purge` old data, `staff` tools of the backend."""
import argparse
import logging
import os
import signal
import subprocess
import sys
from typing import List, Optional

from bot import files
from bot.settings import SECRETS_FILE, VAR, ensure_local_secrets
from bot.stack import (
    MODEL, Stack, StackError, Supervisor, VENV_BIN, process_env, replica_processes, shared_store_defaults,
    standard_processes,
)


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def run(args) -> int:
    # A supervisor's SIGTERM must stop the children too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    ensure_local_secrets()
    files.secure(SECRETS_FILE.parent)
    env = process_env()
    stack = Stack(env)
    try:
        if args.replicas > 1:
            for name, value in shared_store_defaults(env).items():
                print(f"{args.replicas} replicas: {name} unset, using {value}", flush=True)
            processes = replica_processes(env, args.replicas)
        else:
            processes = standard_processes(env)
        print(f"starting {', '.join(p.name for p in processes)} ...", flush=True)
        stack.start_all(processes)
        _print_urls(env, stack)
        # From here on a process that dies is started again (with growing pauses), the others untouched.
        Supervisor(stack).watch()
        signal.pause()
        return 0
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    finally:
        stack.stop()


def _print_urls(env, stack: Stack) -> None:
    by_name = {p.name: p for p in stack.processes}
    print()
    print("12345 Chat is running:")
    if "city portal" in by_name:
        print(f"  city portal (web chat)   {by_name['city portal'].url}")
    rasa = [p for p in stack.processes if p.name.startswith("rasa server")]
    behind = f"  (nginx in front of {len(rasa)} Rasa servers)" if "nginx" in by_name else ""
    print(f"  Rasa server              {env['RASA_URL']}  (REST: /webhooks/rest/webhook, Socket.IO: /socket.io){behind}")
    print(f"  dispatch backend (311)   {env['DISPATCH_URL']}/discovery.json")
    print(f"  action server            {env['ACTION_SERVER_URL']}")
    print(f"  logs                     {stack.log_dir}/")
    print(f"  local secrets            {SECRETS_FILE}  (generated where the environment sets none)")
    print("Press Ctrl-C to stop everything.", flush=True)


def shell(_args) -> int:
    ensure_local_secrets()
    env = process_env()
    processes = [p for p in standard_processes(env) if p.name in ("dispatch backend", "action server")]
    with Stack(env) as stack:
        try:
            for process in processes:
                stack.start(process)
        except StackError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        endpoints = VAR / "endpoints.yml"  # written by standard_processes: stores as `make run` has them
        argv = [str(VENV_BIN / "rasa"), "shell", "--model", str(MODEL), "--endpoints", str(endpoints)]
        try:
            return subprocess.call(argv, env=env)
        except KeyboardInterrupt:
            return 0


def purge(args) -> int:
    from bot.retention import purge as purge_all
    from bot.settings import Settings

    settings = Settings.load()
    days = args.days if args.days is not None else settings.retention_days
    for line in purge_all(settings, days=days):
        print(line)
    return 0


def staff(args) -> int:
    from bot.backend.staff import main as staff_main

    return staff_main(args.rest)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="start the whole stack and print the URLs")
    run_parser.add_argument(
        "--replicas", type=int, default=int(os.environ.get("REPLICAS") or 1),
        help="N Rasa servers and N action servers behind nginx, on PostgreSQL and Redis (default REPLICAS or 1)",
    )
    run_parser.set_defaults(func=run)
    commands.add_parser("shell", help="chat with the assistant in the terminal").set_defaults(func=shell)
    purge_parser = commands.add_parser(
        "purge", help="delete conversations and the channel's personal data older than RETENTION_DAYS (default 90)"
    )
    purge_parser.add_argument("--days", type=int, default=None, help="keep this many days instead of RETENTION_DAYS")
    purge_parser.set_defaults(func=purge)
    staff_parser = commands.add_parser("staff", help="list tickets, change a status (backend staff tools)")
    staff_parser.add_argument("rest", nargs=argparse.REMAINDER)
    staff_parser.set_defaults(func=staff)
    args = parser.parse_args(argv)
    os.umask(0o077)  # whatever this process writes (stores, logs, generated files) is private
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
