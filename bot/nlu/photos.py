"""The entity `photo`: one per photo the channel attached to the message (metadata.photos), as the channel sealed it.

The `photos` slot takes them with a from_entity mapping, so a message without photos costs no call to the action
server (a custom slot mapping is run by the action server on every turn). Nothing is verified here: the NLU does
not know who sent the message. The actions keep only the entries sealed for the conversation (actions/photos.py).
A photo without words comes as "/send_photo", whose entities Rasa's RegexMessageHandler sets from the text after
this component has run: connectors.common.take_turn writes its photos into that text.
"""
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import _ByRule

ENTITY = "photo"
MAX_ENTRIES = 20  # the backend's limit for one ticket; more in one message is not a channel's doing


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PhotoExtractor(_ByRule, EntityExtractorMixin):
    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            metadata = message.get(METADATA)
            entries = metadata.get("photos") if isinstance(metadata, dict) else None
            if not isinstance(entries, list):
                continue
            text = message.get(TEXT) or ""
            found = [
                {"entity": ENTITY, "value": entry, "start": 0, "end": len(text)}
                for entry in entries[:MAX_ENTRIES]
                if isinstance(entry, dict)
            ]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
