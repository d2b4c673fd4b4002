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


def _events_of_a_long_conversation():
    """Forms, their unhappy paths, reverts, a restart and a new session: what applied_events() has to undo."""
    from rasa.shared.core.events import ActionReverted, Restarted, UserUtteranceReverted

    def user(text, intent):
        return [ActionExecuted("action_listen"), UserUttered(text, {"name": intent})]

    def form_turn(name, slot, value):
        return [ActionExecuted(name), SlotSet(slot, value), SlotSet("requested_slot", slot)]

    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    events += user("你好", "greet") + [ActionExecuted("utter_greet")]
    events += user("路灯坏了", "report_issue") + [ActionExecuted("action_start_intake"), ActionExecuted("intake_form"), ActiveLoop("intake_form")]
    events += form_turn("intake_form", "description", "路灯坏了")
    events += user("朝阳区望京", "inform") + form_turn("intake_form", "address", "朝阳区望京")
    events += user("你是谁", "chitchat") + [ActionExecuted("utter_iamabot")]  # the unhappy path
    events += [ActionExecuted("intake_form")] + user("张先生", "inform") + form_turn("intake_form", "contact_name", "张先生")
    events += user("嗯?", "nlu_fallback") + [UserUtteranceReverted()]
    events += user("13800138000", "inform") + form_turn("intake_form", "phone", "13800138000") + [ActionReverted()]
    events += [ActionExecuted("intake_form"), ActiveLoop(None), SlotSet("requested_slot", None), ActionExecuted("action_file_ticket")]
    events += user("查一下", "check_status") + [ActionExecuted("verify_form"), ActiveLoop("verify_form")]
    events += form_turn("verify_form", "ticket_id", "BJ20261202-0001") + [ActionExecuted("verify_form"), ActiveLoop(None)]
    events += [Restarted()] + user("hello", "greet") + [ActionExecuted("utter_greet"), SessionStarted(), ActionExecuted("action_listen")]
    events += user("report", "report_issue") + [ActionExecuted("intake_form"), ActiveLoop("intake_form")]
    events += form_turn("intake_form", "description", "lamp") + [ActionExecuted("intake_form")]
    return events


def test_applied_events_after_every_event_are_rasas():
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_speedups.install()
    original = rasa_speedups.rasa_applied_events
    events = _events_of_a_long_conversation()
    grown = DialogueStateTracker("walk", [])
    for count, event in enumerate(events, start=1):
        grown.update(event)
        fresh = DialogueStateTracker.from_events("walk", events[:count])
        assert grown.applied_events() == original(grown) == original(fresh) == fresh.applied_events(), count
    assert len(grown.applied_events()) < len(events)  # the walk did undo something
    copied = copy.deepcopy(grown)
    copied.update(ActionExecuted("action_listen"))
    assert copied.applied_events() == original(copied)
