"""Staff CLI of the dispatch backend: list and show tickets, move one to a new status, manage webhooks."""
import argparse
import json
import logging
import sys
from typing import List, Optional

from sqlalchemy.orm import Session

from bot import redact
from bot.vocabulary import STATUSES
from bot.backend import formats, store
from bot.backend.__main__ import prepare
from bot.backend.app import change_status, merge_tickets
from bot.crypto import Vault
from bot.db import engine_for
from bot.settings import Settings, SettingsError


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.cli staff", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="the newest tickets")
    listing.add_argument("--status", help="open, closed, or an extended status (comma list)")
    commands.add_parser("show", help="one ticket as JSON").add_argument("id")
    move = commands.add_parser("set-status", help="move a ticket to a new status and tell the citizen")
    move.add_argument("id")
    move.add_argument("status", choices=list(STATUSES))
    move.add_argument("--note", default=None, help="what was done (told to the citizen)")
    merge = commands.add_parser("merge", help="merge ticket A into B: A's citizens follow B, A is closed")
    merge.add_argument("id", help="the duplicate (A), closed by the merge")
    merge.add_argument("into", help="the ticket that stays (B)")
    hooks = commands.add_parser("webhooks", help="status webhooks").add_subparsers(dest="action", required=True)
    add = hooks.add_parser("add")
    add.add_argument("url")
    add.add_argument("--secret", required=True)
    hooks.add_parser("remove").add_argument("url")
    hooks.add_parser("list")
    args = parser.parse_args(argv)
    statuses = tuple(s.strip() for s in (getattr(args, "status", None) or "").split(",") if s.strip())
    if args.command == "list":
        unknown = [s for s in statuses if s != "open" and s not in STATUSES]
        if unknown:
            parser.error(f"unknown status {unknown[0]!r}: use open, closed or one of {', '.join(STATUSES)}")

    try:
        settings = Settings.load()
        if not settings.backend_data_key:
            raise SettingsError("BACKEND_DATA_KEY must be set (make run generates it)")
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    redact.install(settings)
    prepare(settings)
    engine = engine_for(settings.backend_database_url)
    vault = Vault(settings.backend_data_key)

    if args.command in ("set-status", "merge"):
        try:
            if args.command == "set-status":
                body, urls = change_status(engine, vault, args.id, args.status, args.note)
                done = f"{body['service_request_id']}: {body['extended_status']} ({body['status_zh']})"
            else:
                body, urls = merge_tickets(engine, vault, args.id, args.into)
                done = f"{args.id.upper()} merged into {body['service_request_id']} ({body['followers']} followers)"
        except LookupError as exc:
            print(f"no ticket {exc.args[0]}", file=sys.stderr)
            return 1
        except store.Invalid as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(done)
        for url in urls:
            print(f"  webhook {url}: queued (the backend server sends it, and retries until it is taken)")
        return 0
    with Session(engine, future=True) as session, session.begin():
        if args.command == "list":
            if "open" in statuses:
                statuses = tuple(set(statuses) - {"open"} | {s for s in STATUSES if s != "closed"})
            for row in store.search(session=session, statuses=statuses, page_size=200):
                print(f"{row.service_request_id}  {row.status:<11} {row.service_code:<12} {formats.iso(row.requested_at)}  {row.description[:40]}")
        elif args.command == "show":
            row = store.get(args.id, session=session)
            if row is None:
                print(f"no ticket {args.id}", file=sys.stderr)
                return 1
            print(json.dumps(formats.request(row, vault=vault, view=formats.STAFF), ensure_ascii=False, indent=2))
        elif args.action == "add":
            try:
                store.add_webhook(args.url, args.secret, session=session)
            except store.Invalid as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            print(f"webhook {args.url} registered")
        elif args.action == "remove":
            if not store.remove_webhook(args.url, session=session):
                print(f"no webhook {args.url}", file=sys.stderr)
                return 1
            print(f"webhook {args.url} removed")
        else:
            for hook in store.webhooks(session=session):
                print(hook.url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
