"""The language of each typed message, an NLU entity that the `language` slot takes (no action server call)."""
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language import LanguageExtractor

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


def languages(text):
    [message] = LanguageExtractor().process([Message(data={"text": text})])
    return [(e["value"], e["start"], e["end"]) for e in message.get("entities", []) if e["entity"] == "language"]


@pytest.mark.parametrize(
    "text, language",
    [("路灯坏了", "zh"), ("there is a pothole", "en"), ("my number is 13800138000", "en"), ("ok 好的", "zh")],
)
def test_a_typed_message_names_its_language_over_its_whole_text(text, language):
    assert languages(text) == [(language, 0, len(text))]


@pytest.mark.parametrize("text", ["138 0013 8000", "8000", "🙂", ""])
def test_digits_and_symbols_name_no_language_so_the_conversations_stays(text):
    assert languages(text) == []


def test_a_button_payload_is_left_to_its_own_entities():
    assert languages('/greet{"language": "en"}') == []


def test_the_language_slot_calls_no_action():
    """A custom mapping with an action runs inside action_extract_slots on every turn: a round trip each."""
    slots = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["slots"]
    assert slots["language"]["mappings"] == [{"type": "from_entity", "entity": "language"}]
