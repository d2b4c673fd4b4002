"""Fault tests against the real backend: no ticket lost, none filed twice, whatever the network does."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from bot.dispatch import start_delivery_thread
from tests.dispatch.conftest import new_ticket
from tests.dispatch.proxy import wait_for


def test_backend_stopped_during_a_burst_then_started_again(make_outbox, own_backend, marker, tickets_on):
    outbox = make_outbox(own_backend.url, own_backend.api_key, timeout=1.0)
    total, stop_after = 40, 12
    done = threading.Semaphore(0)
    keys = [uuid.uuid4().hex for _ in range(total)]

    def submit(i):
        filing = outbox.file(new_ticket(f"{marker}-{i:02d}"), keys[i], f"burst-{i % 5}")
        done.release()
        return filing

    def stop_midway():
        for _ in range(stop_after):
            done.acquire()
        own_backend.stop()  # while the other submissions are still coming in, some of them in flight

    stopper = threading.Thread(target=stop_midway)
    stopper.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        filings = list(pool.map(submit, range(total)))
    stopper.join()

    queued = [f for f in filings if f.queued]
    assert queued, "the backend went away mid-burst, so some filings must have been queued"
    assert outbox.deliver_pending() == 0  # still away: nothing delivered, nothing lost

    own_backend.start()
    delivered = 0
    for _ in range(5):  # a round stops at the first failure; a few rounds clear the queue
        delivered += outbox.deliver_pending()
    assert delivered == len(queued)

    on_backend = tickets_on(own_backend.url, own_backend.api_key)
    markers = sorted(t.description.split()[-1] for t in on_backend)
    assert markers == sorted(f"{marker}-{i:02d}" for i in range(total))  # each exactly once
    ids = {t.service_request_id for t in on_backend}
    for filing in filings:
        assert outbox.resolve(filing.reference) in ids
    rows = [r for s in range(5) for r in outbox.tickets_of(f"burst-{s}")]
    assert len(rows) == total and {r.state for r in rows} == {"delivered"}
    assert {r.ticket_id for r in rows} == ids


def test_answers_lost_after_the_post_still_make_one_ticket(make_outbox, proxy, backend, marker, tickets_on):
    outbox = make_outbox(proxy.url(), backend.api_key)
    # Lost once: the client's own retry, same Idempotency-Key, gets the ticket the backend already made.
    proxy.fail_next("drop")
    once = outbox.file(new_ticket(f"{marker}-a"), uuid.uuid4().hex, "lost-1")
    assert not once.queued
    # Lost every time within the citizen's wait: queued, then delivered in the background as the same ticket.
    proxy.fail_always("drop")
    always = outbox.file(new_ticket(f"{marker}-b"), uuid.uuid4().hex, "lost-2")
    assert always.queued
    proxy.fail_always(None)
    assert outbox.deliver_pending() == 1

    on_backend = {t.description.split()[-1]: t.service_request_id for t in tickets_on(backend.url, backend.api_key)}
    assert len(tickets_on(backend.url, backend.api_key)) == 2
    assert on_backend[f"{marker}-a"] == once.reference
    assert on_backend[f"{marker}-b"] == outbox.resolve(always.reference)
    assert proxy.count("POST", "drop") >= 3  # the backend saw the same POST several times


def test_backend_failing_or_hanging_queues_then_delivers_once(make_outbox, proxy, backend, marker, tickets_on):
    outbox = make_outbox(proxy.url(), backend.api_key, timeout=2.0)
    proxy.fail_always("500")
    failing = outbox.file(new_ticket(f"{marker}-500"), uuid.uuid4().hex, "fault-1")
    proxy.fail_always("500_after")  # filed, but the answer says it was not
    failing_after = outbox.file(new_ticket(f"{marker}-500after"), uuid.uuid4().hex, "fault-2")
    proxy.fail_always("hang")  # filed, and the answer never comes
    hanging = outbox.file(new_ticket(f"{marker}-hang"), uuid.uuid4().hex, "fault-3")
    assert failing.queued and failing_after.queued and hanging.queued

    proxy.fail_always(None)
    delivered = 0
    for _ in range(3):
        delivered += outbox.deliver_pending()
    assert delivered == 3

    on_backend = tickets_on(backend.url, backend.api_key)
    assert sorted(t.description.split()[-1] for t in on_backend) == sorted(
        f"{marker}-{k}" for k in ("500", "500after", "hang")
    )
    for filing in (failing, failing_after, hanging):
        assert outbox.resolve(filing.reference) in {t.service_request_id for t in on_backend}


def test_the_delivery_thread_delivers_in_the_background_and_stops(make_outbox, proxy, backend, marker, tickets_on):
    outbox = make_outbox(proxy.url(), backend.api_key)
    proxy.fail_always("500")
    filing = outbox.file(new_ticket(marker), uuid.uuid4().hex, "thread-1")
    assert filing.queued
    thread = start_delivery_thread(outbox, interval=0.1)
    assert thread.daemon and thread.is_alive()
    proxy.fail_always(None)
    assert wait_for(lambda: outbox.resolve(filing.reference) is not None)
    thread.stop(timeout=30)
    assert not thread.is_alive()
    assert len(tickets_on(backend.url, backend.api_key)) == 1
