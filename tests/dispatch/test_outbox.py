"""The outbox over the channel store, against the real backend: stored first, filed once, resolvable."""
import logging
import re
import subprocess
import sys
import textwrap
import uuid

import pytest

from bot.dispatch import DispatchRejected, Filing
from bot.db import Submission
from bot.stack import process_env
from tests.dispatch.conftest import PHONE, new_ticket

PROVISIONAL = re.compile(r"^BJ\d{8}-Q\d{4,}$")


def test_file_delivers_at_once_when_the_backend_is_up(make_outbox, backend, marker):
    outbox = make_outbox(backend.url, backend.api_key)
    filing = outbox.file(new_ticket(marker), uuid.uuid4().hex, "sender-1", "telegram", "zh")
    assert not filing.queued
    assert filing.reference == filing.ticket.service_request_id
    assert outbox.resolve(filing.reference) == filing.reference
    row = outbox.conversation_of(filing.reference)
    assert (row.sender_id, row.channel, row.state) == ("sender-1", "telegram", "delivered")
    assert outbox.resolve(row.reference) == filing.reference  # its never-shown provisional reference too


def test_the_same_key_twice_is_the_same_filing(make_outbox, backend, marker, tickets_on):
    outbox = make_outbox(backend.url, backend.api_key)
    key = uuid.uuid4().hex
    first = outbox.file(new_ticket(marker), key, "sender-2")
    again = outbox.file(new_ticket(marker), key, "sender-2")
    assert again.reference == first.reference and not again.queued
    assert again.ticket.service_request_id == first.ticket.service_request_id
    assert len(outbox.tickets_of("sender-2")) == 1
    assert len(tickets_on(backend.url, backend.api_key)) == 1


def test_backend_away_gives_a_provisional_reference_that_resolves_after_delivery(
    make_outbox, dead_url, backend, marker, tickets_on
):
    away = make_outbox(dead_url, backend.api_key)
    key = uuid.uuid4().hex
    filing = away.file(new_ticket(marker), key, "sender-3", "web", "en")
    assert filing.queued and filing.ticket is None
    assert PROVISIONAL.match(filing.reference)
    assert away.resolve(filing.reference) is None
    assert away.resolve(filing.reference.lower()) is None
    assert away.file(new_ticket(marker), key, "sender-3") == Filing(filing.reference, None, True)
    assert away.deliver_pending() == 0

    back = make_outbox(backend.url, backend.api_key)
    assert back.deliver_pending() == 1
    ticket_id = back.resolve(filing.reference)
    assert ticket_id and not PROVISIONAL.match(ticket_id)
    assert back.conversation_of(ticket_id).sender_id == "sender-3"
    assert back.conversation_of(filing.reference).language == "en"
    assert [t.service_request_id for t in tickets_on(backend.url, backend.api_key)] == [ticket_id]
    # Confirmed again after delivery: the real ticket, still one.
    again = back.file(new_ticket(marker), key, "sender-3")
    assert again.reference == ticket_id and not again.queued
    assert back.deliver_pending() == 0


def test_a_ticket_the_backend_refuses_is_marked_rejected(make_outbox, backend, marker):
    outbox = make_outbox(backend.url, backend.api_key)
    key = uuid.uuid4().hex
    with pytest.raises(DispatchRejected) as caught:
        outbox.file(new_ticket(marker, service_code="no_such_service"), key, "sender-4")
    assert caught.value.status == 400
    (row,) = outbox.tickets_of("sender-4")
    assert row.state == "rejected" and row.ticket_id is None
    with pytest.raises(DispatchRejected) as again:
        outbox.file(new_ticket(marker, service_code="no_such_service"), key, "sender-4")
    assert (again.value.status, again.value.description) == (400, caught.value.description)
    assert outbox.deliver_pending() == 0


def test_a_wrong_api_key_keeps_the_ticket_pending_until_fixed(make_outbox, backend, marker, tickets_on):
    misconfigured = make_outbox(backend.url, "wrong-key-0123456789")
    filing = misconfigured.file(new_ticket(marker), uuid.uuid4().hex, "sender-5")
    assert filing.queued
    fixed = make_outbox(backend.url, backend.api_key)
    assert fixed.deliver_pending() == 1
    assert len(tickets_on(backend.url, backend.api_key)) == 1


