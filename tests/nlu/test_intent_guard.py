"""The guard in front of the FallbackClassifier: bare numbers are details, unknown scripts fall back."""
import pytest
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components import IntentGuard, Triage


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


# A cancel or an ask for a person its words confirm, barely ahead of the next: settled by the triage, so the
# FallbackClassifier's ambiguity rule does not make it a fallback, whose triage had opened the form (this stop's bench
# chitchat, in our words).
@pytest.mark.parametrize("text, intent", [("i do not want to carry on with this", "cancel"), ("我要找人工客服", "request_human")])
def test_a_narrow_intent_its_words_confirm_is_settled_before_the_fallback(text, intent):
    ranking = [{"name": intent, "confidence": 0.26}, {"name": "deny", "confidence": 0.25}]
    message = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})
    [message] = Triage().process([message])
    [message] = FallbackClassifier({"threshold": 0.2, "ambiguity_threshold": 0.02}).process([message])
    assert message.get("intent")["name"] == intent
