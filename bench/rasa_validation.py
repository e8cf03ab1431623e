"""Run in the Rasa environment by the benchmark: what Rasa's check of one custom action's answer
costs as shipped (`jsonschema.validate`, which checks the constant schema against the JSON
Schema meta-schema on every call) and with the validator built once (this project's Rasa,
bot/channels/action_validation.py). Prints milliseconds per call as JSON."""

from __future__ import annotations

import json
import time

from jsonschema import validate, validators
from rasa.core.actions.action import RemoteAction

ANSWER = {
    "events": [{"event": "slot", "name": "fallback_count", "value": 0, "timestamp": None}],
    "responses": [
        {
            "text": "Arrested or detained: stay calm, do not resist.",
            "buttons": [],
            "elements": [],
            "custom": {},
            "template": None,
            "response": None,
            "image": None,
            "attachment": None,
        }
    ],
}


def per_call(f, n: int) -> float:
    f()
    started = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - started) / n * 1000


if __name__ == "__main__":
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    built = cls(schema)
    print(
        json.dumps(
            {
                "as_shipped_ms": per_call(lambda: validate(ANSWER, schema), 20),
                "built_once_ms": per_call(lambda: list(built.iter_errors(ANSWER)), 200),
            }
        )
    )
