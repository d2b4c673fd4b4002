"""Keeps citizens' phone numbers, their words and our secrets out of every log line.

Two layers: a logging filter inside each process (`install`, or the dictConfig file that
`write_logging_config` writes for the Rasa server and the action server), and `redact_line`,
which the supervisor (bot/stack.py) applies to every line a child prints, so a library
that logs around the filter (Rasa's structlog JSON, a traceback on stderr) is masked too.
"""
import logging
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import GENERATED_SECRETS, Settings

# Long digit runs (phones, with spaces or dashes) are masked whatever their validity:
# a log is no place to decide whether 138-0013-8000 is a real number.
_PHONE = re.compile(r"(?<![\dA-Za-z])(\+?86[\s-]?)?(\d{3})[\s-]?\d{3,4}[\s-]?(\d{4})(?!\d)")
# What a citizen typed, where Rasa's logs quote it: structlog's JSON fields and
# "user message '...'". Names cannot be recognised reliably, so the whole text goes.
_TEXT_FIELD = re.compile(r'("(?:text|user_text|user_message|json_message)"\s*:\s*)"(?:[^"\\]|\\.)*"')
_QUOTED_MESSAGE = re.compile(r"((?:user message|message text)\s*)'[^'\n]*'", re.IGNORECASE)
# Rasa's structured tracebacks carry every frame's local variables: the text again, split into
# tokens or characters (a phone as '1', '3', '9', ...), which no pattern would recognise.
_FRAME_LOCALS = re.compile(r'"locals":\s*\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\}')
# A variable named like a secret is one, so a new platform's token is masked without an edit here;
# a store's URL may carry a password.
_SECRET_NAME = re.compile(r"(TOKEN|SECRET|_KEY|PASSWORD)$")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def redact(text: str, secrets=()) -> str:
    # As bot.phone.mask shows a phone: never its last four digits, the verification secret.
    text = _PHONE.sub(lambda m: f"{m.group(2)}*****{m.group(3)[1:]}", text)
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, "[secret]")
    return text


def redact_line(line: str, secrets=()) -> str:
    """A printed line: the citizen's words where Rasa quotes them, then phones and secrets."""
    line = _FRAME_LOCALS.sub('"locals": {}', line)
    line = _TEXT_FIELD.sub(r'\1"[message]"', line)
    line = _QUOTED_MESSAGE.sub(r"\1'[message]'", line)
    return redact(line, secrets)


class RedactingFilter(logging.Filter):
    def __init__(self, secrets=()):
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_line(message, self.secrets)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_line(record.exc_text, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_record_factory(secrets=()) -> None:
    """Mask every record as it is made, whichever handler later prints it.

    Rasa replaces the handlers of a `--logging-config-file` with its own (coloredlogs), so a
    filter on a handler does not survive there; the record factory does.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacting", False):
        return
    flt = RedactingFilter(secrets)

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            flt.filter(record)
        except Exception:  # a malformed record is the handler's to report, as without us
            pass
        return record

    factory.redacting = True
    logging.setLogRecordFactory(factory)


def secrets_from_environment(environ=None) -> list:
    environ = os.environ if environ is None else environ
    secrets = [value for name, value in environ.items() if name in GENERATED_SECRETS or _SECRET_NAME.search(name)]
    for name, value in environ.items():
        if name.endswith("_URL") and "@" in value:
            try:
                secrets.append(urlsplit(value).password or "")
            except ValueError:
                continue
    return secrets


def environment_filter() -> RedactingFilter:
    """The filter a dictConfig file names (`()`): secrets from this process's environment."""
    secrets = secrets_from_environment()
    install_record_factory(secrets)
    return RedactingFilter(secrets)


def write_logging_config(path: Path) -> Path:
    """The dictConfig file given to `rasa run --logging-config-file` and the action server."""
    import yaml

    from bot import files

    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "bot.redact.environment_filter"}},
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "plain",
                "filters": ["redact"],
            }
        },
        "root": {"level": "INFO", "handlers": ["console"]},
    }
    return files.write_private(path, yaml.safe_dump(config, sort_keys=False))


def install(settings: Settings = None) -> None:
    """Attach the filter to every handler of the root logger (call once a process has set up logging)."""
    settings = settings or Settings.load()
    secrets = [getattr(settings, name.lower(), "") for name in GENERATED_SECRETS]
    secrets += [settings.telegram_bot_token, settings.wechat_app_secret, settings.wechat_aes_key]
    flt = RedactingFilter(secrets)
    install_record_factory(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
