"""Rasa and the action server as production runs them: secrets from the environment, JSON logs throughout,
and measured hot spots of Rasa 3.6 removed (py-spy and cProfile under tools/loadtest.py; each function
below says what it saved; tests/unit/test_rasa_server.py checks they answer as Rasa does).

    python -m bot.rasa_server run --enable-api ...     # = rasa run ..., plus --jwt-secret $RASA_JWT_SECRET
    python -m bot.rasa_server sdk --actions actions ... # = python -m rasa_sdk ...

A command line can be read by every user of the machine (``ps``), the environment of a process cannot: the
JWT secret is added here, inside the process. With ``STADTLOTSE_LOG_FORMAT=json`` two more things: Rasa
installs coloured text logging on the root logger *after* reading ``--logging-config-file``, and Sanic
configures its own text handlers when the app is created; both are turned into the JSON records of
``deploy/logging.yml`` (bot/logs.py).
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any


def _json_logs_everywhere(kind: str) -> None:
    import sanic.log

    # Sanic switches deprecation warnings back on at import ("once"); libraries' warnings at import time
    # would be the only lines of the log that are not JSON records.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if kind != "sdk":
        import rasa.utils.io

        rasa.utils.io.configure_colored_logging = lambda *_args, **_kwargs: None
    sanic_config = sanic.log.LOGGING_CONFIG_DEFAULTS  # changed in place: sanic.app holds a reference
    sanic_config.clear()
    sanic_config.update({
        "version": 1,
        "disable_existing_loggers": False,
        "loggers": {  # no handlers of their own: records go to the root logger's JSON handler
            "sanic.root": {"level": "INFO", "propagate": True},
            "sanic.error": {"level": "INFO", "propagate": True},
            "sanic.access": {"level": "WARNING", "propagate": True},
        },
    })  # fmt: skip


def _check_action_results_by_their_shape() -> None:
    """Rasa checks every action server response against a JSON schema with one ``oneOf`` branch per event
    type (20 of them, each tried for each event): measured with py-spy under load, 6 % of a replica's CPU
    even with the schema compiled once. Here the shape Rasa's code relies on is checked directly (an object
    with lists of event objects, each naming an event type Rasa knows, and of response objects); anything
    else goes through Rasa's own validation and error message. Not checked here any more: the fields each
    event type requires (Rasa then skips such an event with a warning when it reads it)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    rasa_validate = RemoteAction._validate_action_result
    event_types = {cls.type_name for cls in all_subclasses(Event) if isinstance(getattr(cls, "type_name", None), str)}

    def well_formed(result: object) -> bool:
        if not isinstance(result, dict):
            return False
        events, responses = result.get("events", []), result.get("responses", [])
        return (
            isinstance(events, list)
            and isinstance(responses, list)
            and all(isinstance(e, dict) and e.get("event") in event_types for e in events)
            and all(isinstance(r, dict) for r in responses)
        )

    def validate_action_result(self: RemoteAction, result: dict) -> bool:
        return True if well_formed(result) else bool(rasa_validate(self, result))

    RemoteAction._validate_action_result = validate_action_result


def _event_classes_from_a_table() -> None:
    """Rasa finds the class of every stored event by walking all subclasses of ``Event`` (recursively, a
    new list each time): 10 % of the time per message in cProfile, because every message reads the whole
    conversation back from the tracker store. The classes do not change while the server runs: the answer
    for each type name is kept after the first walk."""
    from rasa.shared.core.events import Event

    rasa_resolve = Event.resolve_by_type
    known: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        found = known.get(type_name)
        if found is None:
            found = rasa_resolve(type_name, default)  # Rasa's own walk, default and error
            if found is not None and found is not default:
                known[type_name] = found
        return found

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]


