"""Helpers for the registration tests: an event on sale, order requests, and a
staff API client."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from registration.orders.services import AttendeeData, BuyerData
from registration.staff.services.api_tokens import create_api_token
from tests.factories import EventFactory, TicketTypeFactory, UserFactory


def buyer(**overrides) -> BuyerData:
    data = {"name": "Ada Buyer", "email": "buyer@example.org"}
    data.update(overrides)
    return BuyerData(**data)


def attendee(ticket_type, **overrides) -> AttendeeData:
    data = {
        "ticket_type": ticket_type.pk,
        "given_name": "Mina",
        "family_name": "Park",
        "email": "mina@example.org",
    }
    data.update(overrides)
    return AttendeeData(**data)


def make_event():
    return EventFactory(
        name="Annual Conference",
        slug="annual-conference",
        registration_opens_at=timezone.now() - timedelta(days=1),
        contact_email="events@sister-cities.example",
    )


def make_delegate(event):
    return TicketTypeFactory(event=event, name="Delegate", price="450.00")


@pytest.fixture
def event(db):
    return make_event()


@pytest.fixture
def delegate(event):
    return make_delegate(event)


@pytest.fixture
def staff(db):
    return UserFactory(username="integrator", is_staff=True, is_superuser=True)


@pytest.fixture
def api(staff):
    _token, raw = create_api_token(staff, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client
