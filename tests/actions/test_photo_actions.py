"""Photo actions with real rasa_sdk Tracker and CollectingDispatcher objects (no server)."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import photos as photo_actions
from actions.intake import ActionAskConfirmed, ValidateIntakeForm
from bot.media import MediaStore, Photo

URL = "http://portal.test/media/" + "a" * 64 + ".jpg"


@pytest.fixture(autouse=True)
def store(tmp_path, monkeypatch):
    store = MediaStore(str(tmp_path), "http://portal.test/media", "channel-key")
    monkeypatch.setattr(photo_actions, "_store", store)
    return store


def tracker(metadata=None, intent="send_photo", slots=None, loop=None, sender="telegram:42"):
    return Tracker(
        sender_id=sender,
        slots=dict({"language": "zh"}, **(slots or {})),
        latest_message={"text": "/send_photo", "intent": {"name": intent, "confidence": 1.0}, "entities": [],
                        "metadata": metadata or {}},
        events=[], paused=False, followup_action=None,
        active_loop={"name": loop} if loop else {}, latest_action_name="action_listen",
    )


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_sealed_photo_is_kept_and_its_gps_offered(store):
    entry = store.attach("telegram:42", Photo("a", URL, (39.9055, 116.3976)))
    _, slots = run(photo_actions.ActionKeepPhotos(), tracker({"photos": [entry]}, slots={"photos": ["http://x/1.jpg"]}))
    assert slots == {"photos": ["http://x/1.jpg", URL], "photo_gps": [39.9055, 116.3976]}


def test_a_photo_url_written_into_metadata_by_the_caller_is_not_kept(store):
    sealed_for_another = store.attach("telegram:43", Photo("a", URL, None))
    for metadata in ({"photos": [{"url": URL}]}, {"photos": [sealed_for_another]}, {"photos": URL}):
        assert run(photo_actions.ActionKeepPhotos(), tracker(metadata, sender="rest:42"))[1] == {}


def test_a_photo_without_words_starts_the_intake_and_the_form_asks_what_and_where():
    _, slots = run(photo_actions.ActionPhotoReceived(), tracker())
    assert slots["description"] is None and slots["request_type"] == "complaint"
    messages, _ = run(photo_actions.ActionAskDescription(), tracker())
    assert [m["response"] for m in messages] == ["utter_photo_received"]


def test_a_photo_inside_the_form_is_acknowledged_with_the_count():
    messages, slots = run(photo_actions.ActionPhotoReceived(),
                          tracker(slots={"photos": [URL, URL], "requested_slot": "phone"}, loop="intake_form"))
    assert slots == {} and messages[0]["response"] == "utter_photo_kept" and messages[0]["count"] == 2


def test_the_photo_position_is_offered_and_used_only_when_the_citizen_says_yes():
    messages, _ = run(photo_actions.ActionAskAddress(), tracker(slots={"photo_gps": [39.9055, 116.3976]}))
    assert messages[0]["response"] == "utter_ask_photo_location" and messages[0]["lat"] == "39.905500"
    form = ValidateIntakeForm()
    yes = tracker(intent="use_photo_location", slots={"photo_gps": [39.9055, 116.3976]}, loop="intake_form")
    slots = form.validate_address("photo", CollectingDispatcher(), yes, {})
    assert slots["lat"] == 39.9055 and slots["long"] == 116.3976 and slots["photo_gps"] is None
    assert slots["address"] == "照片拍摄位置 (39.905500, 116.397600)"
    no = tracker(intent="decline_photo_location", slots={"photo_gps": [39.9055, 116.3976]}, loop="intake_form")
    assert form.validate_address("declined", CollectingDispatcher(), no, {}) == {"address": None, "photo_gps": None}
    messages, _ = run(photo_actions.ActionAskAddress(), tracker(slots={"photo_gps": None}))
    assert messages[0]["response"] == "utter_ask_address"


@pytest.mark.parametrize("lang, line", [("zh", "\n- 照片:2 张"), ("en", "\n- Photos: 2"), (None, "")])
def test_the_summary_counts_the_photos(lang, line):
    slots = {"description": "路灯坏了", "address": "东城区东四十条甲22号", "phone": "13912349731", "service_code": "streetlight",
             "language": lang or "zh", "photos": [URL, URL + "2"] if lang else None}
    messages, _ = run(ActionAskConfirmed(), tracker(intent="deny", slots=slots))
    assert messages[-1]["response"] == "utter_summary" and messages[-1]["photo_line"] == line
