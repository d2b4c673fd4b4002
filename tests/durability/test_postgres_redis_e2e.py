"""A Rasa server on a PostgreSQL tracker store and the Redis lock store: killed mid-form, the form goes on."""
import threading
import time
import uuid

import pytest
import redis
from sqlalchemy import create_engine, text

from bot.stack import Stack, Supervisor, standard_processes
from tests.durability.conftest import TICKET_ID, Citizen, durable_env, kill_and_wait_back, tickets_described

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ADMIN = "postgresql://postgres@127.0.0.1/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def pg_rasa(durable, tmp_path_factory):
    """Its own database and lock prefix (parallel runs do not meet); the action server and backend of `durable`."""
    name = f"tracker_e2e_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    prefix = f"t{uuid.uuid4().hex[:10]}"
    var = tmp_path_factory.mktemp("pg-var")
    env = durable_env(
        var,
        TRACKER_STORE_URL=f"postgresql://postgres@127.0.0.1/{name}",
        REDIS_URL=REDIS_URL,
        LOCK_STORE_PREFIX=prefix,
        ACTION_SERVER_URL=durable.env["ACTION_SERVER_URL"],
        ACTION_SERVER_TOKEN=durable.env["ACTION_SERVER_TOKEN"],  # the action server answers only its token
        DISPATCH_URL=durable.dispatch_url,
        DISPATCH_API_KEY=durable.api_key,
        CHANNEL_DATA_KEY=durable.env["CHANNEL_DATA_KEY"],
    )
    rasa = next(p for p in standard_processes(env, var=var) if p.name == "rasa server")
    stack = Stack(env, log_dir=var / "log")
    stack.start(rasa)
    Supervisor(stack).watch()
    try:
        yield rasa, env, prefix, name
    finally:
        stack.stop()
        with admin.connect() as c:
            c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


def test_the_form_continues_on_postgres_after_the_rasa_server_is_killed(durable, pg_rasa):
    rasa, env, prefix, name = pg_rasa
    description = "朝阳区望京西园三区21号楼门口路灯坏了"
    citizen = Citizen(env["RASA_URL"])
    assert "称呼" in citizen.say(description)
    kill_and_wait_back(rasa)
    assert "电话" in citizen.say("周大勇")
    assert "核对" in citizen.say("13911114444")
    ticket_id = TICKET_ID.search(citizen.say("确认")).group(0)
    assert [t["service_request_id"] for t in tickets_described(durable, description)] == [ticket_id]
    with create_engine(env["TRACKER_STORE_URL"], future=True).connect() as c:
        rows = c.execute(text("SELECT data FROM events WHERE sender_id = :s"), {"s": f"rest:{citizen.sender}"}).scalars().all()
    assert rows and all(r.startswith("gAAAAA") for r in rows)
    assert not any("13911114444" in r for r in rows)


def test_conversations_are_locked_in_redis_under_our_prefix(pg_rasa):
    rasa, env, prefix, name = pg_rasa
    seen = []
    client = redis.Redis.from_url(REDIS_URL)

    def watch():
        with client.monitor() as monitor:
            for command in monitor.listen():
                if prefix in command["command"]:
                    seen.append(command["command"])
                    return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    time.sleep(0.5)  # MONITOR is on before the message
    Citizen(env["RASA_URL"]).say("你好")
    thread.join(timeout=10)
    assert seen and f"{prefix}:lock:" in seen[0]
