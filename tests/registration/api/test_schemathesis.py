"""Schemathesis over the whole API, in-process through the WSGI app.

Every operation in /api/schema/ gets a few generated requests (valid and
invalid): no answer may be a 5xx, and every status code, content type and body
must be the one the schema documents. The full run against a real server is
tests/drills/schemathesis_run.py; this is the bounded version CI runs.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from registration.checkin.services.devices import create_device
from registration.models import CheckInList, OrderStatus
from registration.staff.services.api_tokens import create_api_token
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def _connection_kept_between_requests():
    """As Django's test client does: the WSGI calls must not close the test's
    connection at request start and end (in the test's transaction its
    autocommit differs from the settings', and Django would close it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(db):
    """A staff token and a device token, with an event, a paid attendee and a door."""
    cache.clear()
    event = EventFactory(slug="conf")
    ticket = TicketTypeFactory(event=event, name="Delegate")
    order = OrderFactory(event=event, status=OrderStatus.PAID)
    AttendeeFactory(order=order, ticket_type=ticket)
    CheckInList.objects.create(event=event, name="Main door")
    staff = UserFactory(username="fuzz", is_staff=True, is_superuser=True)
    _token, api_token = create_api_token(staff, name="schemathesis")
    _device, device_token = create_device(name="Door 1", events=[event])
    yield {"staff": f"Token {api_token}", "device": f"Device {device_token}"}
    cache.clear()


# Building the schema needs no database: the data comes from `credentials`.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
# The coverage phase (every boundary case of every parameter, thousands of
# requests) is the drill's job; here: the schema's examples and random cases.
schema.config.phases.coverage.enabled = False


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_as_documented(case, credentials):
    device = case.path.startswith("/api/v1/checkin/")
    case.call_and_validate(
        headers={"Authorization": credentials["device" if device else "staff"]},
        checks=CHECKS,
    )
