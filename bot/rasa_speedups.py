"""Work Rasa 3.6 does on every turn that changes nothing, taken out of our Rasa server (docs/PERFORMANCE.md).

Installed by bot.tracker_store, the one module of ours that every Rasa server of the product loads
(endpoints.yml names it). Each change keeps what Rasa does and drops only a repeated cost.
"""
import asyncio
import itertools
import weakref
from typing import Any, Callable, Dict, List, Optional, Text

_installed = False
rasa_applied_events = None


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    _one_validator_for_action_results()
    _graph_run_in_order()
    _event_classes_looked_up_once()
    _action_calls_on_kept_connections()
    _slots_copied_directly()
    _applied_events_carried_on()


def _one_validator_for_action_results() -> None:
    """Rasa checks each answer of the action server with `jsonschema.validate`, which first checks the schema
    itself against the JSON Schema meta-schema: 40% of the Rasa server's CPU under load. The schema is Rasa's
    constant, so validators built once check the answers the same way, with the same error.

    Each event of an answer must match exactly one of some 25 event schemas (`oneOf`), and each of those
    fixes a different `event` name (`const`), so only the schema named by the event can match: the event is
    checked against that one instead of all of them (a tenth of the CPU of a turn; the same verdict, shown
    against jsonschema in tests/core/test_rasa_speedups.py). Anything else goes to the whole schema."""
    from rasa.core.actions.action import RemoteAction

    valid = answer_checker(RemoteAction.action_response_format_spec())
    original = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if valid(result):
            return True
        return original(self, result)  # a wrong answer: Rasa's own check raises it with Rasa's explanation

    RemoteAction._validate_action_result = _validate_action_result


def answer_checker(schema: Dict[Text, Any]) -> Callable[[Any], bool]:
    """A function telling whether an action server's answer fits Rasa's schema, as jsonschema would."""
    from jsonschema import exceptions, validators

    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    whole = validator_class(schema)
    by_event = _validators_by_event(schema, validator_class)
    responses = validator_class(schema["properties"]["responses"]) if by_event is not None else None

    def valid(result: Any) -> bool:
        if by_event is None or not isinstance(result, dict) or not set(result) <= {"events", "responses"}:
            return exceptions.best_match(whole.iter_errors(result)) is None
        events = result.get("events", [])
        if not isinstance(events, list) or ("responses" in result and not responses.is_valid(result["responses"])):
            return False
        for event in events:
            name = event.get("event") if isinstance(event, dict) else None
            check = by_event.get(name) if isinstance(name, str) else None
            if check is None or not check.is_valid(event):
                return False
        return True

    return valid


def _validators_by_event(schema: Dict[Text, Any], validator_class: Any) -> Optional[Dict[Text, Any]]:
    """A validator per event name, each the event schema with its `oneOf` cut to that name's branch; None if
    the schema is not of that shape (another Rasa version): then the whole schema is used."""
    try:
        event_schema = schema["properties"]["events"]["items"]
        base = {key: value for key, value in event_schema.items() if key != "oneOf"}
        branches = {branch["properties"]["event"]["const"]: branch for branch in event_schema["oneOf"]}
        shape = set(schema) == {"type", "properties"} and schema["type"] == "object"
        if not shape or len(branches) != len(event_schema["oneOf"]) or set(schema["properties"]) != {"events", "responses"}:
            return None
    except (KeyError, TypeError):
        return None
    return {name: validator_class({**base, "allOf": [branch]}) for name, branch in branches.items()}


