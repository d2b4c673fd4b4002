"""The intent classifier as Rasa runs it: trained on jieba tokens, stored with skops, loaded back."""
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import IntentClassifier, _words

EXAMPLES = {
    "report_issue": ["路灯坏了", "楼道灯不亮了", "垃圾没人清", "the streetlight is broken", "rubbish not collected"],
    "inform": ["电话13912345678", "我的手机18611112222", "my number is 13500001111", "phone 15011112222", "海淀区"],
    "greet": ["你好", "您好 在吗", "hello", "hi there", "早上好"],
}


@pytest.fixture()
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def _tokenized(texts):
    messages = [Message(data={"text": t}) for t in texts]
    JiebaTokenizer.create(JiebaTokenizer.get_default_config(), None, None, None).process(messages)
    return messages


def _trained(storage):
    resource = Resource("intents")
    context = ExecutionContext(GraphSchema({}), node_name="intents")
    messages = [Message(data={"text": t, "intent": intent}) for intent, texts in EXAMPLES.items() for t in texts]
    JiebaTokenizer.create(JiebaTokenizer.get_default_config(), storage, resource, context).process_training_data(
        TrainingData(messages)
    )
    IntentClassifier.create({}, storage, resource, context).train(TrainingData(messages))
    return IntentClassifier.load({}, storage, resource, context)


def test_trained_stored_and_loaded_it_classifies(storage):
    classifier = _trained(storage)
    [message] = _tokenized(["路灯又坏了"])
    classifier.process([message])
    assert message.get("intent")["name"] == "report_issue"
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking][0] == "report_issue" and len(ranking) == 3
    assert abs(sum(r["confidence"] for r in ranking) - 1) < 1e-6


def test_a_phone_in_a_report_weighs_like_any_long_number():
    messages = _tokenized(["路灯坏了 电话13800138000", "路灯坏了 电话 010-6234 5678", "路灯坏了 电话 138 0013 8000"])
    assert {_words(m).split()[-1] for m in messages} == {"00000"}
    assert len({_words(m) for m in messages}) == 1


def test_a_model_file_with_foreign_types_is_refused(storage, monkeypatch):
    _trained(storage)
    monkeypatch.setattr(IntentClassifier, "_TRUSTED", [])  # now the scipy matrix counts as foreign
    with pytest.raises(ValueError, match="refusing to load"):
        IntentClassifier.load({}, storage, Resource("intents"), ExecutionContext(GraphSchema({}), node_name="intents"))