def _rule_matches_remembered() -> None:
    """Rasa's RulePolicy compares the conversation's states with every rule, turn by turn, twice per message
    (which action answers, then: listen): 12 % of a replica's CPU (py-spy). Which rules fit depends only on
    the last states, as many as the longest rule has (Rasa counts every rule as fitting further back than
    its length), and the rules are fixed once the model is loaded: the answer is kept per sequence of last
    states (a few hundred distinct ones: intents × previous action × slots). The states go in as a frozen
    copy, the result comes out as a new set, as Rasa's own function returns it."""
    import json

    from rasa.core.policies.rule_policy import RulePolicy

    rasa_keys = RulePolicy._get_possible_keys
    longest: dict[int, tuple[dict[str, str], int]] = {}  # id(lookup) -> (lookup, turns of its longest rule)
    remembered: dict[tuple[int, Any], frozenset[str]] = {}
    limit = 20_000  # distinct state sequences kept; beyond that, computed each time as before

    def get_possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[dict[str, Any]]) -> set[str]:
        known = longest.get(id(lookup))
        if known is None or known[0] is not lookup:
            known = longest[id(lookup)] = (lookup, max((len(json.loads(k)) for k in lookup), default=0))
        key = (id(lookup), _frozen(states[max(0, len(states) - known[1]):] if known[1] else []))
        try:
            found = remembered.get(key)
        except TypeError:  # a state value that cannot be a key (none seen): Rasa's own matching
            return set(rasa_keys(self, lookup, states))
        if found is None:
            found = frozenset(rasa_keys(self, lookup, states))
            if len(remembered) < limit:
                remembered[key] = found
        return set(found)

    RulePolicy._get_possible_keys = get_possible_keys


def _frozen(value: Any) -> Any:
    """A hashable copy of a Rasa state (dicts of dicts of strings, numbers and tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    return value


def _empty_domain_built_once() -> None:
    """Before every message Rasa asks whether its domain is empty by building a new empty ``Domain`` and
    comparing the two as dicts: 2.5 % of a replica's CPU (py-spy). The empty domain's dict is built once."""
    from rasa.shared.core.domain import Domain

    empty = Domain.empty().as_dict()
    Domain.is_empty = lambda self: self.as_dict() == empty  # type: ignore[method-assign]


def _run_graphs_without_a_scheduler() -> None:
    """Rasa runs its NLU and policy graphs (8 and 6 small nodes) for every message through dask's local
    scheduler (``dask.get``); its bookkeeping cost 0.8 ms per run here, twice per message. ``dask.core.get``
    executes the same graph, same order of dependencies, same results, without the scheduler."""
    import dask
    import dask.core

    dask.get = dask.core.get


def _one_http_client_for_the_action_server() -> None:
    """Rasa builds a new aiohttp ClientSession (connector, cookie jar, timeouts) for every call to the action
    server and closes it again: 5 % of a replica's CPU under load. One session per endpoint and event loop
    instead, with a new connection per request as before (no kept-alive socket can go stale)."""
    import asyncio

    import aiohttp
    from rasa.utils import endpoints

    sessions: dict[tuple[int, int], aiohttp.ClientSession] = {}
    rasa_session = endpoints.EndpointConfig.session

    class SharedSession:
        def __init__(self, config: endpoints.EndpointConfig):
            self.config = config

        async def __aenter__(self) -> aiohttp.ClientSession:
            key = (id(self.config), id(asyncio.get_running_loop()))
            session = sessions.get(key)
            if session is None or session.closed:
                template = rasa_session(self.config)  # Rasa's own headers, auth and timeout
                session = aiohttp.ClientSession(
                    headers=template._default_headers, auth=template._default_auth, timeout=template.timeout,
                    connector=aiohttp.TCPConnector(force_close=True),
                )  # fmt: skip
                await template.close()
                sessions[key] = session
            return session

        async def __aexit__(self, *_exc: object) -> None:
            return None

    endpoints.EndpointConfig.session = lambda self: SharedSession(self)


def main() -> None:
    kind, arguments = (sys.argv[1:2] or ["run"])[0], sys.argv[2:]
    if os.environ.get("STADTLOTSE_LOG_FORMAT") == "json":
        _json_logs_everywhere(kind)
    if kind == "sdk":
        from rasa_sdk.__main__ import main as sdk_main

        sys.argv = ["rasa_sdk", *arguments]
        sdk_main()
        return
    secret = os.environ.get("RASA_JWT_SECRET")
    if secret and "--jwt-secret" not in arguments:
        arguments += ["--jwt-secret", secret]
    sys.argv = ["rasa", kind, *arguments]
    _check_action_results_by_their_shape()
    _event_classes_from_a_table()
    _rule_matches_remembered()
    _empty_domain_built_once()
    _run_graphs_without_a_scheduler()
    _one_http_client_for_the_action_server()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
