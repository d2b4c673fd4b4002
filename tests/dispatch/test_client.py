"""DispatchClient against the real backend, and through the fault proxy for what the backend will not do on its own."""
import uuid

import pytest
import requests

from bot.dispatch import AlreadyRated, DispatchClient, DispatchRejected, DispatchUnavailable, TicketNotFound
from tests.dispatch.conftest import PHONE, new_ticket


def test_submit_then_get_round_trip(client, marker):
    filed = client.submit(new_ticket(marker, request_type="suggestion", language="zh"), uuid.uuid4().hex)
    assert filed.service_request_id.startswith("BJ")
    got = client.get(filed.service_request_id, private=True)
    assert got.service_request_id == filed.service_request_id
    assert got.status == "received" and got.status_zh == "已受理"
    assert got.service_code == "streetlight" and got.agency_responsible == "城市管理委员会"
    assert got.request_type == "suggestion" and got.district == "朝阳区"
    assert marker in got.description
    assert got.requested_datetime.tzinfo is not None
    # The phone comes back masked without the last four digits; the name is for staff only.
    assert got.phone == PHONE[:3] + "*****" + PHONE[-3:]
    assert got.contact_name is None
    public = client.get(filed.service_request_id)
    assert public.status == "received" and public.description is None and public.phone is None and public.notes == []


def test_the_same_idempotency_key_gives_the_same_ticket(client, marker, tickets_on, backend):
    key = uuid.uuid4().hex
    first = client.submit(new_ticket(marker), key)
    second = client.submit(new_ticket(marker), key)
    assert first.service_request_id == second.service_request_id
    assert len(tickets_on(backend.url, backend.api_key)) == 1


def test_list_by_ids(client, marker):
    ids = [client.submit(new_ticket(f"{marker}-{i}"), uuid.uuid4().hex).service_request_id for i in range(2)]
    listed = client.list(ids=ids)
    assert sorted(t.service_request_id for t in listed) == sorted(ids)
    assert client.list(ids=[]) == []


def test_unknown_ticket_is_ticket_not_found(client):
    with pytest.raises(TicketNotFound) as caught:
        client.get("BJ19990101-9999")
    assert caught.value.status == 404
    assert isinstance(caught.value, DispatchRejected)


def test_open311_error_body_becomes_code_and_description(client, marker):
    with pytest.raises(DispatchRejected) as caught:
        client.submit(new_ticket(marker, service_code="no_such_service"), uuid.uuid4().hex)
    assert caught.value.status == 400
    assert str(caught.value.code) == "400"
    assert caught.value.description  # the backend's own words, for the log and the operator


def test_wrong_api_key_is_rejected_not_retried(backend, proxy, marker):
    with DispatchClient(proxy.url(), "wrong-key-0123456789", timeout=5.0) as c:
        with pytest.raises(DispatchRejected) as caught:
            c.submit(new_ticket(marker), uuid.uuid4().hex)
    assert caught.value.status in (401, 403)
    assert proxy.count("POST") == 1


def test_connection_refused_is_unavailable(dead_url):
    with DispatchClient(dead_url, "k", timeout=1.0, retries=1, backoff=0.01) as c:
        with pytest.raises(DispatchUnavailable) as caught:
            c.get("BJ20261128-0001")
    assert caught.value.__cause__ is not None  # chained, for whoever debugs it


def test_transient_failures_of_a_get_are_retried(client, proxy, backend, marker):
    filed = client.submit(new_ticket(marker), uuid.uuid4().hex)
    proxy.fail_next("500", "garbage", method="GET")
    with DispatchClient(proxy.url(), backend.api_key, timeout=5.0, backoff=0.01) as c:
        assert c.get(filed.service_request_id).service_request_id == filed.service_request_id
    assert proxy.count("GET") == 3


def test_bad_json_is_unavailable_not_a_crash(proxy, backend):
    proxy.fail_always("garbage", method="GET")
    with DispatchClient(proxy.url(), backend.api_key, timeout=5.0, retries=1, backoff=0.01) as c:
        with pytest.raises(DispatchUnavailable):
            c.get("BJ20261128-0001")
        with pytest.raises(DispatchUnavailable):
            c.list()


