"""schemathesis against the app's own OpenAPI schema, as a plain user and as an admin: no server error and
every answer matching its documented schema, with a bounded number of examples per operation."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from recognize.library.accounts import create_token
from recognize.library.libraries import find_user
from recognize.server import create_server
from tests.api.conftest import ALICE, BOB

EXAMPLES = 10
USERS = {"admin": ALICE[0], "plain": BOB[0]}


@pytest.mark.parametrize("who", sorted(USERS))
def test_no_server_error_and_answers_match_the_schema(api, who: str) -> None:
    _client, app, _root = api
    with app.database.session() as session:
        token = create_token(session, find_user(session, USERS[who]), "fuzz")
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_server(app))
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=[response_schema_conformance])

        try:
            run()
        except Exception as error:  # noqa: BLE001 - every failing operation is reported together
            failures.append(f"{operation.label}: {str(error)[:600]}")
    assert not failures, "\n\n".join(failures)
