"""Photos in the conversation: kept for the ticket from whichever message brings them, their GPS offered as the place."""
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType

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


def kept_photos(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The genuine photo entries sent since the last reset, oldest first, without repeats, at most MAX_PHOTOS.

    The `photos` slot holds only the latest message's entries (from_entity replaces), so the kept ones are read
    off the events: each SlotSet of `photos` with a list adds the entries sealed for this conversation
    (bot.media.MediaStore.genuine: a REST or Socket.IO caller cannot attach a photo by writing metadata), a
    SlotSet to None (the reset after filing or cancelling) and a restart clear them. A new session carries the
    slot over by setting it again: its entries are already kept."""
    if tracker.get_slot("photos") is None:
        return []  # reset, restarted or never set: nothing since
    kept: List[Dict[Text, Any]] = []
    for event in tracker.events:
        if event.get("event") == "restart":
            kept = []
        if event.get("event") != "slot" or event.get("name") != "photos":
            continue
        value = event.get("value")
        if not isinstance(value, list):
            kept = []
            continue
        urls = {p["url"] for p in kept}
        for photo in media_store().genuine(tracker.sender_id, {"photos": value}):
            if photo["url"] not in urls and len(kept) < MAX_PHOTOS:
                kept.append(photo)
                urls.add(photo["url"])
    return kept


def media_urls(tracker: Tracker) -> Tuple[Text, ...]:
    return tuple(p["url"] for p in kept_photos(tracker))


def photo_gps(tracker: Tracker) -> Optional[Tuple[float, float]]:
    """The position of the latest located photo sent while the place was unknown, until the offer is answered
    (answering, like the reset, sets the `photo_gps` slot to None)."""
    located = {
        p["url"]: (float(p["lat"]), float(p["long"]))
        for p in kept_photos(tracker)
        if isinstance(p.get("lat"), (int, float)) and isinstance(p.get("long"), (int, float))
    }
    point: Optional[Tuple[float, float]] = None
    place: Dict[Text, Any] = {}
    for event in tracker.events:
        if event.get("event") == "restart":
            point, place = None, {}
        if event.get("event") != "slot":
            continue
        name, value = event.get("name"), event.get("value")
        if name in ("lat", "address"):
            place[name] = value
        elif name == "photo_gps":
            point = None
        elif name == "photos" and isinstance(value, list) and place.get("lat") is None and not place.get("address"):
            for entry in value:
                if isinstance(entry, dict) and entry.get("url") in located:
                    point = located[entry["url"]]
    return point


def photo_line(tracker: Tracker, lang: Text) -> Text:
    """The summary's line about photos ("" without any)."""
    count = len(kept_photos(tracker))
    if not count:
        return ""
    return f"\n- Photos: {count}" if lang == "en" else f"\n- 照片:{count} 张"


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
            dispatcher.utter_message(response="utter_photo_kept", count=len(kept_photos(tracker)))
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
