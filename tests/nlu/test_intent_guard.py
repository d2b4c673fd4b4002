"""The guard in front of the FallbackClassifier: bare numbers are details, unknown scripts fall back."""
import pytest
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components import IntentGuard


def classify(text):
    message = Message(data={"text": text, "intent": {"name": "affirm", "confidence": 0.97},
                            "intent_ranking": [{"name": "affirm", "confidence": 0.97}]})
    [message] = IntentGuard().process([message])
    fallback = FallbackClassifier({"threshold": 0.2, "ambiguity_threshold": 0.02})  # as in config.yml
    [message] = fallback.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize("text", ["🙂", "。。。", "лол", "ㄅㄆㄇ", "ありがとう"])
def test_nothing_known_falls_back(text):
    assert classify(text) == "nlu_fallback"


@pytest.mark.parametrize("text", ["对", "ok", "对🙂", '/affirm{"language": "zh"}'])
def test_known_words_keep_their_intent(text):
    assert classify(text) == "affirm"


@pytest.mark.parametrize("text", ["8000", "13800138000", "138 0013 8000", "010-6234 5678", "+86 138 0013 8000", "123"])
def test_digits_alone_are_a_detail(text):
    assert classify(text) == "inform"
