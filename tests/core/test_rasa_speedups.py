"""bot/rasa_speedups.py keeps Rasa's verdicts: the action server's answers are judged as jsonschema judges them."""
import copy

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot import rasa_speedups

SCHEMA = RemoteAction.action_response_format_spec()

EVENTS = [
    SlotSet("description", "楼下的路灯坏了").as_dict(),
    SlotSet("photos", None).as_dict(),
    ActiveLoop("intake_form").as_dict(),
    ActiveLoop(None).as_dict(),
    FollowupAction("action_listen").as_dict(),
    BotUttered("您好", {"buttons": [{"title": "确认", "payload": "/affirm"}]}).as_dict(),
    ActionExecuted("action_listen").as_dict(),
    Restarted().as_dict(),
    SessionStarted().as_dict(),
    UserUttered(
        "路灯坏了", {"name": "report_issue", "confidence": 0.9}, [{"entity": "district", "value": "朝阳区", "start": 0, "end": 3}]
    ).as_dict(),
]
VALID = [
    {},
    {"events": []},
    {"events": EVENTS, "responses": [{"text": "好的"}, {"response": "utter_greet"}]},
    {"events": EVENTS[:1], "responses": []},
    {"events": EVENTS, "other": 1},  # keys beyond the schema's are allowed by it
]


def _broken(change):
    events = copy.deepcopy(EVENTS)
    change(events)
    return {"events": events}


INVALID = [
    [],
    "events",
    {"events": {}},
    {"events": [1]},
    {"events": [{}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": 3}]},
    {"events": [{"event": "slot", "name": "x"}]},  # a slot event needs its value
    {"events": [{"event": "slot", "name": 5, "value": 1}]},
    {"events": [{"event": "slot", "name": "x", "value": 1, "timestamp": "now"}]},
    {"events": [{"event": "entities", "entities": [{"value": 1}]}]},
    {"events": EVENTS, "responses": ["text"]},
    {"events": EVENTS, "responses": {}},
    {"events": EVENTS, "other": 1, "responses": 3},
    _broken(lambda e: e[-1]["parse_data"]["entities"][0].update(start="0")),
    _broken(lambda e: e[-1]["parse_data"].update(intent={"name": 1})),
    _broken(lambda e: e[6].update(hide_rule_turn="yes")),
    _broken(lambda e: e[2].update(metadata=[])),
]


def _jsonschema_says(result) -> bool:
    try:
        jsonschema.validate(result, SCHEMA)
        return True
    except jsonschema.ValidationError:
        return False


@pytest.mark.parametrize("result", VALID + INVALID)
def test_an_answer_is_judged_as_jsonschema_judges_it(result):
    assert rasa_speedups.answer_checker(SCHEMA)(result) == _jsonschema_says(result)


def test_the_answers_above_include_good_and_bad_ones():
    assert all(map(_jsonschema_says, VALID)) and not any(map(_jsonschema_says, INVALID))


def test_a_schema_of_another_shape_is_checked_whole():
    schema = {"type": "object", "properties": {"events": {"type": "array"}}, "required": ["events"]}
    valid = rasa_speedups.answer_checker(schema)
    assert valid({"events": [1]}) and not valid({})


def test_a_wrong_answer_still_raises_rasas_error():
    rasa_speedups.install()
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": EVENTS})
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "no_such_event"}]})


def test_an_action_call_body_is_json_as_the_json_module_reads_it():
    import json

    body = {"tracker": {"events": EVENTS, "latest_message": {"text": "路灯/坏了 \"quoted\"", "t": 1733150000.1234567}}}
    assert json.loads(rasa_speedups._dumps(body)) == json.loads(json.dumps(body))
    assert json.loads(rasa_speedups._dumps({"big": 2**70})) == {"big": 2**70}
    with pytest.raises(TypeError):
        rasa_speedups._dumps({"x": object()})


def test_a_slot_is_copied_as_copy_copy_copied_it():
    from rasa.shared.core.domain import Domain

    from bot.settings import ROOT

    slots = Domain.load(str(ROOT / "domain.yml")).slots
    before = [copy.copy(slot) for slot in slots]
    rasa_speedups.install()
    for slot, old in zip(slots, before):
        slot.value = "x" if slot.type_name == "text" else slot.value
        new = copy.copy(slot)
        assert type(new) is type(slot) and new is not slot and vars(new) == vars(slot)
        assert type(old) is type(slot) and vars(old).keys() == vars(new).keys()
