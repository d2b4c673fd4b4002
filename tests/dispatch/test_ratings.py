"""Ratings through the outbox: only from the conversation that filed the ticket, once, delivered exactly once."""
import uuid

import pytest
import requests
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from bot.db import MIGRATIONS, Rating, engine_for, migrate
from cryptography.fernet import Fernet

from bot.crypto import Vault
from bot.dispatch import DispatchClient, Outbox, RatingRefused
from tests.dispatch.conftest import new_ticket


def resolve(url_root: str, staff_token: str, ticket_id: str) -> None:
    response = requests.post(
        f"{url_root}/staff/requests/{ticket_id}/status", json={"status": "resolved", "note": "已修复"},
        headers={"Authorization": f"Bearer {staff_token}"}, timeout=10,
    )
    assert response.status_code == 200, response.text


def rating_on_backend(url_root: str, staff_token: str, ticket_id: str):
    listed = requests.get(f"{url_root}/staff/requests", headers={"Authorization": f"Bearer {staff_token}"}, timeout=10).json()
    return next(t for t in listed if t["service_request_id"] == ticket_id)["rating"]


def rows(outbox):
    with Session(outbox.engine, future=True) as s:
        return list(s.execute(select(Rating).order_by(Rating.id)).scalars())


def test_a_rating_of_a_ticket_filed_from_another_conversation_is_refused(make_outbox, backend, marker):
    outbox = make_outbox(backend.url, backend.api_key)
    filing = outbox.file(new_ticket(marker), uuid.uuid4().hex, "owner")
    resolve(backend.root, backend.staff_token, filing.reference)
    for stranger_ticket in (filing.reference, "BJ19990101-0001"):
        with pytest.raises(RatingRefused) as refused:
            outbox.rate(stranger_ticket, "unsatisfied", "stranger")
        assert refused.value.reason == "not_yours"
    assert rows(outbox) == [] and rating_on_backend(backend.root, backend.staff_token, filing.reference) is None


def test_a_conversation_rates_its_resolved_ticket_once(make_outbox, backend, marker):
    outbox = make_outbox(backend.url, backend.api_key)
    filing = outbox.file(new_ticket(marker), uuid.uuid4().hex, "owner-2")
    with pytest.raises(RatingRefused) as early:
        outbox.rate(filing.reference, "satisfied", "owner-2")
    assert early.value.reason == "not_resolved"
    resolve(backend.root, backend.staff_token, filing.reference)
    assert outbox.rate(filing.reference, "basically_satisfied", "owner-2") is False  # delivered now
    with pytest.raises(RatingRefused) as twice:
        outbox.rate(filing.reference, "unsatisfied", "owner-2")
    assert twice.value.reason == "already_rated"
    assert rating_on_backend(backend.root, backend.staff_token, filing.reference) == "basically_satisfied"
    assert [(r.state, r.rating) for r in rows(outbox)] == [("delivered", "basically_satisfied")]


def test_a_rating_during_a_backend_outage_is_delivered_once_when_it_is_back(make_outbox, own_backend, marker):
    outbox = make_outbox(own_backend.url, own_backend.api_key)
    filing = outbox.file(new_ticket(marker), uuid.uuid4().hex, "owner-3")
    root = own_backend.url.split("/open311/")[0]
    staff_token = own_backend.env["BACKEND_STAFF_TOKEN"]
    resolve(root, staff_token, filing.reference)

    own_backend.stop()
    assert outbox.rate(filing.reference, "satisfied", "owner-3") is True  # queued, not lost, not an error
    assert outbox.deliver_pending() == 0
    assert [r.state for r in rows(outbox)] == ["pending"]
    # The citizen taps again while it waits: still the one rating.
    assert outbox.rate(filing.reference, "unsatisfied", "owner-3") is True
    assert len(rows(outbox)) == 1

    own_backend.start()
    assert outbox.deliver_pending() == 1
    assert outbox.deliver_pending() == 0
    [row] = rows(outbox)
    assert (row.state, row.rating) == ("delivered", "satisfied")
    assert rating_on_backend(root, staff_token, filing.reference) == "satisfied"


def test_a_rating_whose_answer_was_lost_is_retried_as_the_same_rating(make_outbox, proxy, backend, marker):
    direct = make_outbox(backend.url, backend.api_key)
    filing = direct.file(new_ticket(marker), uuid.uuid4().hex, "owner-4")
    resolve(backend.root, backend.staff_token, filing.reference)
    outbox = make_outbox(proxy.url(), backend.api_key)
    proxy.fail_always("drop")  # the backend records it, the answer never arrives
    assert outbox.rate(filing.reference, "satisfied", "owner-4") is True
    proxy.fail_always(None)
    assert outbox.deliver_pending() == 1  # the same key again: 200, not a 409
    assert [r.state for r in rows(outbox)] == ["delivered"]
    assert proxy.count("POST", "drop") >= 1
    assert rating_on_backend(backend.root, backend.staff_token, filing.reference) == "satisfied"


def test_ratings_of_the_old_feedback_table_are_kept_but_never_sent(tmp_path, make_outbox, backend):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate(url, MIGRATIONS, revision="0001")
    with engine_for(url).begin() as connection:
        connection.execute(text(
            "INSERT INTO feedback (ticket_id, rating, created_at) VALUES ('BJ20261128-0001', 'unsatisfied', '2026-11-28 10:00:00')"
        ))
    migrate(url)
    engine = create_engine(url, future=True)
    with engine.connect() as c:
        [row] = c.execute(text("SELECT ticket_id, rating, state, sender_id FROM ratings")).fetchall()
        tables = c.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
    engine.dispose()
    assert tuple(row) == ("BJ20261128-0001", "unsatisfied", "held", "")
    assert "feedback" not in tables
    with DispatchClient(backend.url, backend.api_key) as client:
        outbox = Outbox(url, client, Vault(Fernet.generate_key().decode()))
        assert outbox.deliver_pending() == 0
        assert [r.state for r in rows(outbox)] == ["held"]


def test_a_rating_answered_404_by_a_wrong_dispatch_url_waits_instead_of_being_dropped(make_outbox, backend, marker):
    right = make_outbox(backend.url, backend.api_key)
    filing = right.file(new_ticket(marker), uuid.uuid4().hex, "owner-5")
    resolve(backend.root, backend.staff_token, filing.reference)
    wrong = make_outbox(f"{backend.root}/wrong/v2", backend.api_key)
    assert wrong.rate(filing.reference, "satisfied", "owner-5") is True
    assert [r.state for r in rows(wrong)] == ["pending"]
    assert right.deliver_pending() == 1  # the URL fixed: delivered
    assert rating_on_backend(backend.root, backend.staff_token, filing.reference) == "satisfied"
