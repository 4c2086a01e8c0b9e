"""People of one event to mail: helpers and a staff user who may send."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from registration.mailings.selectors import AudienceFilters
from registration.mailings.services.compose import MailingDraft, save_mailing
from registration.models import CheckIn, CheckInList, CheckInResult, Device
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)


def member_of(*groups: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def door_scan(attendee, *, result=CheckInResult.OK):
    door, _created = CheckInList.objects.get_or_create(
        event=attendee.order.event, name="Main door"
    )
    device, _created = Device.objects.get_or_create(name="Door 1")
    return CheckIn.objects.create(
        checkin_list=door,
        attendee=attendee,
        result=result,
        device=device,
        nonce=f"n{attendee.pk}-{result}",
        scanned_at=timezone.now(),
    )


def person(event, given_name: str, *, ticket_type=None, order=None, **fields):
    """An attendee of `event` named `given_name` (their own paid order by default)."""
    slug = given_name.lower()
    order = order or OrderFactory(
        event=event,
        buyer_name=f"{given_name} Buyer",
        buyer_email=f"{slug}.buyer@example.org",
    )
    return AttendeeFactory(
        order=order,
        ticket_type=ticket_type
        or TicketTypeFactory(event=event, name=f"{given_name}'s ticket"),
        given_name=given_name,
        family_name="Park",
        email=fields.pop("email", f"{slug}@example.org"),
        **fields,
    )


def texts(**overrides) -> dict[str, str]:
    data = {
        "subject_en": "Know before you go",
        "body_en": "Dear {name}, see you at {event}.",
    }
    data.update(overrides)
    return data


def draft(audience="attendees", *, filters=None, **overrides) -> MailingDraft:
    fields = {
        "name": "Know before you go",
        "audience": audience,
        "filters": filters or AudienceFilters(),
        "texts": texts(),
    }
    fields.update(overrides)
    return MailingDraft(**fields)


def write_mailing(event, by, audience="attendees", **overrides):
    return save_mailing(event, draft=draft(audience, **overrides), by=by)


@pytest.fixture
def event(db):
    return EventFactory(
        name="Annual Conference",
        starts_at=timezone.now() + timedelta(days=30),
        contact_email="events@sister-cities.example",
    )


@pytest.fixture
def manager(db):
    return member_of("Registration managers", username="manager")


@pytest.fixture
def youth_officer(db):
    return member_of("Youth protection", username="youth")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)
