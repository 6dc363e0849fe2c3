"""Schemathesis against the API's own OpenAPI document, on a live server: every operation,
with generated parameters, answers no server error and only responses its schema
describes (the one check left out is said below). Bounded for `make test`
(`SCHEMATHESIS_EXAMPLES`, 15 per operation by default)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from concertation.accounts.scope import scope_for
from concertation.api import tokens
from concertation.api.api import api
from tests.api import world as worlds
from tests.factories import agency_organiser

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "15"))


# The world is committed (the live server reads it from its thread), then flushed after each
# operation's test and the reference data (territories) restored, as in the browser tests: a
# flush of its own left the content types that the next serialized rollback restores.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def base_url(live_server, settings):
    world = worlds.build()
    settings.API_RATE_PER_MINUTE = 1_000_000
    # The organisers' operations are called with a token of the ARS of the world's days (and
    # schemathesis checks that each refuses a call without it).
    region = world.days["public"][0].department.region
    organiser = agency_organiser(region.code)
    _, raw = tokens.create(scope=scope_for(organiser), user=organiser, name="schemathesis")
    return live_server.url, {"Authorization": f"Bearer {raw}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_schema(case, base_url):
    # Every check but one: an id or code the schema types as a string or an integer but that
    # names nothing (a theme that does not exist) is refused with the site's French message,
    # which schemathesis would count as "valid data rejected".
    url, headers = base_url
    if _drops_authorization(case):
        # A negative case built without the Authorization header the schema requires must
        # go out without it (the token added back would hide the violation it is about).
        headers = {}
    case.call_and_validate(base_url=url, headers=headers,
                           excluded_checks=[positive_data_acceptance])


def _drops_authorization(case) -> bool:
    meta = case.meta
    header = meta.components.get(ParameterLocation.HEADER) if meta else None
    return (header is not None and header.mode == GenerationMode.NEGATIVE
            and "Authorization" not in (case.headers or {}))
