"""The intake form: start it from the first message, validate answers, summarize, file once, cancel."""
import asyncio
import logging
import uuid
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, entity, language, outbox, service_words, when
from actions.photos import media_urls, photo_line, photo_place
from bot import duplicates, emergency, intake, services, triage
from bot import phone as phones
from bot.dispatch import DispatchRejected, NewTicket
from bot.nlu import category, gazetteer
from bot.vocabulary import status_words

log = logging.getLogger(__name__)
REQUEST_TYPES = {"report_issue": "complaint", "suggest": "suggestion", "praise": "praise", "inquire": "inquiry"}
FORM_SLOTS = (
    "description", "address", "contact_name", "phone", "confirmed",
    "service_code", "district", "urgency", "intake_failures", "lat", "long", "photos", "photo_gps",
    "duplicate_of", "join_chosen",
)


def shared_location(tracker: Tracker) -> Optional[Tuple[float, float]]:
    """Coordinates a platform attached to the message (Telegram: metadata.location, WeChat: metadata.lat/long)."""
    metadata = tracker.latest_message.get("metadata") or {}
    point = metadata.get("location") if isinstance(metadata.get("location"), dict) else metadata
    try:
        return float(point["lat"]), float(point["long"])
    except (KeyError, TypeError, ValueError):
        return None


MAX_FAILURES = 3
# The reply to a message that said something but no problem the bot could tell, with a button to file it anyway.
UNCLEAR = "utter_default_file_it"
# The reply to a thanks of some length that opens a conversation, with a button to file it as praise (表扬).
PRAISE_OFFER = "utter_thank_file_praise"
# Replies whose button files the citizen's message before it as it was written.
OFFERS_TO_FILE = (UNCLEAR, PRAISE_OFFER)


def offered_to_file(tracker: Tracker) -> Optional[Text]:
    """The citizen's message just before this one, when the bot answered it with one of OFFERS_TO_FILE: its words
    are what the citizen now asks to file, with the button or the same words typed ("我想反映个问题", "我想表扬一下")."""
    messages = [event for event in tracker.events if event.get("event") == "user"]
    if len(messages) < 2 or not set(_said_since_their_last_message(tracker)) & set(OFFERS_TO_FILE):
        return None
    return messages[-2].get("text")


def start_events(tracker: Tracker, text: Optional[Text] = None, intent: Optional[Text] = None) -> List[EventType]:
    """Everything the first message already says, so that the form asks only for what is missing.
    `text` and `intent`: the message the form starts from, when it is not the latest one."""
    if text is None:
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
    events = [
        SlotSet("submission_key", uuid.uuid4().hex),
        SlotSet("request_type", REQUEST_TYPES.get(intent, "complaint")),
        SlotSet("intake_failures", 0),
        SlotSet("confirmed", None),
        SlotSet("urgency", "normal"),
    ]
    place = intake.only_a_place(text)  # the address, and the form asks what happened there
    if not place and intake.is_description(text) and not intake.too_long(text) and not text.startswith("/"):
        events += [SlotSet("description", text), SlotSet("service_code", category.predict(text)[0])]
    else:
        events += [SlotSet("description", None), SlotSet("service_code", None)]
    address = place or intake.address_in(text[: intake.MAX_READ])
    events.append(SlotSet("address", address))
    if address:
        events.append(SlotSet("district", gazetteer.find_district(address)))
    return events


def open_events(dispatcher, tracker: Tracker, text: Optional[Text] = None, intent: Optional[Text] = None) -> List[EventType]:
    """start_events, and what the citizen must hear first: a description too long to file (told now, not at
    the confirmation), or the emergency numbers when the NLU was unsure whether there is danger now. A bare "I want
    to report something" right after a reply that offered to file the message before (OFFERS_TO_FILE) starts from
    that message, as the announcement's request type ("我想表扬一下": praise)."""
    latest = tracker.latest_message.get("text") or ""
    kept = offered_to_file(tracker) if text is None and triage.announces_report(latest) else None
    if kept:
        text, intent = kept, (tracker.latest_message.get("intent") or {}).get("name")
    events = start_events(tracker, text, intent)
    said = latest if text is None else text
    if intake.too_long(said):
        dispatcher.utter_message(response="utter_too_long", length=len(said), limit=intake.MAX_DESCRIPTION)
    if text is None and entity(tracker, "urgency") == "unsure":
        dispatcher.utter_message(response="utter_emergency_unsure", **emergency.advice(said, language(tracker)))
        events.append(SlotSet("urgency", "critical"))
    return events


def leave_form(tracker: Tracker) -> List[EventType]:
    # Always: the rules expect the actions that use this to end any form, whether one was active or not.
    return (reset_events() if tracker.active_loop_name else []) + [ActiveLoop(None)]


