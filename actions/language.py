"""The `language` slot, set from every message the citizen writes (a custom slot mapping in domain.yml)."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language_said


class ActionDetectLanguage(Action):
    def name(self) -> Text:
        return "action_detect_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        said = language_said(tracker)
        if not said or said == tracker.get_slot("language"):
            return []
        return [SlotSet("language", said)]
