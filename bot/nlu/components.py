"""Rasa graph components: the rule-based entities of bot.nlu.entities, and a guard for unknown words."""
import re
from typing import Any, Dict, List, Text

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


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class CityEntityExtractor(GraphComponent, EntityExtractorMixin):
    """district, phone, ticket_id, language and rating: exact, so DIET does not guess them."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CityEntityExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/"):
                continue  # button payloads carry their own entities
            found = self.add_extractor_name(entities.extract(text))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UnknownWordsGuard(GraphComponent):
    """A message with no Chinese character, Latin letter or digit gets intent confidence 0.

    DIET still names an intent for such a message (emoji, punctuation, Cyrillic, kana: nothing it was
    trained on), and with high confidence: "лол" read as affirm at the summary would file a ticket.
    With confidence 0 the FallbackClassifier after this turns it into nlu_fallback.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UnknownWordsGuard":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/") or not message.get(INTENT):
                continue
            if not _KNOWN.search(text):
                message.set(INTENT, dict(message.get(INTENT), confidence=0.0), add_to_output=True)
                ranking = [dict(r, confidence=0.0) for r in message.get(INTENT_RANKING_KEY) or []]
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
