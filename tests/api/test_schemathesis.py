"""Schemathesis against the live server's /openapi.json: generated requests, bounded in number.

Valid and invalid requests alike must get a documented answer: never a 5xx, and status codes, content
types and bodies that match the document. (Schemathesis' pytest plugin does not run on pytest 9, so
each operation's strategy drives a hypothesis test here.)
"""

from __future__ import annotations

import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Nothing to make invalid: no parameters, no body.
NO_INPUT = {"GET /healthz", "GET /readyz", "GET /metrics", "GET /v1/models"}
# Operations that run the language model get few examples; the rest more.
OPERATIONS = {
    "GET /healthz": 10,
    "GET /readyz": 5,
    "GET /metrics": 5,
    "POST /v1/search": 25,
    "GET /v1/users/{user_id}/recommendations": 20,
    "GET /v1/users/{user_id}/profile": 15,
    "POST /v1/events": 20,
    "DELETE /v1/users/{user_id}": 15,
    "GET /v1/sessions/{session_id}": 15,
    "POST /v1/campaigns/{campaign_id}/runs": 15,
    "GET /v1/campaigns/{campaign_id}/runs": 10,
    "GET /v1/campaigns/{campaign_id}/runs/{run_id}": 10,
    "POST /v1/chat": 3,
    "POST /v1/chat/completions": 3,
    "GET /v1/models": 5,
    "POST /v1/push/preview": 3,
}


def _wait_until_ready(url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while httpx.get(f"{url}/readyz", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "the server did not get ready"
        time.sleep(1)


@pytest.fixture(scope="module")
def api_schema(server):
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


@pytest.mark.slow
def test_the_document_lists_exactly_the_operations_under_test(api_schema):
    labels = {r.ok().label for r in api_schema.get_all_operations()}
    assert labels == set(OPERATIONS)


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("label", list(OPERATIONS))
def test_generated_requests_get_documented_answers_and_no_server_errors(api_schema, server, label, mode):
    if mode == GenerationMode.NEGATIVE and label in NO_INPUT:
        pytest.skip("no parameters or body to make invalid")
    if label == "GET /readyz":  # 503 while the models load is its documented answer: check it once loaded
        _wait_until_ready(server.url)
    operation = next(r.ok() for r in api_schema.get_all_operations() if r.ok().label == label)
    headers = {"Authorization": f"Bearer {server.keys['admin']}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=OPERATIONS[label],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        # A request can match the schema and still name a product or campaign that does not exist:
        # those get a 404 or a 422 with the field, so "schema-valid means accepted" is not checked.
        case.call_and_validate(
            headers=headers,
            additional_checks=[not_a_server_error],
            excluded_checks=[positive_data_acceptance],
            timeout=120,
        )

    run()
