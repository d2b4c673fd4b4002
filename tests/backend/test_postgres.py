"""The same backend on PostgreSQL (the machine's server): migrations, filing, idempotency, concurrent ids."""
import subprocess
import threading
import uuid

import pytest
import requests
from cryptography.fernet import Fernet
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from bot.backend.__main__ import MIGRATIONS
from bot.stack import Process, Stack, free_port, process_env, VENV_BIN

pytestmark = pytest.mark.postgres
ADMIN = "postgresql://postgres@127.0.0.1/postgres"


@pytest.fixture(scope="module")
def pg_backend(tmp_path_factory):
    name = f"dispatch_test_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: say so plainly rather than fail obscurely
        pytest.fail(f"PostgreSQL at {ADMIN} is not reachable: {exc}")
    port = free_port()
    env = process_env(dict(
        BACKEND_PORT=str(port), BACKEND_DATABASE_URL=f"postgresql://postgres@127.0.0.1/{name}",
        DISPATCH_API_KEY="pg-key-0123456789", BACKEND_DATA_KEY=Fernet.generate_key().decode(),
        BACKEND_STAFF_TOKEN="pg-staff-0123456789", NOTIFY_URL="", NOTIFY_WEBHOOK_SECRET="",
    ))
    stack = Stack(env, log_dir=tmp_path_factory.mktemp("pglog"))
    stack.start(Process("dispatch backend", [str(VENV_BIN / "python"), "-m", "bot.backend"], f"http://127.0.0.1:{port}/health", ""))
    yield f"http://127.0.0.1:{port}/open311/v2", env
    stack.stop()
    admin.dispose()
    with create_engine(ADMIN, isolation_level="AUTOCOMMIT", future=True).connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def post(url, key=None, **extra):
    data = dict(api_key="pg-key-0123456789", service_code="noise", description="工地夜间施工", address_string="通州区梨园镇云景里", phone="13800138000")
    data.update(extra)
    return requests.post(f"{url}/requests.json", data=data, headers={"Idempotency-Key": key} if key else {}, timeout=10)


def test_filing_reading_and_idempotency_on_postgres(pg_backend):
    url, env = pg_backend
    key = uuid.uuid4().hex
    results = []
    threads = [threading.Thread(target=lambda: results.append(post(url, key))) for _ in range(6)]
    threads += [threading.Thread(target=lambda: results.append(post(url))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status_code in (200, 201) for r in results), [r.text for r in results]
    ids = [r.json()[0]["service_request_id"] for r in results]
    assert len(set(ids)) == 7  # six distinct filings plus one for the shared key
    [ticket] = requests.get(f"{url}/requests/{ids[0]}.json", params={"api_key": "pg-key-0123456789"}).json()
    assert ticket["phone"] == "138*****000" and ticket["requested_datetime"].endswith("+08:00")
    listed = requests.get(f"{url}/requests.xml", params={"page_size": 3})
    assert listed.status_code == 200 and listed.text.count("<request>") == 3
    with create_engine(env["BACKEND_DATABASE_URL"], future=True).connect() as c:
        head = c.execute(text("SELECT version_num FROM backend_alembic_version")).scalar_one()
        stored = " ".join(str(v) for row in c.execute(text("SELECT * FROM service_requests")) for v in row)
    assert head == ScriptDirectory(str(MIGRATIONS)).get_current_head()  # the whole history ran
    assert "13800138000" not in stored
