"""Two replicas behind nginx on PostgreSQL and Redis, as `make run REPLICAS=2` has them: started once for the module."""
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from bot.stack import MODEL, free_ports, running
from tests.isolation import isolated

SECRETS = {
    "RASA_AUTH_TOKEN": "replica-rasa-token-0123456789",
    "DISPATCH_API_KEY": "replica-dispatch-key-0123456789",
    "BACKEND_STAFF_TOKEN": "replica-staff-token-0123456789",
    "NOTIFY_WEBHOOK_SECRET": "replica-notify-secret-0123456789",
}
ADMIN = "postgresql://postgres@127.0.0.1/postgres"
REPLICAS = 2


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` (make test does it)")
    var = tmp_path_factory.mktemp("replicas-var")
    tag = uuid.uuid4().hex[:8]
    databases = [f"replicas_tracker_{tag}", f"replicas_channel_{tag}"]
    ports = free_ports(2 * REPLICAS)
    overrides = dict(SECRETS)
    overrides.update(
        isolated(var),
        TRACKER_STORE_URL=f"postgresql://postgres@127.0.0.1/{databases[0]}",
        DATABASE_URL=f"postgresql://postgres@127.0.0.1/{databases[1]}",
        REDIS_URL="redis://127.0.0.1:6379/0",
        LOCK_STORE_PREFIX=f"r{tag}",  # parallel runs share the Redis: keys and the Socket.IO channel apart
        RASA_REPLICA_PORTS=",".join(map(str, ports[:REPLICAS])),
        ACTION_REPLICA_PORTS=",".join(map(str, ports[REPLICAS:])),
    )
    try:
        with running(REPLICAS, overrides, var=var) as stack:
            yield SimpleNamespace(
                url=stack.url, env=stack.env, processes=stack.processes, var=var,
                rasa=[stack.processes[f"rasa server {i}"] for i in range(1, REPLICAS + 1)],
                actions=[stack.processes[f"action server {i}"] for i in range(1, REPLICAS + 1)],
                dispatch_url=stack.env["DISPATCH_URL"], api_key=stack.env["DISPATCH_API_KEY"],
            )
    finally:
        admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT", future=True)
        with admin.connect() as c:
            for name in databases:
                c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
