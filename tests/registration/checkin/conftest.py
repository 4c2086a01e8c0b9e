"""Check-in fixtures: an event with a door list, a paired device and its client."""

import secrets

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from registration.checkin.services.devices import create_device
from registration.models import CheckInList, OrderStatus
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def event(db):
    return EventFactory(name="Annual Conference", slug="conf")


@pytest.fixture
def delegate(event):
    return TicketTypeFactory(event=event, name="Delegate")


@pytest.fixture
def door(event):
    return CheckInList.objects.create(event=event, name="Main door")


@pytest.fixture
def device_and_token(event):
    return create_device(name="Door 1", events=[event])


@pytest.fixture
def device(device_and_token):
    return device_and_token[0]


@pytest.fixture
def client(device_and_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {device_and_token[1]}")
    return client


def make_attendee(ticket_type, *, status=OrderStatus.PAID, **fields):
    order = OrderFactory(event=ticket_type.event, status=status)
    return AttendeeFactory(order=order, ticket_type=ticket_type, **fields)


@pytest.fixture
def guest(delegate):
    return make_attendee(
        delegate,
        badge_name="Amara Okafor",
        given_name="Amara",
        family_name="Okafor",
        email="amara@example.org",
    )


def nonce() -> str:
    return secrets.token_hex(8)


def scan(client, checkin_list, secret=None, **extra):
    body = {
        "list": checkin_list.pk,
        "nonce": extra.pop("nonce", None) or nonce(),
        **extra,
    }
    if secret is not None:
        body["secret"] = secret
    return client.post("/api/v1/checkin/redeem/", body, format="json")
