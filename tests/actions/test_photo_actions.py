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


def tracker(metadata=None, intent="send_photo", slots=None, loop=None, sender="telegram:42", photos=()):
    """`photos`: the values the `photos` slot was set to, in order (its from_entity mapping, a reset's None)."""
    events = [{"event": "slot", "name": "photos", "value": value} for value in photos]
    if photos:
        slots = dict(slots or {}, photos=photos[-1])
    return Tracker(
        sender_id=sender,
        slots=dict({"language": "zh"}, **(slots or {})),
        latest_message={"text": "/send_photo", "intent": {"name": intent, "confidence": 1.0}, "entities": [],
                        "metadata": metadata or {}},
        events=events, paused=False, followup_action=None,
        active_loop={"name": loop} if loop else {}, latest_action_name="action_listen",
    )


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_the_sealed_photos_since_the_last_reset_are_kept_once_each_and_the_latest_position_offered(store):
    old = store.attach("telegram:42", Photo("o", URL + "0", (1.0, 2.0)))
    first = store.attach("telegram:42", Photo("a", URL, (39.9055, 116.3976)))
    second = store.attach("telegram:42", Photo("b", URL + "2", None))
    t = tracker(photos=[[old], None, [first], [first, second]])
    assert photo_actions.media_urls(t) == (URL, URL + "2")
    assert photo_actions.photo_gps(t) == (39.9055, 116.3976)
    assert photo_actions.media_urls(tracker(photos=[[first], None])) == ()
    restarted = tracker(photos=[[old], [first]])
    restarted.events.insert(1, {"event": "restart"})
    assert photo_actions.media_urls(restarted) == (URL,)


def test_a_photo_sent_once_the_place_is_known_is_not_offered(store):
    located = store.attach("telegram:42", Photo("a", URL, (39.9055, 116.3976)))
    t = tracker(photos=[[located]])
    t.events.insert(0, {"event": "slot", "name": "address", "value": "东城区东四十条甲22号"})
    assert photo_actions.photo_gps(t) is None and photo_actions.media_urls(t) == (URL,)


def test_at_most_twenty_photos_are_kept(store):
    entries = [store.attach("telegram:42", Photo(str(i), f"{URL}{i}", None)) for i in range(25)]
    assert len(photo_actions.media_urls(tracker(photos=[entries[:10], entries[5:]]))) == 20


def test_a_photo_url_written_into_metadata_by_the_caller_is_not_kept(store):
    sealed_for_another = store.attach("telegram:43", Photo("a", URL, (39.9, 116.4)))
    for entries in ([{"url": URL, "lat": 39.9, "long": 116.4}], [sealed_for_another], [URL], [None]):
        t = tracker(photos=[entries], sender="rest:42")
        assert photo_actions.kept_photos(t) == [] and photo_actions.photo_gps(t) is None


def test_a_photo_without_words_starts_the_intake_and_the_form_asks_what_and_where():
    _, slots = run(photo_actions.ActionPhotoReceived(), tracker())
    assert slots["description"] is None and slots["request_type"] == "complaint"
    messages, _ = run(photo_actions.ActionAskDescription(), tracker())
    assert [m["response"] for m in messages] == ["utter_photo_received"]


def test_a_photo_inside_the_form_is_acknowledged_with_the_count(store):
    entries = [store.attach("telegram:42", Photo(n, URL + n, None)) for n in "12"]
    messages, slots = run(photo_actions.ActionPhotoReceived(),
                          tracker(slots={"requested_slot": "phone"}, loop="intake_form", photos=[entries[:1], entries]))
    assert slots == {} and messages[0]["response"] == "utter_photo_kept" and messages[0]["count"] == 2


def test_the_photo_position_is_offered_and_used_only_when_the_citizen_says_yes(store):
    located = [[store.attach("telegram:42", Photo("a", URL, (39.9055, 116.3976)))]]
    messages, _ = run(photo_actions.ActionAskAddress(), tracker(photos=located))
    assert messages[0]["response"] == "utter_ask_photo_location" and messages[0]["lat"] == "39.905500"
    form = ValidateIntakeForm()
    yes = tracker(intent="use_photo_location", loop="intake_form", photos=located)
    slots = form.validate_address("photo", CollectingDispatcher(), yes, {})
    assert slots["lat"] == 39.9055 and slots["long"] == 116.3976 and slots["photo_gps"] is None
    assert slots["address"] == "照片拍摄位置 (39.905500, 116.397600)"
    no = tracker(intent="decline_photo_location", loop="intake_form", photos=located)
    assert form.validate_address("declined", CollectingDispatcher(), no, {}) == {"address": None, "photo_gps": None}
    answered = tracker(photos=located)
    answered.events.append({"event": "slot", "name": "photo_gps", "value": None})
    messages, _ = run(photo_actions.ActionAskAddress(), answered)
    assert messages[0]["response"] == "utter_ask_address"


@pytest.mark.parametrize("lang, line", [("zh", "\n- 照片:2 张"), ("en", "\n- Photos: 2"), (None, "")])
def test_the_summary_counts_the_photos(store, lang, line):
    slots = {"description": "路灯坏了", "address": "东城区东四十条甲22号", "phone": "13912349731", "service_code": "streetlight",
             "language": lang or "zh"}
    entries = [store.attach("telegram:42", Photo(n, URL + n, None)) for n in "12"]
    messages, _ = run(ActionAskConfirmed(), tracker(intent="deny", slots=slots, photos=[entries] if lang else []))
    assert messages[-1]["response"] == "utter_summary" and messages[-1]["photo_line"] == line
