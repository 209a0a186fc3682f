"""The speed-ups bot/rasa_server.py applies to Rasa 3.6 in production: same answers as Rasa's own code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot import rasa_server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def patched() -> Iterator[None]:
    """Apply the patches for one test, then give Rasa its own functions back."""
    originals = (RemoteAction._validate_action_result, Event.__dict__["resolve_by_type"],
                 RulePolicy._get_possible_keys, Domain.is_empty)  # fmt: skip
    rasa_server._check_action_results_by_their_shape()
    rasa_server._event_classes_from_a_table()
    rasa_server._rule_matches_remembered()
    rasa_server._empty_domain_built_once()
    yield
    RemoteAction._validate_action_result, resolve, RulePolicy._get_possible_keys, Domain.is_empty = originals
    Event.resolve_by_type = resolve


@pytest.mark.usefixtures("patched")
def test_every_event_type_resolves_to_rasas_class() -> None:
    for cls in all_subclasses(Event):
        if getattr(cls, "type_name", None):
            assert Event.resolve_by_type(cls.type_name) is next(
                c for c in all_subclasses(Event) if c.type_name == cls.type_name
            )
            assert Event.resolve_by_type(cls.type_name) is Event.resolve_by_type(cls.type_name)
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=Event) is Event
    events = [{"event": "user", "text": "hallo", "parse_data": {"intent": {"name": "greet"}}},
              {"event": "action", "name": "action_greet"}, {"event": "slot", "name": "language", "value": "de"}]
    assert [type(Event.from_parameters(e)).__name__ for e in events] == ["UserUttered", "ActionExecuted", "SlotSet"]


@pytest.mark.usefixtures("patched")
def test_action_results_of_the_right_shape_pass_and_others_get_rasas_error() -> None:
    action = RemoteAction("action_greet", None)
    good = {"events": [{"event": "slot", "name": "language", "value": "de"}],
            "responses": [{"text": "Hallo", "buttons": []}]}  # fmt: skip
    assert action._validate_action_result(good) is True
    assert action._validate_action_result({}) is True  # Rasa's schema allows both lists to be absent
    for bad in ({"events": "slot"}, {"events": [{"name": "x"}]}, {"events": [{"event": "no_such_event"}]},
                {"responses": [3]}):
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(bad)


@pytest.mark.usefixtures("patched")
def test_an_empty_domain_is_empty_and_ours_is_not() -> None:
    assert Domain.empty().is_empty()
    assert not Domain.load(ROOT / "domain.yml").is_empty()


def rule(intent: str) -> str:
    return json.dumps([{"prev_action": {"action_name": "action_listen"}, "user": {"intent": intent}}])


def test_remembered_rule_matches_equal_rasas() -> None:
    policy = RulePolicy.__new__(RulePolicy)  # the matching needs no trained state besides the lookup
    after_greet = json.dumps([{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}},
                              {"prev_action": {"action_name": "action_greet"}, "user": {"intent": "greet"}}])
    lookup = {rule("greet"): "action_greet", rule("thank"): "action_thank", after_greet: "action_listen"}
    conversations = [
        [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}],
        [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "thank"}, "slots": {"language": (1.0,)}}],
        [{"prev_action": {"action_name": "action_greet"}, "user": {"intent": "greet"}}],
        [{}, {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}],
        [{}, *[{"prev_action": {"action_name": f"action_{i}"}, "user": {"intent": "thank"}} for i in range(5)],
         {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}],  # only the end counts
        [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}},
         {"prev_action": {"action_name": "action_greet"}, "user": {"intent": "greet"}}],
        [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "thank"}},
         {"prev_action": {"action_name": "action_greet"}, "user": {"intent": "greet"}}],
    ]
    expected = [RulePolicy._get_possible_keys(policy, lookup, states) for states in conversations]
    assert expected[0] == {rule("greet")} and expected[1] == {rule("thank")}  # the example does test something
    assert expected[-2] == {after_greet} and expected[-1] == set()  # two-turn rule: the turn before counts
    originals = RulePolicy._get_possible_keys
    try:
        rasa_server._rule_matches_remembered()
        for _ in range(2):  # computed, then remembered
            got = [RulePolicy._get_possible_keys(policy, lookup, states) for states in conversations]
            assert got == expected
            got[0].clear()  # a caller changing its result does not change what is remembered
    finally:
        RulePolicy._get_possible_keys = originals
