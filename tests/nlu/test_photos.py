"""The photos a channel attached to a message, NLU entities that the `photos` slot takes (no action server call)."""
import json
from pathlib import Path

import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.photos import PhotoExtractor
from connectors.common import PHOTO_ONLY, photo_only

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
ENTRY = {"url": "http://portal.test/media/a.jpg", "lat": 39.9, "long": 116.4, "seal": "0" * 64}


def photos(text, metadata):
    [message] = PhotoExtractor().process([Message(data={"text": text, "metadata": metadata})])
    return [e["value"] for e in message.get("entities", []) if e["entity"] == "photo"]


def test_each_attached_entry_is_an_entity_as_the_channel_made_it_unverified():
    assert photos("井盖丢了", {"photos": [ENTRY, dict(ENTRY, url="b")]}) == [ENTRY, dict(ENTRY, url="b")]


def test_a_message_without_photos_or_with_malformed_ones_has_none():
    for metadata in (None, {}, {"photos": ENTRY}, {"photos": ["x", None]}, "photos"):
        assert photos("路灯坏了", metadata) == []


def test_a_photo_without_words_carries_its_entries_in_the_payload():
    text = photo_only({"photos": [ENTRY]})
    assert text.startswith(PHOTO_ONLY + "{") and json.loads(text[len(PHOTO_ONLY):]) == {"photo": [ENTRY]}
    assert photo_only({}) == photo_only({"photos": []}) == PHOTO_ONLY


def test_the_photos_slot_calls_no_action():
    """A custom mapping with an action runs inside action_extract_slots on every turn: a round trip each."""
    slots = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["slots"]
    assert slots["photos"]["mappings"] == [{"type": "from_entity", "entity": "photo"}]
