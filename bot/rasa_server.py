"""Rasa and the action server as production runs them: secrets from the environment, JSON logs throughout,
and three measured hot spots of Rasa 3.6 removed (py-spy and cProfile under tools/loadtest.py).

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


def _validate_action_results_with_one_compiled_schema() -> None:
    """Rasa checks every action server response with ``jsonschema.validate``, which first validates the
    (constant) schema itself: measured with py-spy under load, 40 % of a replica's CPU. Same check, the
    schema compiled once; an invalid response still goes through Rasa's own code and error message."""
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    rasa_validate = RemoteAction._validate_action_result

    def validate_action_result(self: RemoteAction, result: dict) -> bool:
        try:
            validator.validate(result)
        except ValidationError:
            return bool(rasa_validate(self, result))  # raises with Rasa's message
        return True

    RemoteAction._validate_action_result = validate_action_result


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
    _validate_action_results_with_one_compiled_schema()
    _run_graphs_without_a_scheduler()
    _one_http_client_for_the_action_server()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