def test_429_retry_after_is_honoured(proxy, backend, marker, tickets_on):
    proxy.fail_next("429:1")
    with DispatchClient(proxy.url(), backend.api_key, timeout=5.0) as c:
        c.submit(new_ticket(marker), uuid.uuid4().hex)
    assert [f for m, _, f in proxy.log if m == "POST"] == ["429:1", "pass"]
    assert len(tickets_on(backend.url, backend.api_key)) == 1


def test_a_retry_after_beyond_the_deadline_gives_up_at_once(proxy, backend, marker):
    proxy.fail_next("429:120")
    with DispatchClient(proxy.url(), backend.api_key, timeout=5.0) as c:
        with pytest.raises(DispatchUnavailable) as caught:
            c.submit(new_ticket(marker), uuid.uuid4().hex, deadline=3.0)
    assert caught.value.retry_after == 120
    assert proxy.count("POST") == 1


def test_a_post_without_idempotency_key_is_never_repeated(proxy, backend, marker, tickets_on):
    proxy.fail_next("500_after")
    with DispatchClient(proxy.url(), backend.api_key, timeout=5.0, backoff=0.01) as c:
        with pytest.raises(DispatchUnavailable):
            c.submit(new_ticket(marker), None)
    assert proxy.count("POST") == 1
    assert len(tickets_on(backend.url, backend.api_key)) == 1


def test_lost_answer_to_a_post_is_retried_with_the_same_key_into_one_ticket(proxy, backend, marker, tickets_on):
    proxy.fail_next("drop", "500_after")
    with DispatchClient(proxy.url(), backend.api_key, timeout=5.0, backoff=0.01) as c:
        filed = c.submit(new_ticket(marker), uuid.uuid4().hex)
    assert [f for m, _, f in proxy.log if m == "POST"] == ["drop", "500_after", "pass"]
    on_backend = tickets_on(backend.url, backend.api_key)
    assert [t.service_request_id for t in on_backend] == [filed.service_request_id]


def test_feedback_on_a_resolved_ticket(client, backend, marker):
    filed = client.submit(new_ticket(marker), uuid.uuid4().hex)
    with pytest.raises(ValueError):
        client.feedback(filed.service_request_id, "great")
    with pytest.raises(TicketNotFound):
        client.feedback("BJ19990101-9999", "satisfied")
    staff = requests.post(
        f"{backend.root}/staff/requests/{filed.service_request_id}/status",
        json={"status": "resolved", "note": "已修复"},
        headers={"Authorization": f"Bearer {backend.staff_token}"},
        timeout=5,
    )
    assert staff.status_code == 200, staff.text
    client.feedback(filed.service_request_id, "satisfied", "修得很快", idempotency_key="rating-1")
    client.feedback(filed.service_request_id, "satisfied", "修得很快", idempotency_key="rating-1")  # a retry
    with pytest.raises(AlreadyRated):
        client.feedback(filed.service_request_id, "unsatisfied", idempotency_key="rating-2")
    assert client.get(filed.service_request_id).status == "resolved"


def test_verify_tells_right_wrong_and_locked(client, marker):
    filed = client.submit(new_ticket(marker), uuid.uuid4().hex)
    assert client.verify(filed.service_request_id, PHONE[-4:]).verified is True
    wrong = client.verify(filed.service_request_id, "0000")
    assert (wrong.verified, wrong.locked, wrong.tries_left) == (False, False, 2)
    client.verify(filed.service_request_id, "0001")
    locked = client.verify(filed.service_request_id, "0002")
    assert locked.locked and locked.locked_until.tzinfo is not None and locked.tries_left == 0
    assert client.verify(filed.service_request_id, PHONE[-4:]).verified is False
    with pytest.raises(TicketNotFound):
        client.verify("BJ19990101-9999", "1234")
    with pytest.raises(DispatchRejected):
        client.verify(filed.service_request_id, "12")
