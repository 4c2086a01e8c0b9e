"""The event page's ticket table and register control show live availability."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from registration.models import AttendeeExtra, OrderStatus
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    ExtraFactory,
    OrderFactory,
    TicketTypeFactory,
)
from tests.factories.cms import (
    build_site,
    event_index,
    event_page,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    return event_index(build_site())


def publish(events, event):
    return event_page(events, event).url


def sell(ticket_type, count, *, extras=(), **order_fields):
    """`count` attendees of one ticket type in one order (paid unless told)."""
    order = OrderFactory(event=ticket_type.event, **order_fields)
    for _ in range(count):
        attendee = AttendeeFactory(order=order, ticket_type=ticket_type)
        for extra in extras:
            AttendeeExtra.objects.create(attendee=attendee, extra=extra)


def hold(minutes):
    return {
        "status": OrderStatus.PENDING,
        "expires_at": timezone.now() + timedelta(minutes=minutes),
    }


def ticket_rows(response) -> list[tuple[str, str, str, str]]:
    """(name, seats-left text, data-remaining, state) per row of the ticket table."""
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        (
            row.find(class_="ticket-name").get_text(strip=True),
            row.find(class_="seats-left").get_text(strip=True),
            row.find(class_="seats-left")["data-remaining"],
            row["data-state"],
        )
        for row in soup.select("tr.ticket-row")
    ]


def extra_rows(response) -> list[tuple[str, str]]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        (
            row.find(class_="ticket-name").get_text(strip=True),
            row.find(class_="seats-left")["data-remaining"],
        )
        for row in soup.select("tr.extra-row")
    ]


def register_control(response) -> tuple[str, bool, str]:
    """(tag, disabled, reason shown beside it) of the element with id="register"."""
    soup = BeautifulSoup(response.content, "html.parser")
    control = soup.find(id="register")
    reason = soup.find(id="register-reason")
    return (
        control.name,
        control.has_attr("disabled"),
        reason.strong.get_text(strip=True) if reason else "",
    )


def test_seats_left_count_paid_and_unexpired_holds_only(client, events):
    event = EventFactory(capacity=100)
    delegate = TicketTypeFactory(event=event, name="Delegate", capacity=50)
    sell(delegate, 3)
    sell(delegate, 2, **hold(30))
    sell(delegate, 4, **hold(-5))
    sell(delegate, 5, status=OrderStatus.CANCELED)
    sell(delegate, 1, status=OrderStatus.EXPIRED)

    response = client.get(publish(events, event))

    assert response.status_code == 200
    assert ticket_rows(response) == [("Delegate", "45 seats left", "45", "open")]
    assert register_control(response) == ("a", False, "")


def test_seats_left_is_capped_by_the_events_capacity(client, events):
    event = EventFactory(capacity=30)
    delegate = TicketTypeFactory(event=event, name="Delegate", capacity=100)
    day_pass = TicketTypeFactory(event=event, name="Day pass", capacity=5)
    sell(delegate, 12)
    sell(day_pass, 3)

    response = client.get(publish(events, event))

    assert ticket_rows(response) == [
        ("Delegate", "15 seats left", "15", "open"),
        ("Day pass", "2 seats left", "2", "open"),
    ]


def test_staff_tickets_do_not_take_delegate_seats(client, events):
    event = EventFactory(capacity=10)
    delegate = TicketTypeFactory(event=event, name="Delegate")
    staff = TicketTypeFactory(
        event=event, name="Staff", capacity=20, counts_toward_event_capacity=False
    )
    sell(delegate, 4)
    sell(staff, 15)

    response = client.get(publish(events, event))

    assert ticket_rows(response) == [
        ("Delegate", "6 seats left", "6", "open"),
        ("Staff", "5 seats left", "5", "open"),
    ]


def test_one_seat_left_reads_in_the_singular(client, events):
    event = EventFactory(capacity=None)
    TicketTypeFactory(event=event, name="Press", capacity=1)
    unlimited = TicketTypeFactory(event=event, name="Delegate", capacity=None)
    sell(unlimited, 2)

    response = client.get(publish(events, event))

    assert ticket_rows(response) == [
        ("Press", "1 seat left", "1", "open"),
        ("Delegate", "Unlimited", "unlimited", "open"),
    ]


def test_voucher_only_tickets_are_not_listed(client, events):
    event = EventFactory()
    TicketTypeFactory(event=event, name="Delegate")
    TicketTypeFactory(event=event, name="Speaker", hidden_unless_voucher=True)

    response = client.get(publish(events, event))

    assert [row[0] for row in ticket_rows(response)] == ["Delegate"]


def test_extras_show_their_own_seats_left(client, events):
    event = EventFactory()
    delegate = TicketTypeFactory(event=event)
    gala = ExtraFactory(event=event, name="Gala dinner", capacity=8)
    visit = ExtraFactory(event=event, name="Site visit", capacity=None)
    sell(delegate, 3, extras=[gala, visit])
    sell(delegate, 2, extras=[gala], **hold(-1))

    response = client.get(publish(events, event))

    assert extra_rows(response) == [("Gala dinner", "5"), ("Site visit", "unlimited")]


def test_sold_out_event_disables_register_with_the_reason(client, events):
    event = EventFactory(capacity=5)
    delegate = TicketTypeFactory(event=event, name="Delegate")
    sell(delegate, 3)
    sell(delegate, 2, **hold(20))

    response = client.get(publish(events, event))

    assert ticket_rows(response) == [("Delegate", "Sold out", "0", "sold_out")]
    assert register_control(response) == ("button", True, "Sold out.")


def test_expired_hold_reopens_a_sold_out_event(client, events):
    event = EventFactory(capacity=5)
    delegate = TicketTypeFactory(event=event, name="Delegate")
    sell(delegate, 3)
    sell(delegate, 2, **hold(-1))

    response = client.get(publish(events, event))

    assert ticket_rows(response) == [("Delegate", "2 seats left", "2", "open")]
    assert register_control(response) == ("a", False, "")


def test_closed_registration_disables_register_with_the_reason(client, events):
    now = timezone.now()
    event = EventFactory(
        registration_opens_at=now - timedelta(days=30),
        registration_closes_at=now - timedelta(hours=1),
    )
    TicketTypeFactory(event=event, name="Delegate", capacity=10)

    response = client.get(publish(events, event))

    assert ticket_rows(response) == [("Delegate", "10 seats left", "10", "closed")]
    assert register_control(response) == ("button", True, "Registration is closed.")


def test_registration_not_yet_open_disables_register_with_the_reason(client, events):
    event = EventFactory(registration_opens_at=timezone.now() + timedelta(days=7))
    TicketTypeFactory(event=event, name="Delegate", capacity=10)

    response = client.get(publish(events, event))

    assert ticket_rows(response) == [
        ("Delegate", "10 seats left", "10", "not_yet_open")
    ]
    assert register_control(response) == (
        "button",
        True,
        "Registration has not opened yet.",
    )


def test_ticket_sale_windows_show_per_row(client, events):
    now = timezone.now()
    event = EventFactory()
    TicketTypeFactory(
        event=event,
        name="Early bird",
        available_from=now - timedelta(days=10),
        available_until=now - timedelta(days=1),
    )
    TicketTypeFactory(event=event, name="Regular", capacity=100)
    TicketTypeFactory(event=event, name="Late", available_from=now + timedelta(days=20))

    response = client.get(publish(events, event))

    assert [(row[0], row[3]) for row in ticket_rows(response)] == [
        ("Early bird", "closed"),
        ("Regular", "open"),
        ("Late", "not_yet_open"),
    ]
    assert register_control(response) == ("a", False, "")


def test_register_links_to_the_checkout_of_the_event(client, events):
    event = EventFactory(slug="annual-conference-2027")
    TicketTypeFactory(event=event)

    response = client.get(publish(events, event))

    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find(id="register")["href"] == "/register/annual-conference-2027/"


def test_seats_left_are_read_on_every_request(client, events):
    event = EventFactory(capacity=10)
    delegate = TicketTypeFactory(event=event, name="Delegate")
    url = publish(events, event)
    first = client.get(url)
    sell(delegate, 4)

    second = client.get(url)

    assert ticket_rows(first) == [("Delegate", "10 seats left", "10", "open")]
    assert ticket_rows(second) == [("Delegate", "6 seats left", "6", "open")]
