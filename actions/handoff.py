"""A human operator (人工)."""
from datetime import datetime, timezone
from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from actions.intake import leave_form


class ActionHandoff(Action):
    """Hands over to the live-agent desk, which finds waiting conversations by the `handoff` slot."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff")
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return leave_form(tracker) + [SlotSet("handoff", stamp)]
