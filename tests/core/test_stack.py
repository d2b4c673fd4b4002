import yaml

from bot.stack import write_credentials


def test_channels_without_secrets_are_left_out(tmp_path):
    env = {"NOTIFY_WEBHOOK_SECRET": "x", "WECHAT_TOKEN": "y"}
    path = write_credentials(env, tmp_path / "credentials.yml")
    channels = yaml.safe_load(path.read_text())
    assert "rest" in channels
    assert "connectors.wechat.channel.WeChatInput" in channels
    assert "connectors.telegram.channel.TelegramInput" not in channels
    # secrets stay references, expanded by Rasa from the environment, never written to disk
    assert "${WECHAT_TOKEN}" in path.read_text()
