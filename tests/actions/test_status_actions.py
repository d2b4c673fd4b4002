"""Status, verification and rating actions with real Tracker and CollectingDispatcher objects, over the real backend."""
import asyncio
import uuid

import pytest
import requests
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.status import ActionCheckStatus, ActionRecordRating, ValidateVerifyForm
from bot.dispatch import NewTicket

PHONE = "13712345678"


def file(box, sender_id):
    ticket = NewTicket("road", f"井盖丢了 {uuid.uuid4().hex[:8]}", "海淀区中关村大街1号", "李女士", PHONE, district="海淀区")
    return box.file(ticket, uuid.uuid4().hex, sender_id).reference


def resolve(backend, ticket_id):
    response = requests.post(
        f"{backend.root}/staff/requests/{ticket_id}/status", json={"status": "resolved", "note": "已补装"},
        headers={"Authorization": f"Bearer {backend.staff_token}"}, timeout=10,
    )
    assert response.status_code == 200


def rating_on_backend(backend, ticket_id):
    listed = requests.get(f"{backend.root}/staff/requests", headers={"Authorization": f"Bearer {backend.staff_token}"}).json()
    return next(t for t in listed if t["service_request_id"] == ticket_id)["rating"]


def tracker(sender_id, text="", intent="check_status", entities=None, slots=None):
    return Tracker(
        sender_id=sender_id,
        slots=dict({"language": "zh"}, **(slots or {})),
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or []},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return [m.get("response") for m in dispatcher.messages], {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def answer(sender_id, ticket_id, digits):
    """One answer to the verify form, as Rasa would validate it."""
    dispatcher = CollectingDispatcher()
    t = tracker(sender_id, digits, "inform", slots={"verify_ticket": ticket_id, "verify_attempts": 0})
    result = asyncio.run(ValidateVerifyForm().validate_verify_digits(digits, dispatcher, t, {}))
    return [m.get("response") for m in dispatcher.messages], result, dispatcher.messages


def rate(sender_id, rating, ticket_id=None, slots=None):
    entities = [{"entity": "rating", "value": rating}]
    if ticket_id:
        entities.append({"entity": "ticket_id", "value": ticket_id})
    return run(ActionRecordRating(), tracker(sender_id, f"/rate", "rate", entities, slots))


def test_a_rating_of_someone_elses_ticket_is_refused_by_the_action(box, backend):
    ticket_id = file(box, "owner")
    resolve(backend, ticket_id)
    said, _ = rate("stranger", "unsatisfied", ticket_id)
    assert said == ["utter_rating_not_yours"]
    # Even with the rating question's slot pointing at it (say, set by a forged event), it is not theirs.
    said, _ = rate("stranger", "unsatisfied", slots={"rating_ticket": ticket_id})
    assert said == ["utter_rating_not_yours"]
    assert rating_on_backend(backend, ticket_id) is None


def test_the_filer_rates_once(box, backend):
    ticket_id = file(box, "owner-b")
    resolve(backend, ticket_id)
    said, slots = rate("owner-b", "satisfied", slots={"rating_ticket": ticket_id})
    assert said == ["utter_rating_recorded"] and slots == {"rating_ticket": None}
    assert rate("owner-b", "unsatisfied", ticket_id)[0] == ["utter_rating_already"]
    assert rating_on_backend(backend, ticket_id) == "satisfied"


def test_a_rating_before_the_ticket_is_resolved_is_refused_and_not_kept(box, backend):
    ticket_id = file(box, "owner-c")
    assert rate("owner-c", "satisfied", ticket_id)[0] == ["utter_rating_not_resolved"]
    resolve(backend, ticket_id)
    assert rate("owner-c", "satisfied", ticket_id)[0] == ["utter_rating_recorded"]


def test_wrong_digits_are_counted_by_the_backend_and_a_new_ask_does_not_reset_them(box, backend):
    ticket_id = file(box, "owner-d")
    for digits in ("1111", "2222"):
        asked = tracker("stranger-d", f"查询{ticket_id}", entities=[{"entity": "ticket_id", "value": ticket_id}])
        said, slots = run(ActionCheckStatus(), asked)
        assert slots["needs_verification"] is True and slots["verify_attempts"] == 0  # a new ask
        said, result, _ = answer("stranger-d", ticket_id, digits)
        assert said == ["utter_verify_wrong"] and result == {"verify_digits": None}
    said, result, messages = answer("stranger-d", ticket_id, "3333")
    assert said == ["utter_verify_locked"] and result == {"verify_digits": "refused"}
    assert messages[0]["until"] != "—"
    # Locked for everyone: another conversation with the right digits learns nothing.
    said, result, _ = answer("someone-else", ticket_id, PHONE[-4:])
    assert said == ["utter_verify_locked"] and result == {"verify_digits": "refused"}


def test_the_right_digits_tell_the_status_and_the_action_never_sees_the_phone(box, backend):
    ticket_id = file(box, "owner-e")
    said, result, messages = answer("caller-e", ticket_id, f"尾号{PHONE[-4:]}")
    assert said == ["utter_status"] and result["verify_digits"] == "verified" and result["verified_tickets"] == [ticket_id]
    assert all(PHONE not in str(m) and PHONE[-4:] not in str(m) for m in messages)


def test_answers_that_are_not_four_digits_are_asked_again_then_refused_without_counting(box, backend):
    ticket_id = file(box, "owner-f")
    dispatcher = CollectingDispatcher()
    form = ValidateVerifyForm()
    slots = {"verify_ticket": ticket_id, "verify_attempts": 0}
    for expected in (["utter_verify_four_digits"], ["utter_verify_four_digits"], ["utter_verify_refused"]):
        dispatcher = CollectingDispatcher()
        result = asyncio.run(form.validate_verify_digits("不知道", dispatcher, tracker("caller-f", "不知道", slots=slots), {}))
        assert [m["response"] for m in dispatcher.messages] == expected
        slots["verify_attempts"] = result["verify_attempts"]
    assert answer("caller-g", ticket_id, PHONE[-4:])[0] == ["utter_status"]  # the backend counted none of them
