"""The entity `language` (zh|en) of each message the citizen types, read off its words inside the NLU.

The `language` slot takes it with a from_entity mapping, so knowing the language costs no call to the
action server (it was a custom slot mapping run by the action server on every turn). Digits alone name no
language and keep the conversation's; a button payload ("/intent{...}") names its own, if any.
"""
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import entities
from bot.nlu.components import _ByRule

ENTITY = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class LanguageExtractor(_ByRule, EntityExtractorMixin):
    """The whole message is the entity's span: the language is a property of all of it."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/"):
                continue
            said = entities.language(text)
            if said:
                found = {"entity": ENTITY, "value": said, "start": 0, "end": len(text)}
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name([found]), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
