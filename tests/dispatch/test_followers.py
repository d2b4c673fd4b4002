"""Joining a ticket through the outbox: stored first, delivered once; followers told and rating once; merges."""
import uuid

import pytest
import requests

from bot.dispatch import Outbox, RatingRefused
from tests.dispatch.conftest import new_ticket
from tests.dispatch.test_ratings import resolve


def staff_view(backend, ticket_id):
    listed = requests.get(f"{backend.root}/staff/requests", headers={"Authorization": f"Bearer {backend.staff_token}"}, timeout=10)
    return next(t for t in listed.json() if t["service_request_id"] == ticket_id)


def test_a_join_while_the_backend_is_away_is_kept_and_delivered_once_later(make_outbox, backend, dead_url, marker):
    live = make_outbox(backend.url, backend.api_key)
    ticket_id = live.file(new_ticket(marker), uuid.uuid4().hex, "rest:filer").reference
    away = Outbox(make_outbox.database_url, type(live.client)(dead_url, backend.api_key, timeout=0.5), live.vault, retry_base=0.0)
    assert away.join(ticket_id, "telegram:42", "telegram", "en") is True  # queued, not lost
    assert [c.sender_id for c in live.conversations_of(ticket_id)] == ["rest:filer", "telegram:42"]
    assert live.join(ticket_id, "telegram:42", "telegram", "en") is False  # the retry delivers it
    assert live.join(ticket_id, "telegram:42", "telegram", "en") is False  # and again changes nothing
    assert live.deliver_pending() == 0
    assert staff_view(backend, ticket_id)["followers"] == 1
    assert live.join(ticket_id, "rest:filer") is False and staff_view(backend, ticket_id)["followers"] == 1  # own ticket


def test_the_background_delivery_tells_the_backend_of_a_queued_join(make_outbox, backend, dead_url, marker):
    live = make_outbox(backend.url, backend.api_key)
    ticket_id = live.file(new_ticket(marker), uuid.uuid4().hex, "rest:filer-b").reference
    away = Outbox(make_outbox.database_url, type(live.client)(dead_url, backend.api_key, timeout=0.5), live.vault, retry_base=0.0)
    away.join(ticket_id, "wechat:o1", "wechat")
    assert live.deliver_pending() == 1 and live.deliver_pending() == 0
    assert staff_view(backend, ticket_id)["followers"] == 1


def test_a_queued_join_brings_the_joiners_photos_to_the_ticket(make_outbox, backend, dead_url, marker):
    live = make_outbox(backend.url, backend.api_key)
    ticket_id = live.file(new_ticket(marker), uuid.uuid4().hex, "rest:filer-p").reference
    photo = "http://127.0.0.1:8080/media/" + "d" * 64 + ".jpg"
    away = Outbox(make_outbox.database_url, type(live.client)(dead_url, backend.api_key, timeout=0.5), live.vault, retry_base=0.0)
    assert away.join(ticket_id, "telegram:77", "telegram", "zh", [photo]) is True  # kept with the join
    assert live.deliver_pending() == 1
    shown = requests.get(f"{backend.url}/requests/{ticket_id}.json", params={"api_key": backend.api_key}, timeout=10).json()[0]
    assert shown["media_urls"] == [photo]


def test_filer_and_follower_each_rate_once_and_a_stranger_not_at_all(make_outbox, backend, marker):
    outbox = make_outbox(backend.url, backend.api_key)
    ticket_id = outbox.file(new_ticket(marker), uuid.uuid4().hex, "rest:filer-c").reference
    outbox.join(ticket_id, "rest:neighbour")
    resolve(backend.root, backend.staff_token, ticket_id)
    assert outbox.rate(ticket_id, "satisfied", "rest:filer-c") is False
    assert outbox.rate(ticket_id, "unsatisfied", "rest:neighbour") is False
    for sender in ("rest:filer-c", "rest:neighbour"):
        with pytest.raises(RatingRefused) as again:
            outbox.rate(ticket_id, "basically_satisfied", sender)
        assert again.value.reason == "already_rated"
    with pytest.raises(RatingRefused) as stranger:
        outbox.rate(ticket_id, "satisfied", "rest:stranger")
    assert stranger.value.reason == "not_yours"
    shown = staff_view(backend, ticket_id)
    assert shown["rating"] == "satisfied" and [r["rating"] for r in shown["follower_ratings"]] == ["unsatisfied"]


def test_after_a_merge_the_duplicates_filer_and_followers_follow_the_kept_ticket(make_outbox, backend, marker):
    outbox = make_outbox(backend.url, backend.api_key)
    kept = outbox.file(new_ticket(marker), uuid.uuid4().hex, "rest:kept-filer").reference
    merged = outbox.file(new_ticket(marker), uuid.uuid4().hex, "rest:dup-filer").reference
    outbox.join(merged, "rest:dup-follower")
    outbox.join(merged, "rest:kept-filer")  # already hears the kept ticket: not added twice
    response = requests.post(f"{backend.root}/staff/requests/{merged}/merge", json={"into": kept},
                             headers={"Authorization": f"Bearer {backend.staff_token}"}, timeout=10)
    assert response.status_code == 200
    assert outbox.record_merge(merged, kept) == 2 and outbox.record_merge(merged, kept) == 0
    assert [c.sender_id for c in outbox.conversations_of(kept)] == ["rest:kept-filer", "rest:dup-filer", "rest:dup-follower"]
    resolve(backend.root, backend.staff_token, kept)
    assert outbox.rate(kept, "satisfied", "rest:dup-filer") is False  # rated as the merged ticket's filer
    assert outbox.rate(kept, "unsatisfied", "rest:dup-follower") is False
    assert len(staff_view(backend, kept)["follower_ratings"]) == 2
