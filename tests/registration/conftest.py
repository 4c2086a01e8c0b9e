"""Helpers for the service tests: an event on sale and order requests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registration.services.orders import AttendeeData, BuyerData
from tests.factories import EventFactory, TicketTypeFactory


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
