"""Questions (咨询): answered from the FAQ only when it fits, otherwise filed as an inquiry ticket."""
from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from actions.common import language
from actions.intake import open_events, start_events
from bot import faq


class ActionHandleInquiry(Action):
    def name(self) -> Text:
        return "action_handle_inquiry"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        question = tracker.latest_message.get("text") or ""
        answer = faq.answer(question, language(tracker))
        if answer:
            # With a "这没回答我的问题,帮我登记" button: a wrong answer must not end the request.
            dispatcher.utter_message(response="utter_faq", answer=answer)
            return [SlotSet("inquiry_unanswered", False), SlotSet("faq_question", question)]
        dispatcher.utter_message(response="utter_inquiry_to_ticket")
        return open_events(dispatcher, tracker) + [SlotSet("inquiry_unanswered", True)]


class ActionFileInquiry(Action):
    """"That did not answer my question": the question the FAQ answered becomes an inquiry ticket."""

    def name(self) -> Text:
        return "action_file_inquiry"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        question = tracker.get_slot("faq_question") or ""
        dispatcher.utter_message(response="utter_inquiry_to_ticket")
        return start_events(tracker, question, "inquire") + [SlotSet("faq_question", None)]
