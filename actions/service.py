"""Emergencies, a human operator, and questions answered from the FAQ (or filed as inquiries)."""
from datetime import datetime, timezone
from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import ActiveLoop, EventType, SlotSet

from actions.common import language
from actions.intake import reset_events, start_events
from bot import emergency, faq, intake


def _leave_form(tracker) -> List[EventType]:
    # Always: the rules expect this action to end any form, whether one was active or not.
    return (reset_events() if tracker.active_loop_name else []) + [ActiveLoop(None)]


class ActionEmergency(Action):
    """The number to call in the first reply; no form, no ticket."""

    def name(self) -> Text:
        return "action_emergency"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        advice = emergency.advice(tracker.latest_message.get("text") or "", language(tracker))
        dispatcher.utter_message(response="utter_emergency", **advice)
        return _leave_form(tracker)


class ActionHandoff(Action):
    """Hands over to the live-agent desk, which finds waiting conversations by the `handoff` slot."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff")
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return _leave_form(tracker) + [SlotSet("handoff", stamp)]


class ActionTriage(Action):
    """An unsure or out-of-form message that reads like a problem still starts the form, never a dead end."""

    def name(self) -> Text:
        return "action_triage"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        if intake.looks_like_report(tracker.latest_message.get("text") or ""):
            return start_events(tracker) + [SlotSet("triaged_report", True)]
        dispatcher.utter_message(response="utter_default")
        return [SlotSet("triaged_report", False)]


class ActionHandleInquiry(Action):
    def name(self) -> Text:
        return "action_handle_inquiry"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        lang = language(tracker)
        answer = faq.answer(tracker.latest_message.get("text") or "", lang)
        if answer:
            dispatcher.utter_message(response="utter_faq", answer=answer)
            return [SlotSet("inquiry_unanswered", False)]
        dispatcher.utter_message(response="utter_inquiry_to_ticket")
        return start_events(tracker) + [SlotSet("inquiry_unanswered", True)]
