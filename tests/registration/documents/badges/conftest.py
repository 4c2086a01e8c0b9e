"""An event with delegations and three ticket types, and staff with and without printing rights."""

import pytest
from django.contrib.auth.models import Permission

from registration.models import OrderStatus
from tests.factories import (
    AttendeeFactory,
    DelegationFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)


def staff_user(username: str, *codenames: str):
    """A Wagtail admin user (no superuser) holding exactly these permissions."""
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["access_admin", *codenames])
    )
    return user


@pytest.fixture
def event(db):
    return EventFactory(name="Annual Conference 2027", slug="annual-2027")


@pytest.fixture
def delegate(event):
    return TicketTypeFactory(event=event, name="Delegate", badge_colour="#1F6FB2")


@pytest.fixture
def speaker(event):
    return TicketTypeFactory(
        event=event, name="Speaker", badge_colour="#F2C94C", badge_layout="letter-6up"
    )


@pytest.fixture
def kyoto(event):
    return DelegationFactory(event=event, name="Kyoto", home_country="JP")


@pytest.fixture
def toulouse(event):
    return DelegationFactory(event=event, name="Toulouse", home_country="FR")


@pytest.fixture
def people(event, delegate, speaker, kyoto, toulouse):
    """Five admitted attendees, and two who are not (pending, canceled).

    Family names start with plain letters: SQLite sorts "Ō" after "Z" while
    PostgreSQL's collation sorts it with "O".
    """
    order = OrderFactory(event=event)
    rows = [
        ("Okubo", "Shōta", delegate, kyoto),
        ("Abara", "Ada", speaker, toulouse),
        ("Moreau", "Chloé", delegate, toulouse),
        ("Zhou", "Wei", delegate, None),
        ("Petrova", "Мария", speaker, kyoto),
    ]
    admitted = {
        family: AttendeeFactory(
            order=order,
            ticket_type=ticket_type,
            given_name=given,
            family_name=family,
            badge_name=f"{given} {family}",
            delegation=delegation,
        )
        for family, given, ticket_type, delegation in rows
    }
    for status in (OrderStatus.PENDING, OrderStatus.CANCELED):
        AttendeeFactory(
            order__event=event,
            order__status=status,
            ticket_type=delegate,
            family_name="Unpaid",
        )
    return admitted


@pytest.fixture
def printer(db):
    return staff_user("printer", "print_badges", "view_attendee")


@pytest.fixture
def desk_lead(db):
    return staff_user("desk-lead", "print_badges", "view_attendee", "change_attendee")


@pytest.fixture
def viewer(db):
    """Staff who may see attendees but neither print nor reissue."""
    return staff_user("viewer", "view_attendee")
