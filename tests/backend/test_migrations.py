"""The dispatch store's migrations on a store that already holds tickets."""
from sqlalchemy import create_engine, text

from bot.backend.__main__ import MIGRATIONS
from bot.db import engine_for, migrate


def test_stored_masks_lose_the_last_four_digits_and_counts_start_at_zero(tmp_path):
    url = f"sqlite:///{tmp_path / 'old-dispatch.db'}"
    migrate(url, MIGRATIONS, revision="b0001")
    with engine_for(url).begin() as connection:
        connection.execute(text(
            "INSERT INTO service_requests (service_request_id, service_code, request_type, urgency, status, description,"
            " language, phone_masked, requested_at, updated_at, expected_at) VALUES"
            " ('BJ20261128-0001', 'noise', 'complaint', 'normal', 'received', 'x', 'zh', '139****6666',"
            " '2026-11-28 01:00:00', '2026-11-28 01:00:00', '2026-12-05 01:00:00')"
        ))
    migrate(url, MIGRATIONS)
    engine = create_engine(url, future=True)
    with engine.connect() as c:
        row = c.execute(text("SELECT phone_masked, verify_failures, verify_locked_until, rating_key FROM service_requests")).one()
    engine.dispose()
    assert tuple(row) == ("139*****666", 0, None, None)


def test_tickets_filed_before_b0004_get_their_address_key(tmp_path):
    url = f"sqlite:///{tmp_path / 'pre-followers.db'}"
    migrate(url, MIGRATIONS, revision="b0002")
    with engine_for(url).begin() as connection:
        connection.execute(text(
            "INSERT INTO service_requests (service_request_id, service_code, request_type, urgency, status, description,"
            " address, language, requested_at, updated_at, expected_at) VALUES"
            " ('BJ20261128-0001', 'streetlight', 'complaint', 'normal', 'received', 'x', '朝阳区望京西园三区5号楼门口', 'zh',"
            " '2026-11-28 01:00:00', '2026-11-28 01:00:00', '2026-12-05 01:00:00')"
        ))
    migrate(url, MIGRATIONS)
    engine = create_engine(url, future=True)
    with engine.connect() as c:
        key = c.execute(text("SELECT address_key FROM service_requests")).scalar_one()
    engine.dispose()
    assert key == "zh:望京西园3区5号楼"
