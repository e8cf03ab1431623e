"""Schemathesis against the API's own OpenAPI (/openapi.json), over HTTP: whatever it sends to
any operation, signed in as an administrator or not, the API answers no 5xx.

(schemathesis.pytest.from_fixture does not run under pytest 9, so the operations are walked
here, each with its own Hypothesis run.)"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.support.operators import operator

SKIP = {"POST /api/v1/auth/revoke"}  # signing out would only end the token the other cases use


def test_api_answers_no_server_error(system):
    schema = schemathesis.openapi.from_url(system.api_url + "/openapi.json")
    admin = {"Authorization": f"Bearer {operator(system, 'hotline', role='admin').token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    tried = []
    for op in operations:
        if op.label in SKIP:
            continue

        @given(case=op.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            case.call_and_validate(base_url=system.api_url, checks=[not_a_server_error])
            case.call_and_validate(base_url=system.api_url, headers=admin, checks=[not_a_server_error])

        fuzz()
        tried.append(op.label)
    assert "POST /webhooks/twilio/messages" in tried and "POST /api/v1/admin/erasures" in tried
