"""Files under var/ and .secrets/ are private; log lines lose phones, the citizen's words and secrets."""
import logging
import stat

from bot import files, redact


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_secure_tightens_a_tree_an_older_version_left_open(tmp_path):
    var = tmp_path / "var"
    (var / "log").mkdir(parents=True)
    (var / "channel.db").write_text("x")
    (var / "log" / "rasa-server.log").write_text("x")
    for path in (var, var / "log"):
        path.chmod(0o755)
    for path in (var / "channel.db", var / "log" / "rasa-server.log"):
        path.chmod(0o644)
    files.secure(var)
    assert mode(var) == mode(var / "log") == 0o700
    assert mode(var / "channel.db") == mode(var / "log" / "rasa-server.log") == 0o600


def test_a_private_file_is_0600_even_when_it_existed_open(tmp_path):
    path = tmp_path / "log" / "x.log"
    path.parent.mkdir()
    path.write_text("old\n")
    path.chmod(0o644)
    with files.open_private(path) as f:
        f.write(b"new\n")
    assert mode(path) == 0o600 and path.read_text() == "old\nnew\n"
    assert mode(files.write_private(tmp_path / "endpoints.yml", "a: 1\n")) == 0o600


def test_rasa_structured_error_lines_lose_the_text_and_the_frames_locals():
    line = (
        '{"text": "\\u5f20\\u4e09 13900001111", "event": "rest.message.received.failure", "exception": '
        '[{"frames": [{"locals": {"words": "[\'1\', \'3\', \'9\']", "odd": "a{b}\\"c"}}]}]}'
    )
    cleaned = redact.redact_line(line)
    assert cleaned == '{"text": "[message]", "event": "rest.message.received.failure", "exception": [{"frames": [{"locals": {}}]}]}'


def test_quoted_user_messages_and_phones_in_plain_lines_are_masked():
    cleaned = redact.redact_line("Received user message '我是张三 13900001111' with intent", ["a-secret-value"])
    assert cleaned == "Received user message '[message]' with intent"
    assert redact.redact_line("call 139 0000 1111 key a-secret-value", ["a-secret-value"]) == "call 139*****111 key [secret]"


def test_the_record_factory_masks_records_whatever_handler_prints_them(caplog):
    previous = logging.getLogRecordFactory()
    # Code under test elsewhere in this process (actions.common.outbox) may have installed ours already.
    logging.setLogRecordFactory(logging.LogRecord)
    try:
        redact.install_record_factory(["factory-secret-123"])
        logging.getLogger("test.factory").error("from %s with factory-secret-123", "13900003333")
        assert "139*****333" in caplog.text
        assert "13900003333" not in caplog.text and "factory-secret-123" not in caplog.text
    finally:
        logging.setLogRecordFactory(previous)


def test_the_logging_config_file_installs_the_filter(tmp_path):
    import logging.config

    import yaml

    config = yaml.safe_load(redact.write_logging_config(tmp_path / "logging.yml").read_text())
    assert mode(tmp_path / "logging.yml") == 0o600
    previous, root = logging.getLogRecordFactory(), logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        logging.config.dictConfig(config)  # as Rasa and the SDK do with --logging-config-file
        assert getattr(logging.getLogRecordFactory(), "redacting", False)
        assert any(isinstance(f, redact.RedactingFilter) for h in root.handlers for f in h.filters)
    finally:
        logging.setLogRecordFactory(previous)
        root.handlers[:] = handlers
        root.setLevel(level)


def test_a_variable_named_like_a_secret_and_a_store_password_are_masked_without_listing_them():
    environ = {
        "LINE_CHANNEL_SECRET": "a-new-platforms-secret",
        "TRACKER_STORE_URL": "postgresql://chat:pa55word-xyz@db/chat",
        "HOME": "/home/someone-else",
    }
    secrets = redact.secrets_from_environment(environ)
    line = redact.redact_line("secret a-new-platforms-secret, password pa55word-xyz, home /home/someone-else", secrets)
    assert line == "secret [secret], password [secret], home /home/someone-else"
