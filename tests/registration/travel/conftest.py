"""An event with a delegation led from abroad, for the delegation and travel tests."""

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from registration.models import DelegationBilling
from registration.orders.services import AttendeeData
from tests.factories import EventFactory, TicketTypeFactory, UserFactory
from tests.factories.travel import LedDelegationFactory

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def event(db):
    return EventFactory(
        name="Annual Conference 2027",
        slug="conference-2027",
        starts_at=timezone.now() + timedelta(days=90),
        ends_at=timezone.now() + timedelta(days=93),
        registration_opens_at=timezone.now() - timedelta(days=10),
        registration_closes_at=timezone.now() + timedelta(days=89),
        contact_email="events@sister-cities.example",
        payment_term_days=14,
    )


@pytest.fixture
def delegate(event):
    return TicketTypeFactory(event=event, name="Delegate", price=Decimal("450.00"))


@pytest.fixture
def delegation(event):
    return LedDelegationFactory(
        event=event, name="Toulouse delegation", home_city="Toulouse", home_country="FR"
    )


@pytest.fixture
def each_pays(event):
    return LedDelegationFactory(
        event=event,
        name="Kyiv delegation",
        home_city="Kyiv",
        home_country="UA",
        billing=DelegationBilling.EACH_PAYS,
    )


@pytest.fixture
def staff(db):
    return UserFactory(username="staffer", is_staff=True, is_superuser=True)


def member(ticket_type, **overrides) -> AttendeeData:
    data = {
        "ticket_type": ticket_type.pk,
        "given_name": "Léa",
        "family_name": "Dubois",
        "email": "lea@toulouse.example",
    }
    data.update(overrides)
    return AttendeeData(**data)
