"""Runs the backend suite twice: on the stack's SQLite backend and on a fresh PostgreSQL database."""
import uuid
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bot.stack import Process, Stack, VENV_BIN, free_port, process_env

ADMIN = "postgresql://postgres@127.0.0.1/postgres"


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request, backend):
    if request.param == "sqlite":
        # The stack's backend tells the stack's channel of every move: with no Rasa server up yet, each
        # status change from the staff CLI (which delivers before it exits) waits out its retries on it.
        request.getfixturevalue("rasa_server")
        yield backend
        return
    name = f"dispatch_suite_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: say so plainly rather than fail obscurely
        pytest.fail(f"PostgreSQL at {ADMIN} is not reachable: {exc}")
    port = free_port()
    env = process_env(dict(
        backend.settings_env,
        BACKEND_PORT=str(port),
        BACKEND_DATABASE_URL=f"postgresql://postgres@127.0.0.1/{name}",
        DISPATCH_URL=f"http://127.0.0.1:{port}/open311/v2",
        BACKEND_DATA_KEY=Fernet.generate_key().decode(),
        NOTIFY_URL="",
        NOTIFY_WEBHOOK_SECRET="",
    ))
    stack = Stack(env, log_dir=request.config._tmp_path_factory.mktemp("pgsuite"))
    process = Process("dispatch backend", [str(VENV_BIN / "python"), "-m", "bot.backend"], f"http://127.0.0.1:{port}/health", "")
    stack.start(process)
    try:
        yield SimpleNamespace(
            url=env["DISPATCH_URL"], root=f"http://127.0.0.1:{port}", api_key=env["DISPATCH_API_KEY"],
            staff_token=env["BACKEND_STAFF_TOKEN"], settings_env=env, process=process,
        )
    finally:
        stack.stop()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
