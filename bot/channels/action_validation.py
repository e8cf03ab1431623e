"""Rasa checks every custom action's answer against its response schema with
`jsonschema.validate`, which first checks the (constant) schema itself against the JSON Schema
2020-12 meta-schema: about 50 ms of CPU per action call, half of what a Rasa turn costs on the
project's machine (docs/benchmarks.md, "System benchmark"). Here the validator is built and its
schema checked once; each answer is still validated, with the same errors.

Imported by this project's channel (bot/channels/worker.py), so it applies to the Rasa that
the worker talks to.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import ValidationError, exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _validator():
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    # What jsonschema.validate does, less the schema check on every call.
    error = exceptions.best_match(_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


RemoteAction._validate_action_result = _validate_action_result
