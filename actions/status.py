"""How a ticket is going: by id or "my tickets"; others' tickets only after the phone's last four digits,
checked by the backend (which counts wrong tries per ticket); ratings only of this conversation's tickets."""
import asyncio
import functools
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import entity, language, outbox, service_words, when
from bot.dispatch import DispatchError, RatingRefused, TicketNotFound
from bot.dispatch.outbox import PROVISIONAL
from bot.vocabulary import RATINGS, status_words

MAX_UNREADABLE = 3  # answers that are not four digits at all; wrong digits are counted by the backend
MAX_LISTED = 3
REFUSALS = {
    "not_yours": "utter_rating_not_yours",
    "already_rated": "utter_rating_already",
    "not_resolved": "utter_rating_not_resolved",
}


async def _blocking(function, *args, **kwargs):
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


async def tell(dispatcher: CollectingDispatcher, tracker: Tracker, reference: Text) -> None:
    """Status in plain words with the latest note; a provisional reference says queued until delivered.
    Only for a ticket this conversation filed or verified: it reads the private view (notes)."""
    box = outbox()
    lang = language(tracker)
    ticket_id = box.resolve(reference)
    if ticket_id is None:
        dispatcher.utter_message(response="utter_status_queued", reference=reference)
        return
    try:
        ticket = await _blocking(box.client.get, ticket_id, private=True)
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
    """Filed or joined by this conversation: a follower sees the ticket it joined as the filer does."""
    submission = outbox().conversation_of(reference)
    if submission is not None and submission.sender_id == tracker.sender_id:
        return True
    return outbox().following_of(reference, tracker.sender_id) is not None


class ActionCheckStatus(Action):
    def name(self) -> Text:
        return "action_check_status"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        reference = entity(tracker, "ticket_id")
        done = [SlotSet("needs_verification", False)]
        if not reference:
            filed = [s.ticket_id or s.reference for s in outbox().tickets_of(tracker.sender_id)]
            joined = [f.ticket_id for f in outbox().followed_by(tracker.sender_id)]
            mine = list(dict.fromkeys(filed + joined))[:MAX_LISTED]
            if not mine:
                dispatcher.utter_message(response="utter_no_tickets")
            for reference in mine:
                await tell(dispatcher, tracker, reference)
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
            SlotSet("verify_attempts", 0),  # unreadable answers in this ask; wrong digits count at the backend
            SlotSet("verify_digits", None),
        ]


class ValidateVerifyForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_verify_form"

    async def validate_verify_digits(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        reference = tracker.get_slot("verify_ticket")
        digits = re.sub(r"\D", "", str(value or ""))
        if len(digits) != 4:
            unreadable = int(tracker.get_slot("verify_attempts") or 0) + 1
            if unreadable >= MAX_UNREADABLE:
                dispatcher.utter_message(response="utter_verify_refused")
                return {"verify_digits": "refused", "verify_attempts": unreadable}
            dispatcher.utter_message(response="utter_verify_four_digits")
            return {"verify_digits": None, "verify_attempts": unreadable}
        try:
            outcome = await _blocking(outbox().client.verify, reference, digits)
        except TicketNotFound:
            dispatcher.utter_message(response="utter_status_unknown", ticket_id=reference)
            return {"verify_digits": "refused"}
        except DispatchError:
            dispatcher.utter_message(response="utter_status_unavailable")
            return {"verify_digits": "unavailable"}
        if outcome.verified:
            await tell(dispatcher, tracker, reference)
            verified = list(tracker.get_slot("verified_tickets") or []) + [reference]
            return {"verify_digits": "verified", "verified_tickets": verified}
        if outcome.locked:
            dispatcher.utter_message(response="utter_verify_locked", until=when(outcome.locked_until, language(tracker)))
            return {"verify_digits": "refused"}
        dispatcher.utter_message(response="utter_verify_wrong")
        return {"verify_digits": None}


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
    """A rating of a ticket this conversation filed; the outbox checks that and keeps it if the backend is away."""

    def name(self) -> Text:
        return "action_record_rating"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        rating = entity(tracker, "rating")
        ticket_id = entity(tracker, "ticket_id") or tracker.get_slot("rating_ticket")
        if not ticket_id or rating not in RATINGS:
            dispatcher.utter_message(response="utter_rating_no_ticket")
            return []
        ticket_id = str(ticket_id).strip().upper()
        try:
            await _blocking(outbox().rate, ticket_id, rating, tracker.sender_id)
        except RatingRefused as refused:
            dispatcher.utter_message(response=REFUSALS.get(refused.reason, "utter_rating_not_yours"), ticket_id=ticket_id)
            return [SlotSet("rating_ticket", None)]
        dispatcher.utter_message(response="utter_rating_recorded")
        return [SlotSet("rating_ticket", None)]
