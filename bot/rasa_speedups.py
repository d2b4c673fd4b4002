"""Work Rasa 3.6 does on every turn that changes nothing, taken out of our Rasa server (docs/PERFORMANCE.md).

Installed by bot.tracker_store, the one module of ours that every Rasa server of the product loads
(endpoints.yml names it). Each change keeps what Rasa does and drops only a repeated cost.
"""
from typing import Any, Dict, Text

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    _one_validator_for_action_results()


def _one_validator_for_action_results() -> None:
    """Rasa checks each answer of the action server with `jsonschema.validate`, which first checks the schema
    itself against the JSON Schema meta-schema: 40% of the Rasa server's CPU under load. The schema is Rasa's
    constant, so a validator built once checks the answers the same way, with the same error."""
    from jsonschema import exceptions, validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    original = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if exceptions.best_match(validator.iter_errors(result)) is None:
            return True
        return original(self, result)  # a wrong answer: Rasa's own check raises it with Rasa's explanation

    RemoteAction._validate_action_result = _validate_action_result