def _graph_run_in_order() -> None:
    """Rasa runs the model's graph twice a turn (the NLU, then the policies) through dask, which builds,
    orders and schedules a task graph each time: a tenth of a turn's CPU. The nodes of a target never
    change, so they are ordered once and called one after the other, each given its parents' outputs as
    dask gives them ((node name, output) pairs; a name alone when nothing provides it)."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    def run(self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        nodes = self._graph_schema.nodes
        orders = self.__dict__.setdefault("_orders", {})
        order = orders.get(tuple(run_targets))
        if order is None:
            order = orders[tuple(run_targets)] = _in_order(nodes, run_targets)
        results: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if name in nodes:
                raise GraphRunError(f"Input '{name}' clashes with a node name.")
            results[name] = (name, value)
        try:
            for name in order:
                results[name] = self._instantiated_nodes[name](*[results.get(n, n) for n in nodes[name].needs.values()])
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(results[target] for target in run_targets)

    DaskGraphRunner.run = run


def _in_order(nodes: Dict[Text, Any], targets: List[Text]) -> List[Text]:
    """The nodes the targets need, each after the nodes it needs."""
    order: List[Text] = []
    placed = set()

    def place(name: Text) -> None:
        if name in placed or name not in nodes:
            return
        placed.add(name)
        for parent in nodes[name].needs.values():
            place(parent)
        order.append(name)

    for target in targets:
        place(target)
    return order


def _event_classes_looked_up_once() -> None:
    """Rasa finds the class of every event it reads (the stored tracker, each action's answer) by walking all
    subclasses of Event and asking each whether it is abstract: 6% of the CPU. A type name keeps its class."""
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    original = Event.resolve_by_type
    known: Dict[Text, Any] = {}

    def resolve_by_type(type_name: Text, default: Optional[Any] = None) -> Optional[Any]:
        found = known.get(type_name)
        if found is None:
            found = next((cls for cls in all_subclasses(Event) if cls.type_name == type_name), None)
            if found is None:
                return original(type_name, default)  # Rasa's answer for a name no class has
            known[type_name] = found
        return found

    Event.resolve_by_type = staticmethod(resolve_by_type)


def _slots_copied_directly() -> None:
    """Every tracker Rasa makes (a dozen a turn: read, copies for the forms, one per prior state for the
    policies) copies each of the domain's slots with `copy.copy`, which goes through `__reduce_ex__` and
    copyreg: 6% of the CPU. A slot is a plain object, so its copy is a new one with the same attributes,
    which is what `copy.copy` makes of it, three times faster."""
    from rasa.shared.core.slots import Slot

    def __copy__(self: Slot) -> Slot:
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new

    Slot.__copy__ = __copy__


def _applied_events_carried_on() -> None:
    """`applied_events()` (the events left after reverts, restarts and form loops) is asked a dozen times a
    turn, by the processor, both policies and every prior state, and each time walks the whole session,
    looking back from each form execution: 7% of the CPU. It is a walk from the first event to the last
    in which a later event changes nothing done before, except by naming a new form (Rasa first collects
    the names of all forms of the tracker). So each tracker remembers where its last walk stopped and goes
    on from there, walking again from the start when a new form name appears or its events are not the
    same list grown at the end (tests/core/test_rasa_speedups.py compares it with Rasa's on every prefix)."""
    from rasa.shared.core.trackers import DialogueStateTracker

    global rasa_applied_events
    rasa_applied_events = DialogueStateTracker.applied_events  # kept for the test that compares the two
    DialogueStateTracker.applied_events = lambda self: list(_walked(self))


def _walked(tracker: Any) -> List[Any]:
    from rasa.shared.core.events import (
        ActionExecuted, ActionReverted, ActiveLoop, Restarted, SessionStarted, UserUttered, UserUtteranceReverted,
    )

    events, memo = tracker.events, tracker.__dict__.get("_applied_walk")
    count = len(events)
    if (
        memo is None
        or memo[0] is not events
        or memo[1] > count
        or (events.maxlen is not None and count >= events.maxlen)
        or (memo[1] and (events[0] is not memo[2] or events[memo[1] - 1] is not memo[3]))
    ):
        memo = (events, 0, None, None, set(), [])
    _, done, _, _, loop_names, applied = memo
    new = list(itertools.islice(events, done, None))
    new_names = {event.name for event in new if isinstance(event, ActiveLoop) and event.name}
    if not new_names <= loop_names:
        # A form not seen before: Rasa's walk knows all names from the start, so walk again.
        loop_names, applied, new = loop_names | new_names, [], list(events)
    else:
        applied = list(applied)
    for event in new:  # Rasa 3.6's DialogueStateTracker.applied_events, from here on
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    if count:
        tracker.__dict__["_applied_walk"] = (events, count, events[0], events[count - 1], loop_names, applied)
    return applied


# Below the action server's (Sanic's) 5 s, so the client never reuses a connection the server is closing.
KEEPALIVE = 2.0


class _Kept:
    """`async with` over a kept session: Rasa's `request` closes its session at the end; this one stays."""

    def __init__(self, session) -> None:
        self.session = session

    async def __aenter__(self):
        return self.session

    async def __aexit__(self, *exc) -> bool:
        return False


def _dumps(value: Any) -> Text:
    """The body of an action call (the whole tracker) as JSON, by ujson (Sanic's dependency), which takes a
    third of the time of the json module: encoding it was 8% of the Rasa server's CPU. What ujson refuses
    (an int beyond 64 bits, a NaN) goes to the json module, which raises as Rasa would."""
    import json

    import ujson

    try:
        return ujson.dumps(value, ensure_ascii=False, escape_forward_slashes=False)
    except (TypeError, ValueError, OverflowError):
        return json.dumps(value)


def _action_calls_on_kept_connections() -> None:
    """Rasa opens an aiohttp session, so a TCP connection, for every call to the action server, and closes
    it after: a connect, an accept and a teardown on both sides, several times a turn. One session per
    endpoint and event loop keeps its connections open between calls. A connection the server closed
    anyway fails the call as a reset one, which bot/action_retry.py calls again."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    kept: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Dict[int, Any]]" = weakref.WeakKeyDictionary()

    def session(self: EndpointConfig) -> _Kept:
        sessions = kept.setdefault(asyncio.get_running_loop(), {})
        endpoint, current = sessions.get(id(self), (None, None))
        if current is None or current.closed or endpoint is not self:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
            current = aiohttp.ClientSession(
                headers=self.headers, auth=auth, timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE), json_serialize=_dumps,
            )
            sessions[id(self)] = (self, current)  # the endpoint too: its id is never taken by another
        return _Kept(current)

    EndpointConfig.session = session
