"""Keeps citizens' phone numbers and our secrets out of every log line."""
import logging
import re

from bot.settings import GENERATED_SECRETS, Settings

# Long digit runs (phones, with spaces or dashes) are masked whatever their validity:
# a log is no place to decide whether 138-0013-8000 is a real number.
_PHONE = re.compile(r"(?<![\dA-Za-z])(\+?86[\s-]?)?(\d{3})[\s-]?\d{3,4}[\s-]?(\d{4})(?!\d)")


def redact(text: str, secrets=()) -> str:
    text = _PHONE.sub(lambda m: f"{m.group(2)}****{m.group(3)}", text)
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, "[secret]")
    return text


class RedactingFilter(logging.Filter):
    def __init__(self, secrets=()):
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install(settings: Settings = None) -> None:
    """Attach the filter to every handler of the root logger (call once a process has set up logging)."""
    settings = settings or Settings.load()
    secrets = [getattr(settings, name.lower(), "") for name in GENERATED_SECRETS]
    secrets += [settings.telegram_bot_token, settings.wechat_app_secret, settings.wechat_aes_key]
    flt = RedactingFilter(secrets)
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO)
    for handler in root.handlers:
        handler.addFilter(flt)
