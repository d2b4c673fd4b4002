"""A background thread that keeps delivering the outbox (started by the action server)."""
import logging
import threading
from typing import Optional

log = logging.getLogger(__name__)


class DeliveryThread(threading.Thread):
    """Calls `outbox.deliver_pending()` every `interval` seconds until `stop_event` is set."""

    def __init__(self, outbox, interval: float = 5.0, stop_event: Optional[threading.Event] = None):
        super().__init__(name="outbox-delivery", daemon=True)
        self.outbox = outbox
        self.interval = interval
        self.stop_event = stop_event or threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                delivered = self.outbox.deliver_pending()
                if delivered:
                    log.info("outbox: %d queued ticket(s) delivered", delivered)
            except Exception:  # a bad round (database away, say) must not end the thread
                log.exception("outbox delivery round failed")
            self.stop_event.wait(self.interval)

    def stop(self, timeout: Optional[float] = None) -> None:
        self.stop_event.set()
        self.join(timeout)


def start_delivery_thread(
    outbox, interval: float = 5.0, stop_event: Optional[threading.Event] = None
) -> DeliveryThread:
    """Start the daemon thread that drains the outbox; `thread.stop()` (or setting the event) ends it."""
    thread = DeliveryThread(outbox, interval, stop_event)
    thread.start()
    return thread