def reset_events() -> List[EventType]:
    return [SlotSet(name, None) for name in FORM_SLOTS] + [SlotSet("requested_slot", None)]


class ActionStartIntake(Action):
    def name(self) -> Text:
        return "action_start_intake"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        return open_events(dispatcher, tracker)


class ValidateIntakeForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_intake_form"

    def _fail(self, dispatcher, tracker, response: Text, slot: Text) -> Dict[Text, Any]:
        failures = int(tracker.get_slot("intake_failures") or 0) + 1
        dispatcher.utter_message(response=response)
        if failures >= MAX_FAILURES and failures % MAX_FAILURES == 0:
            dispatcher.utter_message(response="utter_offer_human")
        return {slot: None, "intake_failures": failures}

    def validate_description(self, value, dispatcher, tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = value if isinstance(value, str) else ""
        heard = (tracker.latest_message.get("intent") or {}).get("name")
        if heard == "ask_help" and _wants_help(tracker, text):
            # Said here: the form took the text as its answer, so the rule for help inside the form does not run,
            # and the question alone, asked again, was a loop ("白湖河什么时候能整治", twice). The same words after
            # the help are the answer.
            dispatcher.utter_message(response="utter_help")
            return {"description": None}
        if intake.too_long(text):
            dispatcher.utter_message(response="utter_too_long", length=len(text), limit=intake.MAX_DESCRIPTION)
            return {"description": None}
        # A title that reads as a report ("Pothole", "Power Outage") is enough, and more is asked for only once:
        # a citizen with nothing to add ("Junction Box", twice) was asked again and again.
        enough = intake.is_description(text) or intake.looks_like_report(text)
        if not enough and "utter_invalid_description" in _said_since_their_last_message(tracker):
            enough = bool(text.strip()) and not triage.announces_report(text)
        if enough:
            return {"description": text, "service_code": category.predict(text)[0]}
        return self._fail(dispatcher, tracker, "utter_invalid_description", "description")

    def validate_address(self, value, dispatcher, tracker, domain: DomainDict) -> Dict[Text, Any]:
        answer = (tracker.latest_message.get("intent") or {}).get("name")
        if answer == "use_photo_location":
            return photo_place(tracker)
        if answer == "decline_photo_location":
            return {"address": None, "photo_gps": None}  # asked again, in words this time
        point = shared_location(tracker)
        if isinstance(value, str) and phones.normalize(value) and not point:
            return {"address": None}  # a phone given early: its slot took it; just ask for the place again
        if isinstance(value, str) and (intake.is_findable(value) or point):
            slots = {"address": value.strip(), "district": gazetteer.find_district(value) or tracker.get_slot("district")}
            if point:
                slots.update(lat=point[0], long=point[1])
            return slots
        return self._fail(dispatcher, tracker, "utter_invalid_address", "address")

    def validate_contact_name(self, value, dispatcher, tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value == "anonymous":
            return {"contact_name": "anonymous"}
        if isinstance(value, str) and intake.only_courtesy(value):
            return {"contact_name": None}  # "谢谢", "hello": no name yet; the form asks again
        name = intake.clean_name(value) if isinstance(value, str) else None
        if name:
            return {"contact_name": name}
        if isinstance(value, str) and phones.normalize(value):
            # The phone (its slot took it) with the name beside it, "王阿姨 15900001111"; a phone alone: ask the name.
            return {"contact_name": intake.name_beside_phone(value)}
        return self._fail(dispatcher, tracker, "utter_invalid_name", "contact_name")

    def validate_phone(self, value, dispatcher, tracker, domain: DomainDict) -> Dict[Text, Any]:
        number = phones.normalize(str(value)) if value else None
        if number:
            return {"phone": number}
        return self._fail(dispatcher, tracker, "utter_invalid_phone", "phone")

    def validate_confirmed(self, value, dispatcher, tracker, domain: DomainDict) -> Dict[Text, Any]:
        said = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if tracker.get_slot("duplicate_of") and (intent == "join_ticket" or intake.asks_to_join(said)):
            return {"confirmed": True, "join_chosen": True}
        if intent == "thank" and not intake.thanks_say_yes(said):
            dispatcher.utter_message(response="utter_thank")  # and the summary again
            return {"confirmed": None}
        if value is True and (_changes(tracker, said) or intake.category_doubted(said)):
            value = False  # "类别是供暖" reads as a yes (是), but it changes what the citizen is asked to confirm
        if value is True and not _asks(said):
            return {"confirmed": True}
        if value is True:  # "嗯?" reads as affirm, but a question files nothing
            dispatcher.utter_message(response="utter_confirm_plainly")
            return {"confirmed": None}
        changes = intake.correction(said)
        slots: Dict[Text, Any] = {"confirmed": None}
        if "phone" in changes:
            slots["phone"] = phones.normalize(changes["phone"])
        if "address" in changes and intake.is_findable(changes["address"]):
            slots["address"] = changes["address"]
            slots["district"] = gazetteer.find_district(changes["address"]) or tracker.get_slot("district")
        named = services.named_in(said)
        doubted = intake.category_doubted(said)
        if not doubted and ("service_code" in changes or (named and not changes)):
            words = changes.get("service_code", "")
            slots["service_code"] = named or services.named_in(words) or category.predict(words)[0]
        if "contact_name" in changes and intake.clean_name(changes["contact_name"]):
            slots["contact_name"] = intake.clean_name(changes["contact_name"])
        if "description" in changes and intake.is_description(changes["description"]):
            slots["description"] = changes["description"]
            slots["service_code"] = category.predict(changes["description"])[0]
        if len(slots) == 1 and not doubted:  # a doubted category gets the whole list with the summary
            dispatcher.utter_message(response="utter_what_to_change")
        return slots


def _changes(tracker: Tracker, text: Text) -> bool:
    """The message names a category or a phone other than the summary's: a correction, whatever its intent."""
    named, phones_said = services.named_in(text), phones.find_all(text)
    return bool(named and named != tracker.get_slot("service_code") or phones_said and phones_said[-1] != tracker.get_slot("phone"))


def _asks(text: Text) -> bool:
    """A question or a doubt, not a yes: "嗯?", "对吗", "是这样吗?", "ok?" ("嗯呢" is a yes)."""
    said = text.strip().rstrip("。.!！~～ ")
    return said.endswith(("吗", "么")) or "?" in said or "？" in said


def _said_since_their_last_message(tracker: Tracker) -> List[Text]:
    """The responses the bot gave between the citizen's previous message and this one."""
    said, messages = [], 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            messages += 1
            if messages == 2:
                break
        elif event.get("event") == "bot" and messages == 1:
            said.append((event.get("metadata") or {}).get("utter_action"))
    return said


def _just_warned(tracker: Tracker) -> bool:
    """The bot's last words were the emergency reply (or its follow-up), whose message is kept to be filed."""
    said = next((e for e in reversed(tracker.events) if e.get("event") == "bot"), {})
    warned = (said.get("metadata") or {}).get("utter_action") in ("utter_emergency", "utter_emergency_followup")
    return warned and bool(tracker.get_slot("emergency_text"))


class ActionHelpInForm(Action):
    """Help asked inside the form. At the description question only a real help request gets the help text:
    anything else the classifier calls ask_help there is left to the form as the description."""

    def name(self) -> Text:
        return "action_help_in_form"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        said = tracker.latest_message.get("text") or ""
        if tracker.get_slot("requested_slot") != "description" or _wants_help(tracker, said):
            dispatcher.utter_message(response="utter_help")
        return []


def _wants_help(tracker: Tracker, text: Text) -> bool:
    """At the description question: a help request, and not the same answer again right after the help text
    (then it is the answer, not a loop)."""
    return intake.asks_for_help(text) and "utter_help" not in _said_since_their_last_message(tracker)


class ActionAskContactName(Action):
    """The name question, with the phone question in it while no phone is known: one turn fewer."""

    def name(self) -> Text:
        return "action_ask_contact_name"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        asked = "utter_ask_contact_name" if tracker.get_slot("phone") else "utter_ask_name_and_phone"
        dispatcher.utter_message(response=asked)
        return []


class ActionAskConfirmed(Action):
    """The summary the citizen confirms, with the predicted category and agency."""

    def name(self) -> Text:
        return "action_ask_confirmed"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        lang = language(tracker)
        name = tracker.get_slot("contact_name")
        if name == "anonymous" or not name:
            name = "匿名" if lang == "zh" else "anonymous"
        code, description = tracker.get_slot("service_code"), tracker.get_slot("description") or ""
        guessed, confidence = category.predict(description[: intake.MAX_READ])
        choices = []
        if intake.category_doubted(tracker.latest_message.get("text") or ""):
            # "类别不对" names no category: every other one, likeliest first, one tap away.
            dispatcher.utter_message(response="utter_choose_category")
            ranked = [other for other, _ in category.ranking(description[: intake.MAX_READ])]
            choices = [services.choice(other, lang) for other in ranked if other not in (code, "other")]
            if code != "other":
                choices.append(services.none_of_these(lang))
        elif code == guessed and category.unsure(description[: intake.MAX_READ], confidence):
            # The citizen's eye is the safety net where the classifier is unsure (bot/nlu/category.py);
            # a category they corrected is not questioned again. The likelier other categories ride on the
            # summary's own message: a channel numbering options per message (WeChat) keeps one set of numbers.
            # When none of them fits, the last button asks for the whole list.
            dispatcher.utter_message(response="utter_category_unsure", **service_words(code))
            choices = [services.choice(other, lang) for other in category.alternatives(description[: intake.MAX_READ])]
            choices.append(services.more_choices(lang))
        summary = dict(
            description=tracker.get_slot("description"),
            address=tracker.get_slot("address"),
            name=name,
            phone=tracker.get_slot("phone"),
            photo_line=photo_line(tracker, lang),
            **service_words(tracker.get_slot("service_code")),
        )
        try:
            found = await asyncio.get_running_loop().run_in_executor(
                None, duplicates.offer, outbox(), tracker.sender_id, code, tracker.get_slot("address"),
                tracker.get_slot("lat"), tracker.get_slot("long"), tracker.get_slot("district"),
            )
        except Exception:  # the offer is a courtesy: the summary the citizen waits for must not fail with it
            log.exception("duplicate offer failed; the summary goes without it")
            found = None
        if found is None:
            dispatcher.utter_message(response="utter_summary", buttons=choices, **summary)
            return [SlotSet("duplicate_of", None)]
        zh, en = status_words(found.status or "received")
        others = found.followers
        dispatcher.utter_message(
            response="utter_summary_offer",
            ticket_id=found.ticket_id,
            place=found.place or tracker.get_slot("address"),
            status_zh=zh,
            status_en=en,
            followers_zh=f",已有 {others + 1} 位市民反映" if others else "",
            followers_en=f", reported by {others + 1} citizens so far" if others else "",
            buttons=choices,
            **summary,  # the offered ticket has the report's category: the lookup asks for that code
        )
        return [SlotSet("duplicate_of", found.ticket_id)]


class ActionFileTicket(Action):
    def name(self) -> Text:
        return "action_file_ticket"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        lang = language(tracker)
        if tracker.get_slot("confirmed") is not True or not tracker.get_slot("description"):
            if _just_warned(tracker):  # "好的" to the emergency reply: not a dead end, the offer stays
                dispatcher.utter_message(response="utter_emergency_followup")
            elif tracker.get_slot("ticket_id"):
                dispatcher.utter_message(response="utter_already_filed", ticket_id=tracker.get_slot("ticket_id"))
            else:
                dispatcher.utter_message(response="utter_help")
            return []
        name = tracker.get_slot("contact_name")
        ticket = NewTicket(
            service_code=tracker.get_slot("service_code") or "other",
            description=tracker.get_slot("description"),
            address=tracker.get_slot("address"),
            contact_name=None if name in (None, "anonymous") else name,
            phone=tracker.get_slot("phone"),
            request_type=tracker.get_slot("request_type") or "complaint",
            urgency=tracker.get_slot("urgency") or "normal",
            district=tracker.get_slot("district"),
            lat=tracker.get_slot("lat"),
            long=tracker.get_slot("long"),
            language=lang,
            media_urls=media_urls(tracker),
        )
        box = outbox()
        key = tracker.get_slot("submission_key") or uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        joining = tracker.get_slot("duplicate_of") if tracker.get_slot("join_chosen") else None
        if joining:
            try:
                # Stored before the backend hears of it: from now on this conversation is told the news.
                await loop.run_in_executor(
                    None, box.join, joining, tracker.sender_id, channel_of(tracker), lang, ticket.media_urls
                )
            except DispatchRejected:
                dispatcher.utter_message(response="utter_join_failed", ticket_id=joining)
            else:
                dispatcher.utter_message(response="utter_joined", ticket_id=joining, **service_words(ticket.service_code))
                return reset_events() + [SlotSet("ticket_id", joining)]
        try:
            # Filing waits on the network (up to the outbox deadline): keep the action server's loop free.
            filing = await loop.run_in_executor(None, box.file, ticket, key, tracker.sender_id, channel_of(tracker), lang)
        except DispatchRejected as exc:
            dispatcher.utter_message(response="utter_rejected", reason=exc.description or str(exc))
            return reset_events()
        if filing.queued or filing.ticket is None:
            dispatcher.utter_message(response="utter_queued", reference=filing.reference)
        else:
            filed = filing.ticket
            dispatcher.utter_message(
                response="utter_filed",
                ticket_id=filed.service_request_id,
                expected=when(filed.expected_datetime, lang),
                **service_words(filed.service_code or ticket.service_code),
            )
        return reset_events() + [SlotSet("ticket_id", filing.reference)]


class ActionCancel(Action):
    def name(self) -> Text:
        return "action_cancel"

    async def run(self, dispatcher, tracker, domain) -> List[EventType]:
        dispatcher.utter_message(response="utter_cancelled")
        return reset_events() + [SlotSet("verify_digits", None), SlotSet("needs_verification", None), ActiveLoop(None)]
