"""Dispatch client and durable outbox: how the channel files tickets with the Open311 backend."""
from bot.dispatch.client import DispatchClient
from bot.dispatch.delivery import DeliveryThread, start_delivery_thread
from bot.dispatch.errors import (
    AlreadyRated,
    DispatchError,
    DispatchRejected,
    DispatchUnavailable,
    RatingRefused,
    TicketNotFound,
)
from bot.dispatch.models import Filing, NewTicket, Note, Ticket, Verification
from bot.dispatch.outbox import Outbox, filing_key, provisional_reference

__all__ = [
    "AlreadyRated",
    "DeliveryThread",
    "DispatchClient",
    "DispatchError",
    "DispatchRejected",
    "DispatchUnavailable",
    "Filing",
    "NewTicket",
    "Note",
    "Outbox",
    "RatingRefused",
    "Ticket",
    "Verification",
    "filing_key",
    "TicketNotFound",
    "provisional_reference",
    "start_delivery_thread",
]
