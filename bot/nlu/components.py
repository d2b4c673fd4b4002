"""Rasa graph components: the intent classifier, the rule-based entities of bot.nlu.entities, and a guard
for what no classifier can read."""
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers import classifier as rasa_classifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import triage
from bot.nlu import entities, tfidf

# The NLU reads at most this much of a message: a 5,000-character letter must not cost seconds of CPU,
# and what a message is shows in its beginning. The whole text still becomes the ticket's description.
MAX_READ = 1000

_KNOWN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9\uff10-\uff19]")
_DIGIT = re.compile(r"\d")  # any script's digits, full-width too
_LONG_NUMBER = re.compile(r"0[0\s\-]{5,}0")
_DIGITS_ONLY = re.compile(r"[+(（]?[\d\uff10-\uff19][\d\uff10-\uff19\s\-()（）]*")


class _ByRule(GraphComponent):
    """A component with nothing to train or store: it works by rule on what the citizen typed."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "_ByRule":
        return cls()


def _typed(message: Message) -> Optional[Text]:
    """The first MAX_READ characters of the message's text in simplified characters, or None for a button payload
    ("/intent{...}"), which says what it means itself."""
    text = message.get(TEXT)
    return entities.simplified(text[:MAX_READ]) if isinstance(text, str) and not text.startswith("/") else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=True)
class BoundedJiebaTokenizer(JiebaTokenizer):
    """Rasa's JiebaTokenizer over the first MAX_READ characters only, in simplified characters (the same offsets):
    the intents' examples are simplified."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        if not isinstance(text, str):
            return super().tokenize(message, attribute)
        return super().tokenize(Message(data={attribute: entities.simplified(text[:MAX_READ])}), attribute)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class IntentClassifier(GraphComponent, rasa_classifier.IntentClassifier):
    """Intents by bot.nlu.tfidf over the jieba tokens (with the gazetteer's place names as words).

    Chosen over DIET by measurement (docs/ARCHITECTURE.md, "NLU"): better on held-out data in both
    languages, no emergency missed, and 20 seconds to train instead of 10 minutes.
    """

    _TRUSTED = ["scipy.sparse._csr.csr_matrix"]  # what skops may load besides sklearn's own types

    def __init__(self, model_storage: ModelStorage, resource: Resource, model=None) -> None:
        self._storage, self._resource, self._model = model_storage, resource, model
        self._fast = tfidf.fast(model) if model is not None else None  # the same probabilities, faster

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "IntentClassifier":
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        self._model = tfidf.classifier(chars=(1, 4), words=(1, 1), balanced=True, word_pattern=r"\S+")
        self._model.fit([_words(m) for m in examples], [m.get(INTENT) for m in examples])
        self._fast = tfidf.fast(self._model)
        import skops.io

        with self._storage.write_to(self._resource) as directory:
            skops.io.dump(self._model, directory / "intents.skops")
        return self._resource

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs) -> "IntentClassifier":
        import skops.io

        with model_storage.read_from(resource) as directory:
            path = directory / "intents.skops"
            untrusted = set(skops.io.get_untrusted_types(file=path)) - set(cls._TRUSTED)
            if untrusted:  # a model file is code-free data; anything else is refused, not run
                raise ValueError(f"refusing to load {path}: unexpected types {sorted(untrusted)}")
            return cls(model_storage, resource, skops.io.load(path, trusted=cls._TRUSTED))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self._model is None or not message.get(TOKENS_NAMES[TEXT]):
                continue
            probabilities = self._fast.predict_proba([_words(message)])[0]
            ranking = sorted(
                ({"name": str(name), "confidence": float(p)} for name, p in zip(self._fast.classes_, probabilities)),
                key=lambda r: -r["confidence"],
            )[:LABEL_RANKING_LENGTH]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


def _words(message: Message) -> Text:
    """The jieba tokens, with every long number alike: a phone's eleven digits are one detail, not eleven
    character n-grams that outweigh the report around them ("路灯坏了三天了 电话13800138000" is a report)."""
    text = " ".join(t.text for t in message.get(TOKENS_NAMES[TEXT]) if t.text.strip())
    return _LONG_NUMBER.sub(" 00000 ", _DIGIT.sub("0", text))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class CityEntityExtractor(_ByRule, EntityExtractorMixin):
    """district, phone, ticket_id and rating: exact, so no model guesses them."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = _typed(message)
            if text is None:
                continue
            found = self.add_extractor_name(entities.extract(text))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentGuard(_ByRule):
    """Two kinds of message a classifier cannot read, settled by rule before the FallbackClassifier.

    - Digits alone (a phone, the last four digits, a house number) are always a detail: `inform`.
      A classifier has no words to go on: DIET read "13800138000" as goodbye.
    - No Chinese character, Latin letter or digit at all (emoji, "。。。", Cyrillic, kana): confidence 0,
      so it falls back. DIET named such messages affirm with 0.97: "лол" at the summary filed a ticket.
    """

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = _typed(message)
            if text is None or not message.get(INTENT):
                continue
            if _DIGITS_ONLY.fullmatch(text.strip()):
                _settle(message, "inform", 1.0)
            elif not _KNOWN.search(text):
                _settle(message, message.get(INTENT).get("name"), 0.0)
        return messages


def _settle(message: Message, name: Text, confidence: float) -> None:
    others = [dict(r, confidence=0.0) for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != name]
    message.set(INTENT, {"name": name, "confidence": confidence}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": name, "confidence": confidence}] + others, add_to_output=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class Triage(_ByRule):
    """Settles what a message is by bot.triage.route: a message with content is a 诉求 unless it clearly is
    something else (chit-chat, a status question about a ticket, a cancel, a danger now).

    When the classifier hears an emergency that the words do not confirm, the message becomes a report
    with the entity `urgency` = "unsure": the intake shows the emergency numbers and files it as urgent.
    """

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = _typed(message)
            if text is None or not message.get(INTENT) or not _KNOWN.search(text):
                continue
            ranking = message.get(INTENT_RANKING_KEY) or [message.get(INTENT)]
            has_ticket = any(e.get("entity") == "ticket_id" for e in message.get(ENTITIES, []))
            decision = triage.route(text, ranking, has_ticket)
            # A report the classifier was unsure of (below FallbackClassifier's threshold) is still a report
            # when its words name a problem, or it is a letter: "didn't understand" would lose the complaint (a
            # letter about a holiday-morning loudspeaker, with a rhetorical "嗎?", at 0.15).
            unsure_report = decision.intent in triage.REPORTS and (triage.names_a_problem(text) or triage.is_letter(text))
            # A narrow intent its own words confirm is settled too: "i don't wanna go on with this" was a cancel at
            # 0.26 beside a no at 0.25, which the FallbackClassifier's ambiguity rule made a fallback, and the
            # fallback's triage opened the form.
            if decision.intent != ranking[0].get("name") or unsure_report or decision.reason == "narrow":
                _settle(message, decision.intent, max(0.5, float(ranking[0].get("confidence", 0.0))))
            if decision.urgent:
                found = {"entity": "urgency", "value": "unsure", "start": 0, "end": len(text), "extractor": "Triage"}
                message.set(ENTITIES, message.get(ENTITIES, []) + [found], add_to_output=True)
        return messages
