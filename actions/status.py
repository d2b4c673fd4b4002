"""How a ticket is going: by id or "my tickets"; others' tickets only after the phone's last four digits."""
import asyncio
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import entity, language, outbox, service_words, when
from bot import phone as phones
from bot.vocabulary import status_words
from bot.dispatch import DispatchError, DispatchUnavailable, TicketNotFound
from bot.dispatch.outbox import PROVISIONAL

MAX_TRIES = 3
MAX_LISTED = 3


async def _blocking(function, *args):
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


async def tell(dispatcher: CollectingDispatcher, tracker: Tracker, reference: Text) -> None:
    """Status in plain words with the latest note; a provisional reference says queued until delivered."""
    box = outbox()
    lang = language(tracker)
    ticket_id = box.resolve(reference)
    if ticket_id is None:
        dispatcher.utter_message(response="utter_status_queued", reference=reference)
        return
    try:
        ticket = await _blocking(box.client.get, ticket_id)
    except TicketNotFound:
        dispatcher.utter_message(response="utter_status_unknown", ticket_id=ticket_id)
        return
    except DispatchError:
        dispatcher.utter_message(response="utter_status_unavailable")
        return
    zh, en = status_words(ticket.status or "received")
    note = ticket.notes[-1].note if ticket.notes and ticket.notes[-1].note else ""
    latest = (f"Latest: {note}. " if lang == "en" else f"最新进展:{note}。") if note else ""
    dispatcher.utter_message(
        response="utter_status",
        ticket_id=ticket.service_request_id,
        status_zh=zh,
        status_en=en,
        latest=latest,
        expected=when(ticket.expected_datetime, lang),
        **service_words(ticket.service_code),
    )


def _own(tracker: Tracker, reference: Text) -> bool:
    submission = outbox().conversation_of(reference)
    return submission is not None and submission.sender_id == tracker.sender_id


class ActionCheckStatus(Action):
    def name(self) -> Text:
        return "action_check_status"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        reference = entity(tracker, "ticket_id")
        done = [SlotSet("needs_verification", False)]
        if not reference:
            mine = outbox().tickets_of(tracker.sender_id)[:MAX_LISTED]
            if not mine:
                dispatcher.utter_message(response="utter_no_tickets")
            for submission in mine:
                await tell(dispatcher, tracker, submission.ticket_id or submission.reference)
            return done
        reference = reference.upper()
        if _own(tracker, reference) or reference in (tracker.get_slot("verified_tickets") or []):
            await tell(dispatcher, tracker, reference)
            return done
        if tracker.active_loop_name:
            dispatcher.utter_message(response="utter_busy_in_form")
            return done
        if PROVISIONAL.match(reference):
            dispatcher.utter_message(response="utter_status_unknown", ticket_id=reference)
            return done
        try:
            await _blocking(outbox().client.get, reference)
        except TicketNotFound:
            dispatcher.utter_message(response="utter_status_unknown", ticket_id=reference)
            return done
        except DispatchError:
            dispatcher.utter_message(response="utter_status_unavailable")
            return done
        return [
            SlotSet("needs_verification", True),
            SlotSet("verify_ticket", reference),
            SlotSet("verify_attempts", 0),
            SlotSet("verify_digits", None),
        ]


class ValidateVerifyForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_verify_form"

    async def validate_verify_digits(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        reference = tracker.get_slot("verify_ticket")
        digits = re.sub(r"\D", "", str(value or ""))
        try:
            ticket = await _blocking(outbox().client.get, reference)
        except DispatchError:
            dispatcher.utter_message(response="utter_status_unavailable")
            return {"verify_digits": "unavailable"}
        if len(digits) == 4 and phones.last4(ticket.phone) == digits:
            await tell(dispatcher, tracker, reference)
            verified = list(tracker.get_slot("verified_tickets") or []) + [reference]
            return {"verify_digits": "verified", "verified_tickets": verified}
        tries = int(tracker.get_slot("verify_attempts") or 0) + 1
        if tries >= MAX_TRIES:
            dispatcher.utter_message(response="utter_verify_refused")
            return {"verify_digits": "refused", "verify_attempts": tries}
        dispatcher.utter_message(response="utter_verify_wrong")
        return {"verify_digits": None, "verify_attempts": tries}


class ActionVerifyDone(Action):
    def name(self) -> Text:
        return "action_verify_done"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        return [SlotSet("verify_digits", None), SlotSet("verify_ticket", None), SlotSet("needs_verification", None)]


class ActionTicketUpdate(Action):
    """News of a status change (intent EXTERNAL_ticket_update, triggered by the notify channel)."""

    def name(self) -> Text:
        return "action_ticket_update"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        ticket_id = entity(tracker, "ticket_id")
        status = entity(tracker, "status") or "received"
        note = entity(tracker, "note") or ""
        zh, en = status_words(status)
        dispatcher.utter_message(response="utter_ticket_update", ticket_id=ticket_id, status_zh=zh, status_en=en, note=note)
        if status == "resolved":
            dispatcher.utter_message(response="utter_ask_rating", ticket_id=ticket_id)
            return [SlotSet("rating_ticket", ticket_id)]
        return []


class ActionRecordRating(Action):
    def name(self) -> Text:
        return "action_record_rating"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        rating = entity(tracker, "rating")
        ticket_id = entity(tracker, "ticket_id") or tracker.get_slot("rating_ticket")
        if not ticket_id or rating not in ("satisfied", "basically_satisfied", "unsatisfied"):
            dispatcher.utter_message(response="utter_rating_no_ticket")
            return []
        try:
            await _blocking(outbox().client.feedback, ticket_id, rating)
        except DispatchUnavailable:
            _keep_for_later(ticket_id, rating)
        except DispatchError:
            pass  # refused (unknown ticket): nothing to keep
        dispatcher.utter_message(response="utter_rating_recorded")
        return [SlotSet("rating_ticket", None)]


def _keep_for_later(ticket_id: Text, rating: Text) -> None:
    from sqlalchemy.orm import Session

    from bot.db import Feedback

    with Session(outbox().engine, future=True) as session, session.begin():
        session.add(Feedback(ticket_id=ticket_id, rating=rating))