def test_tickets_of_lists_a_conversations_filings_newest_first(make_outbox, backend, marker):
    outbox = make_outbox(backend.url, backend.api_key)
    refs = [outbox.file(new_ticket(f"{marker}-{i}"), uuid.uuid4().hex, "sender-6").reference for i in range(3)]
    outbox.file(new_ticket(marker), uuid.uuid4().hex, "someone-else")
    assert [s.ticket_id for s in outbox.tickets_of("sender-6")] == refs[::-1]
    assert outbox.tickets_of("nobody") == []
    assert outbox.conversation_of("BJ19990101-0001") is None
    assert outbox.resolve("bj19990101-0001") == "BJ19990101-0001"
    assert outbox.resolve("BJ19990101-Q9999") is None


def test_the_phone_is_never_in_clear_in_the_store_nor_the_logs(
    make_outbox, backend, dead_url, marker, channel_dir, caplog
):
    caplog.set_level(logging.DEBUG)
    away = make_outbox(dead_url, backend.api_key)
    queued = away.file(new_ticket(marker), uuid.uuid4().hex, "sender-7")
    up = make_outbox(backend.url, backend.api_key)
    up.file(new_ticket(marker), uuid.uuid4().hex, "sender-7")
    up.deliver_pending()
    (row,) = [s for s in up.tickets_of("sender-7") if s.reference == queued.reference]
    assert up.new_ticket(row).phone == PHONE  # still there for whoever holds the key
    stored = b"".join(p.read_bytes() for p in channel_dir.iterdir() if p.is_file())
    for form in (PHONE, "139 1234 5678", "139-1234-5678", "张三"):
        assert form.encode() not in stored
    assert PHONE not in caplog.text and "张三" not in caplog.text
    assert caplog.text  # the test saw the logs it checks


def test_two_processes_delivering_at_once_file_each_ticket_once(
    make_outbox, dead_url, backend, proxy, marker, tickets_on
):
    away = make_outbox(dead_url, backend.api_key)
    away.client.retries = 0  # queue them without the client's retries against a port known dead
    refs = [away.file(new_ticket(f"{marker}-{i}"), uuid.uuid4().hex, "sender-8").reference for i in range(12)]
    script = textwrap.dedent(
        f"""
        from bot.crypto import Vault
        from bot.dispatch import DispatchClient, Outbox
        outbox = Outbox({make_outbox.database_url!r}, DispatchClient({proxy.url()!r}, {backend.api_key!r}),
                        Vault({make_outbox.data_key!r}), retry_base=0.0)
        print(outbox.deliver_pending())
        """
    )
    env = process_env()
    runs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    counts = [int(run.communicate(timeout=120)[0]) for run in runs]
    assert all(run.returncode == 0 for run in runs)
    assert sum(counts) == 12
    assert proxy.count("POST") == 12  # each row claimed by one process only: not even a harmless double send
    filed = tickets_on(backend.url, backend.api_key)
    assert len(filed) == 12 and len({t.service_request_id for t in filed}) == 12
    assert sorted(away.resolve(r) for r in refs) == sorted(t.service_request_id for t in filed)
    rows = away.tickets_of("sender-8")
    assert all(isinstance(r, Submission) and r.state == "delivered" for r in rows)


def test_a_confirmation_repeated_at_the_same_moment_files_one_ticket(make_outbox, backend, marker, tickets_on):
    from concurrent.futures import ThreadPoolExecutor

    outbox = make_outbox(backend.url, backend.api_key)
    key = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=6) as pool:
        filings = list(pool.map(lambda _: outbox.file(new_ticket(marker), key, "sender-9"), range(6)))
    (row,) = outbox.tickets_of("sender-9")
    # Each answer points at the one ticket: the real id, or the provisional reference that resolves to it.
    assert {outbox.resolve(f.reference) for f in filings} == {row.ticket_id}
    assert len(tickets_on(backend.url, backend.api_key)) == 1
