"""Messages the NLU was unsure of, took for a stray detail or for a "no" to nothing asked: a problem to file
still starts the form."""
from typing import List, Text

from rasa_sdk import Action
from rasa_sdk.events import EventType, SlotSet

from actions.intake import PRAISE_OFFER, UNCLEAR, open_events
from bot import intake, triage


class ActionTriage(Action):
    """An unsure or out-of-form message that reads like a problem still starts the form, never a dead end."""

    def name(self) -> Text:
        return "action_triage"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        heard = (tracker.latest_message.get("intent") or {}).get("name")
        # A message that says only where ("朝阳区望京西园三区5号楼") is a report begun with its place. One heard as
        # a stray detail that says much besides its number and address is no detail: every detail we trained on is
        # shorter (zh26's 43 characters on a residents' committee's rigged tender were one).
        if intake.looks_like_report(text) or intake.only_a_place(text) or (
                heard == "inform" and triage.says_much(intake.beyond_details(text)) and intake.is_description(text)):
            return open_events(dispatcher, tracker) + [SlotSet("triaged_report", True)]
        # A bare "no" or "不方便说" to nothing asked is no misunderstanding: the citizen hears what the bot can do. A
        # "no" that says much is a matter we could not place (zh25's question whether a photo-reporting reward still
        # exists, "…至今没有奖励…", was a no): offered to be filed, below.
        if heard == "stay_anonymous" or (heard == "deny" and not triage.substantive(text)):
            dispatcher.utter_message(response="utter_help")
        elif intake.is_description(text):
            # Said something, but no problem we could tell: one tap (or "我想反映个问题") files these very words
            # (actions.intake.offered_to_file), so a complaint we misread is not lost or typed again.
            dispatcher.utter_message(response=UNCLEAR)
        else:
            dispatcher.utter_message(response="utter_default")
        return [SlotSet("triaged_report", False)]


class ActionThank(Action):
    """Thanks. One of some length that opens a conversation thanks the city for something done ("谢谢你们为居民办了
    好事、实事", "谢谢你们修好了路灯"): at 12345 that is a 表扬, so the reply offers to file it as praise. After a
    ticket, or as short as "太感谢你们了" and "thank you very much", it is a courtesy."""

    def name(self) -> Text:
        return "action_thank"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        first = sum(1 for event in tracker.events if event.get("event") == "user") <= 1
        dispatcher.utter_message(response=PRAISE_OFFER if first and triage.thanks_for_something(text) else "utter_thank")
        return []
