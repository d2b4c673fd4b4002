"""The guard in front of the FallbackClassifier: messages in nothing the model knows fall back."""
import pytest
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components import UnknownWordsGuard


def classify(text):
    message = Message(data={"text": text, "intent": {"name": "affirm", "confidence": 0.97},
                            "intent_ranking": [{"name": "affirm", "confidence": 0.97}]})
    [message] = UnknownWordsGuard().process([message])
    fallback = FallbackClassifier({"threshold": 0.45, "ambiguity_threshold": 0.05})
    [message] = fallback.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize("text", ["🙂", "。。。", "лол", "ㄅㄆㄇ", "ありがとう"])
def test_nothing_known_falls_back(text):
    assert classify(text) == "nlu_fallback"


@pytest.mark.parametrize("text", ["对", "ok", "8000", "对🙂", '/affirm{"language": "zh"}'])
def test_known_words_keep_their_intent(text):
    assert classify(text) == "affirm"
