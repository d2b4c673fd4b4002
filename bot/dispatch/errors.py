"""The dispatch client's error tree: callers catch what they can act on, not `requests` internals."""
from typing import Optional, Union


class DispatchError(Exception):
    """Anything that went wrong talking to the dispatch backend."""


class DispatchUnavailable(DispatchError):
    """The backend could not be reached or did not answer properly (timeout, connection, 5xx, 429, bad body).

    Worth trying again later; `retry_after` carries the backend's own hint in seconds when it gave one.
    """

    def __init__(self, message: str, *, status: Optional[int] = None, retry_after: Optional[float] = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class DispatchRejected(DispatchError):
    """The backend refused the request (4xx); trying again with the same data will not help."""

    def __init__(
        self,
        description: str,
        *,
        code: Union[int, str, None] = None,
        status: Optional[int] = None,
    ):
        super().__init__(f"{code}: {description}" if code is not None else description)
        self.code = code
        self.description = description
        self.status = status


class TicketNotFound(DispatchRejected):
    """No ticket with that id (404)."""


class AlreadyRated(DispatchRejected):
    """The ticket has its rating already (409): a ticket is rated once."""


class RatingRefused(Exception):
    """A rating the channel does not pass on (or the backend refused for good); `reason` says why:
    not_yours (the ticket was not filed from this conversation), not_resolved, already_rated."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
