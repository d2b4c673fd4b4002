import logging

from cryptography.fernet import Fernet

from bot.crypto import Vault
from bot.redact import RedactingFilter, redact


def test_redact_masks_phones_and_secrets():
    text = "from 13800138000 / 138 0013 8000 / 010-6234-5678 with token abcdefghijkl"
    cleaned = redact(text, ["abcdefghijkl"])
    assert "13800138000" not in cleaned and "0013" not in cleaned and "6234" not in cleaned
    assert "138*****000" in cleaned and "[secret]" in cleaned


def test_redact_keeps_ticket_ids():
    assert redact("ticket BJ20261128-0042") == "ticket BJ20261128-0042"


def test_filter_cleans_records(caplog):
    logger = logging.getLogger("test.redact")
    caplog.handler.addFilter(RedactingFilter(["topsecret-value"]))
    logger.warning("citizen %s gave %s", "13912345678", "topsecret-value")
    assert "13912345678" not in caplog.text and "topsecret-value" not in caplog.text


def test_vault_round_trip_and_digest():
    vault = Vault(Fernet.generate_key().decode())
    token = vault.encrypt("13800138000")
    assert "13800138000" not in token
    assert vault.decrypt(token) == "13800138000"
    assert vault.digest("13800138000") == vault.digest("13800138000")
    assert vault.digest("13800138000") != vault.digest("13800138001")
