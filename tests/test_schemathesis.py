"""Property-based checks with schemathesis: generated requests from Plaza's own OpenAPI document
(served at /api/plaza/v1/openapi.json) and from a document of the Mastodon routes Plaza serves
(built from the route table, tests/support/routes.py) never get a server error, signed in or not;
Plaza's own answers also conform to its document. Bounded and derandomised, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from starlette.testclient import TestClient

from plaza.instance import Plaza
from tests.factories import citizen, post
from tests.hotsupport import bearer_for
from tests.support.routes import mastodon_openapi

MAX_EXAMPLES = 30
SETTINGS = settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def _run(schema: Any, headers: dict[str, str], checks: list[Any]) -> list[str]:
    """Every operation of ``schema`` for a bounded number of examples; the failures found."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @SETTINGS
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report
            failures.append(f"{operation.label}: {str(exc)[:600]}")
    return failures


@pytest.fixture
def caller(client: TestClient, plaza: Plaza) -> dict[str, str]:
    someone = citizen(plaza, "prober", role="admin")
    post(plaza, someone, "#山城# 探针")
    return bearer_for(plaza, someone)


def test_plaza_api_answers_generated_requests_without_a_server_error_and_as_documented(client, caller) -> None:
    schema = schemathesis.openapi.from_asgi("/api/plaza/v1/openapi.json", client.app)
    failures = _run(schema, caller, [not_a_server_error, response_schema_conformance])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("who", ["anonymous", "signed in"])
def test_mastodon_api_never_answers_generated_requests_with_a_server_error(client, caller, who) -> None:
    schema = schemathesis.openapi.from_dict(mastodon_openapi(list(client.app.routes)))
    schema.app = client.app
    headers = caller if who == "signed in" else {}
    failures = _run(schema, headers, [not_a_server_error])
    assert not failures, "\n".join(failures)
