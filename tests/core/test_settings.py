import pytest

from bot.settings import GENERATED_SECRETS, Settings, SettingsError, ensure_local_secrets, read_secrets_file


def test_environment_overrides_defaults():
    settings = Settings.load({"DISPATCH_URL": "http://city.example/open311/v2", "BACKEND_PORT": "9000"})
    assert settings.dispatch_url == "http://city.example/open311/v2"
    assert settings.backend_port == 9000


def test_production_refuses_placeholder_secrets():
    env = {name: "changeme" for name in GENERATED_SECRETS}
    env["APP_ENV"] = "production"
    with pytest.raises(SettingsError) as err:
        Settings.load(env)
    assert "RASA_AUTH_TOKEN" in str(err.value)


def test_production_accepts_real_secrets(monkeypatch):
    env = {name: "s3cr3t-" + name.lower() + "-0123456789" for name in GENERATED_SECRETS}
    env["APP_ENV"] = "production"
    assert Settings.load(env).app_env == "production"


def test_local_secrets_generated_once_and_private(tmp_path, monkeypatch):
    for name in GENERATED_SECRETS:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / ".secrets" / "local.env"
    ensure_local_secrets(path)
    first = read_secrets_file(path)
    assert set(first) == set(GENERATED_SECRETS)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    ensure_local_secrets(path)
    assert read_secrets_file(path) == first
