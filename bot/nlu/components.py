"""Rasa graph components: the rule-based entities of bot.nlu.entities, and a guard for what DIET cannot read."""
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import entities

_KNOWN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9\uff10-\uff19]")
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
    """The message's text, or None for a button payload ("/intent{...}"), which says what it means itself."""
    text = message.get(TEXT)
    return text if isinstance(text, str) and not text.startswith("/") else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class CityEntityExtractor(_ByRule, EntityExtractorMixin):
    """district, phone, ticket_id and rating: exact, so DIET does not guess them."""

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
    """Two kinds of message DIET cannot read, settled by rule before the FallbackClassifier.

    - Digits alone (a phone, the last four digits, a house number) are always a detail: `inform`.
      DIET has no words to go on and has read "13800138000" as goodbye.
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
