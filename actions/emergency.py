"""Emergencies (docs/INTERFACE.md): the number to call first, and never a dead end."""
from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from actions.common import language
from actions.intake import leave_form, start_events
from bot import emergency


class ActionEmergency(Action):
    """The number to call in the first reply; no form, no ticket. The message is kept: the reply's
    "不紧急,继续登记" button files it (action_not_urgent)."""

    def name(self) -> Text:
        return "action_emergency"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        advice = emergency.advice(text, language(tracker))
        dispatcher.utter_message(response="utter_emergency", **advice)
        return leave_form(tracker) + [SlotSet("emergency_text", text)]


class ActionNotUrgent(Action):
    """"Not urgent, file it": the intake starts with the emergency message as the description."""

    def name(self) -> Text:
        return "action_not_urgent"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        kept = tracker.get_slot("emergency_text") or ""
        dispatcher.utter_message(response="utter_not_urgent")
        return start_events(tracker, kept, "report_issue") + [SlotSet("emergency_text", None)]
