"""Photos in the conversation: kept for the ticket from whichever message brings them, their GPS offered as the place."""
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.common import language
from bot.media import MediaStore
from bot.settings import Settings

MAX_PHOTOS = 20  # the backend's limit for one ticket

_store: Optional[MediaStore] = None


def media_store() -> MediaStore:
    global _store
    if _store is None:
        _store = MediaStore.from_settings(Settings.load())
    return _store


def photo_gps(tracker: Tracker) -> Optional[Tuple[float, float]]:
    point = tracker.get_slot("photo_gps")
    try:
        return float(point[0]), float(point[1])
    except (TypeError, ValueError, IndexError):
        return None


def photo_line(tracker: Tracker, lang: Text) -> Text:
    """The summary's line about photos ("" without any)."""
    count = len(tracker.get_slot("photos") or [])
    if not count:
        return ""
    return f"\n- Photos: {count}" if lang == "en" else f"\n- 照片:{count} 张"


class ActionKeepPhotos(Action):
    """The custom slot mapping of `photos`, run on every message: the photos a channel attached to it.

    Only entries the channel sealed for this conversation count (bot.media.MediaStore.genuine), so a REST
    or Socket.IO caller cannot attach a photo it did not upload by writing metadata."""

    def name(self) -> Text:
        return "action_keep_photos"

    async def run(self, dispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        found = media_store().genuine(tracker.sender_id, tracker.latest_message.get("metadata"))
        if not found:
            return []
        kept = list(tracker.get_slot("photos") or [])
        kept += [p["url"] for p in found if p["url"] not in kept]
        events: List[EventType] = [SlotSet("photos", kept[:MAX_PHOTOS])]
        located = [p for p in found if isinstance(p.get("lat"), (int, float)) and isinstance(p.get("long"), (int, float))]
        if located and tracker.get_slot("lat") is None and not tracker.get_slot("address"):
            events.append(SlotSet("photo_gps", [located[-1]["lat"], located[-1]["long"]]))
        return events


class ActionPhotoReceived(Action):
    """A photo with no words: outside the intake it starts one (the form asks what and where); inside, it is
    acknowledged and the form goes on."""

    def name(self) -> Text:
        return "action_photo_received"

    async def run(self, dispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        from actions.intake import start_events

        if tracker.active_loop_name != "intake_form":
            return start_events(tracker, text="", intent="report_issue")
        if tracker.get_slot("requested_slot") != "description":  # there the question itself says it
            dispatcher.utter_message(response="utter_photo_kept", count=len(tracker.get_slot("photos") or []))
        return []


class ActionAskDescription(Action):
    def name(self) -> Text:
        return "action_ask_description"

    async def run(self, dispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(response="utter_photo_received" if intent == "send_photo" else "utter_ask_description")
        return []


class ActionAskAddress(Action):
    """Asks for the place; when a photo carries its position, first offers that (the citizen decides)."""

    def name(self) -> Text:
        return "action_ask_address"

    async def run(self, dispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        point = photo_gps(tracker)
        if point is None:
            dispatcher.utter_message(response="utter_ask_address")
        else:
            dispatcher.utter_message(response="utter_ask_photo_location", lat=f"{point[0]:.6f}", long=f"{point[1]:.6f}")
        return []


def photo_place(tracker: Tracker) -> Dict[Text, Any]:
    """The slots for the answer to the offer: the photo's position as the place, or the offer withdrawn."""
    point = photo_gps(tracker)
    if point is None:
        return {"address": None, "photo_gps": None}
    words = "Where the photo was taken" if language(tracker) == "en" else "照片拍摄位置"
    return {"address": f"{words} ({point[0]:.6f}, {point[1]:.6f})", "lat": point[0], "long": point[1], "photo_gps": None}
