import stat

import yaml

from bot.stack import write_credentials, write_endpoints


def test_channels_without_secrets_are_left_out(tmp_path):
    env = {"NOTIFY_WEBHOOK_SECRET": "x", "WECHAT_TOKEN": "y"}
    path = write_credentials(env, tmp_path / "credentials.yml")
    channels = yaml.safe_load(path.read_text())
    assert "connectors.rest.RestInput" in channels
    assert "connectors.wechat.channel.WeChatInput" in channels
    assert "connectors.telegram.channel.TelegramInput" not in channels
    # secrets stay references, expanded by Rasa from the environment, never written to disk
    assert "${WECHAT_TOKEN}" in path.read_text()


def test_endpoints_have_the_sql_tracker_store_and_no_lock_store_without_redis(tmp_path):
    path = write_endpoints({"TRACKER_STORE_URL": "sqlite:////tmp/x.db"}, tmp_path / "endpoints.yml")
    endpoints = yaml.safe_load(path.read_text())
    assert endpoints["tracker_store"] == {"type": "bot.tracker_store.SealedSQLTrackerStore", "url": "${TRACKER_STORE_URL}"}
    assert "lock_store" not in endpoints
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_redis_url_switches_on_our_atomic_redis_lock_store(tmp_path):
    env = {"TRACKER_STORE_URL": "sqlite:////tmp/x.db", "REDIS_URL": "redis://:p%40ss@cache:6380/5", "LOCK_STORE_PREFIX": "t1"}
    path = write_endpoints(env, tmp_path / "endpoints.yml")
    lock_store = yaml.safe_load(path.read_text())["lock_store"]
    assert lock_store == {"type": "bot.lock_store.AtomicRedisLockStore", "url": "${REDIS_URL}",
                          "key_prefix": "${LOCK_STORE_PREFIX}"}
    assert "p%40ss" not in path.read_text()  # the URL (and its password) stays in the environment


def test_children_run_on_pythons_event_loop_unless_told_otherwise(monkeypatch):
    # uvloop let a busy Rasa server take new connections a few a second (docs/PERFORMANCE.md).
    from bot.stack import process_env

    monkeypatch.delenv("DISABLE_UVLOOP", raising=False)
    monkeypatch.delenv("SANIC_USE_UVLOOP", raising=False)
    env = process_env()
    assert env["DISABLE_UVLOOP"] == "1" and env["SANIC_USE_UVLOOP"] == "False"
    assert process_env({"SANIC_USE_UVLOOP": "True"})["SANIC_USE_UVLOOP"] == "True"
