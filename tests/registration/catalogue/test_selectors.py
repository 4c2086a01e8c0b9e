from datetime import timedelta

import pytest
from django.utils import timezone

from registration.catalogue.selectors import (
    SalesState,
    get_availability,
    get_event_sales,
)
from registration.models import AttendeeExtra, OrderStatus
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    ExtraFactory,
    OrderFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db


def add_attendees(ticket_type, count, **order_fields):
    """`count` attendees of one ticket type, in one order with the given fields."""
    order = OrderFactory(event=ticket_type.event, **order_fields)
    return [AttendeeFactory(order=order, ticket_type=ticket_type) for _ in range(count)]


def pending_hold(minutes):
    """Order fields of a pending hold expiring `minutes` from now (past if negative)."""
    return {
        "status": OrderStatus.PENDING,
        "expires_at": timezone.now() + timedelta(minutes=minutes),
    }


# --- get_availability ---------------------------------------------------------------


def test_availability_counts_paid_and_unexpired_pending_only():
    event = EventFactory(capacity=100)
    ticket_type = TicketTypeFactory(event=event, capacity=50)
    add_attendees(ticket_type, 3)
    add_attendees(ticket_type, 2, **pending_hold(30))
    add_attendees(ticket_type, 4, **pending_hold(-1))
    add_attendees(ticket_type, 5, status=OrderStatus.CANCELED)
    add_attendees(ticket_type, 6, status=OrderStatus.EXPIRED)
    add_attendees(ticket_type, 7, status=OrderStatus.AWAITING_APPROVAL)

    availability = get_availability(event)

    assert availability.event_held == 5
    assert availability.event_remaining == 95
    assert availability.held_by_ticket_type == {ticket_type.pk: 5}
    assert availability.for_ticket_type(ticket_type) == 45


def test_availability_frees_a_hold_the_moment_it_expires():
    event = EventFactory(capacity=10)
    ticket_type = TicketTypeFactory(event=event)
    expires_at = timezone.now() + timedelta(minutes=5)
    add_attendees(ticket_type, 2, status=OrderStatus.PENDING, expires_at=expires_at)

    before = get_availability(event, now=expires_at - timedelta(seconds=1))
    at_expiry = get_availability(event, now=expires_at)

    assert before.event_remaining == 8
    assert at_expiry.event_remaining == 10


def test_availability_ignores_other_events_orders():
    event = EventFactory(capacity=10)
    ticket_type = TicketTypeFactory(event=event)
    other_ticket_type = TicketTypeFactory(event=EventFactory(capacity=10))
    add_attendees(other_ticket_type, 4)

    availability = get_availability(event)

    assert availability.event_held == 0
    assert availability.for_ticket_type(ticket_type) == 10


def test_ticket_type_left_is_the_smaller_of_its_own_and_the_events():
    event = EventFactory(capacity=10)
    delegate = TicketTypeFactory(event=event, capacity=20)
    day_pass = TicketTypeFactory(event=event, capacity=3)
    add_attendees(delegate, 6)
    add_attendees(day_pass, 1)

    availability = get_availability(event)

    assert availability.event_remaining == 3
    assert availability.for_ticket_type(delegate) == 3
    assert availability.for_ticket_type(day_pass) == 2


def test_staff_ticket_neither_takes_nor_is_limited_by_event_capacity():
    event = EventFactory(capacity=5)
    delegate = TicketTypeFactory(event=event)
    staff = TicketTypeFactory(
        event=event, capacity=8, counts_toward_event_capacity=False
    )
    add_attendees(delegate, 5)
    add_attendees(staff, 3)

    availability = get_availability(event)

    assert availability.event_held == 5
    assert availability.event_remaining == 0
    assert availability.for_ticket_type(delegate) == 0
    assert availability.for_ticket_type(staff) == 5


def test_no_capacity_anywhere_means_no_limit():
    event = EventFactory(capacity=None)
    ticket_type = TicketTypeFactory(event=event, capacity=None)
    add_attendees(ticket_type, 3)

    availability = get_availability(event)

    assert availability.event_held == 3
    assert availability.event_remaining is None
    assert availability.for_ticket_type(ticket_type) is None


def test_unlimited_ticket_type_is_limited_by_the_event():
    event = EventFactory(capacity=4)
    ticket_type = TicketTypeFactory(event=event, capacity=None)
    add_attendees(ticket_type, 1)

    assert get_availability(event).for_ticket_type(ticket_type) == 3


def test_remaining_never_goes_below_zero_when_oversold():
    event = EventFactory(capacity=2)
    ticket_type = TicketTypeFactory(event=event, capacity=1)
    # Capacity lowered by staff after the sales.
    add_attendees(ticket_type, 3)

    availability = get_availability(event)

    assert availability.event_held == 3
    assert availability.event_remaining == 0
    assert availability.for_ticket_type(ticket_type) == 0


def test_extras_count_their_own_capacity_from_seat_holding_orders():
    event = EventFactory(capacity=None)
    ticket_type = TicketTypeFactory(event=event)
    gala = ExtraFactory(event=event, capacity=10)
    t_shirt = ExtraFactory(event=event, capacity=None)
    for order_fields, count in [
        ({}, 2),
        (pending_hold(30), 1),
        (pending_hold(-1), 3),
        ({"status": OrderStatus.CANCELED}, 4),
    ]:
        for attendee in add_attendees(ticket_type, count, **order_fields):
            AttendeeExtra.objects.create(attendee=attendee, extra=gala)
            AttendeeExtra.objects.create(attendee=attendee, extra=t_shirt)

    availability = get_availability(event)

    assert availability.held_by_extra == {gala.pk: 3, t_shirt.pk: 3}
    assert availability.for_extra(gala) == 7
    assert availability.for_extra(t_shirt) is None


def test_extra_sold_out_shows_zero_left():
    event = EventFactory()
    ticket_type = TicketTypeFactory(event=event)
    workshop = ExtraFactory(event=event, capacity=2)
    for attendee in add_attendees(ticket_type, 2):
        AttendeeExtra.objects.create(attendee=attendee, extra=workshop)

    assert get_availability(event).for_extra(workshop) == 0


def test_extras_without_capacity_skip_the_extras_query(django_assert_num_queries):
    event = EventFactory(capacity=10)
    ticket_types = [TicketTypeFactory(event=event)]
    extras = [ExtraFactory(event=event, capacity=None)]

    with django_assert_num_queries(1):
        availability = get_availability(event, ticket_types=ticket_types, extras=extras)

    assert availability.held_by_extra == {}
    assert availability.extras == {extras[0].pk: None}


def test_availability_reads_everything_in_four_queries_at_most(
    django_assert_num_queries,
):
    event = EventFactory(capacity=10)
    TicketTypeFactory.create_batch(5, event=event)
    ExtraFactory.create_batch(3, event=event, capacity=5)

    # Ticket types, extras, attendees held, extras held.
    with django_assert_num_queries(4):
        get_availability(event)


# --- get_event_sales ----------------------------------------------------------------


def test_event_sales_is_open_with_seats_left_and_no_reason():
    event = EventFactory(capacity=10)
    ticket_type = TicketTypeFactory(event=event, capacity=4)
    add_attendees(ticket_type, 1)

    sales = get_event_sales(event)

    assert sales.state == SalesState.OPEN
    assert sales.can_register is True
    assert sales.reason == ""
    assert [(o.ticket_type, o.remaining, o.state) for o in sales.offers] == [
        (ticket_type, 3, SalesState.OPEN)
    ]


def test_event_sales_leaves_out_ticket_types_hidden_unless_voucher():
    event = EventFactory()
    delegate = TicketTypeFactory(event=event, name="Delegate")
    TicketTypeFactory(event=event, name="Speaker", hidden_unless_voucher=True)
    member = TicketTypeFactory(event=event, name="Member delegate", members_only=True)

    sales = get_event_sales(event)

    assert [offer.ticket_type for offer in sales.offers] == [delegate, member]


def test_event_sales_lists_extras_with_seats_left():
    event = EventFactory()
    ticket_type = TicketTypeFactory(event=event)
    gala = ExtraFactory(event=event, capacity=3)
    visit = ExtraFactory(event=event, capacity=None)
    [attendee] = add_attendees(ticket_type, 1)
    AttendeeExtra.objects.create(attendee=attendee, extra=gala)

    assert get_event_sales(event).extras == [(gala, 2), (visit, None)]


def test_event_sales_before_registration_opens():
    now = timezone.now()
    event = EventFactory(registration_opens_at=now + timedelta(days=2))
    TicketTypeFactory(event=event)

    sales = get_event_sales(event, now=now)

    assert sales.state == SalesState.NOT_YET_OPEN
    assert sales.can_register is False
    assert sales.reason == "Registration has not opened yet."
    assert [offer.state for offer in sales.offers] == [SalesState.NOT_YET_OPEN]


def test_event_sales_after_registration_closes():
    now = timezone.now()
    event = EventFactory(
        registration_opens_at=now - timedelta(days=10),
        registration_closes_at=now - timedelta(days=1),
    )
    TicketTypeFactory(event=event)

    sales = get_event_sales(event, now=now)

    assert sales.state == SalesState.CLOSED
    assert sales.can_register is False
    assert sales.reason == "Registration is closed."
    assert [offer.state for offer in sales.offers] == [SalesState.CLOSED]


def test_registration_window_opens_at_its_start_and_closes_at_its_end():
    event = EventFactory()
    TicketTypeFactory(event=event)

    at_open = get_event_sales(event, now=event.registration_opens_at)
    before_close = get_event_sales(
        event, now=event.registration_closes_at - timedelta(seconds=1)
    )
    at_close = get_event_sales(event, now=event.registration_closes_at)

    assert at_open.state == SalesState.OPEN
    assert before_close.state == SalesState.OPEN
    assert at_close.state == SalesState.CLOSED


def test_event_sales_sold_out_when_every_ticket_type_is_full():
    event = EventFactory(capacity=3)
    delegate = TicketTypeFactory(event=event)
    day_pass = TicketTypeFactory(event=event)
    add_attendees(delegate, 2)
    add_attendees(day_pass, 1)

    sales = get_event_sales(event)

    assert sales.state == SalesState.SOLD_OUT
    assert sales.can_register is False
    assert sales.reason == "Sold out."
    assert [(o.remaining, o.state) for o in sales.offers] == [
        (0, SalesState.SOLD_OUT),
        (0, SalesState.SOLD_OUT),
    ]


def test_event_sales_stays_open_while_one_ticket_type_has_seats():
    event = EventFactory(capacity=None)
    full = TicketTypeFactory(event=event, capacity=1)
    roomy = TicketTypeFactory(event=event, capacity=5)
    add_attendees(full, 1)

    sales = get_event_sales(event)

    assert sales.state == SalesState.OPEN
    assert [(o.ticket_type, o.remaining, o.state) for o in sales.offers] == [
        (full, 0, SalesState.SOLD_OUT),
        (roomy, 5, SalesState.OPEN),
    ]


def test_unlimited_staff_ticket_keeps_selling_when_the_event_is_full():
    event = EventFactory(capacity=1)
    delegate = TicketTypeFactory(event=event)
    staff = TicketTypeFactory(event=event, counts_toward_event_capacity=False)
    add_attendees(delegate, 1)

    sales = get_event_sales(event)

    assert sales.state == SalesState.OPEN
    assert [(o.ticket_type, o.remaining, o.state) for o in sales.offers] == [
        (delegate, 0, SalesState.SOLD_OUT),
        (staff, None, SalesState.OPEN),
    ]


def test_ticket_sale_window_not_yet_open_and_over():
    now = timezone.now()
    event = EventFactory()
    early_bird = TicketTypeFactory(
        event=event,
        available_from=now - timedelta(days=5),
        available_until=now - timedelta(days=1),
    )
    regular = TicketTypeFactory(event=event, available_from=now - timedelta(days=1))
    late = TicketTypeFactory(event=event, available_from=now + timedelta(days=7))

    sales = get_event_sales(event, now=now)

    assert sales.state == SalesState.OPEN
    assert [(o.ticket_type, o.state) for o in sales.offers] == [
        (early_bird, SalesState.CLOSED),
        (regular, SalesState.OPEN),
        (late, SalesState.NOT_YET_OPEN),
    ]
    assert [o.on_sale for o in sales.offers] == [False, True, False]


def test_ticket_sale_window_opens_at_its_start_and_closes_at_its_end():
    event = EventFactory()
    starts = timezone.now() + timedelta(days=1)
    ends = starts + timedelta(days=1)
    TicketTypeFactory(event=event, available_from=starts, available_until=ends)

    def state_at(moment):
        return get_event_sales(event, now=moment).offers[0].state

    assert state_at(starts - timedelta(seconds=1)) == SalesState.NOT_YET_OPEN
    assert state_at(starts) == SalesState.OPEN
    assert state_at(ends - timedelta(seconds=1)) == SalesState.OPEN
    assert state_at(ends) == SalesState.CLOSED


def test_event_not_yet_open_when_every_ticket_sale_starts_later():
    now = timezone.now()
    event = EventFactory()
    TicketTypeFactory(event=event, available_from=now + timedelta(days=3))

    sales = get_event_sales(event, now=now)

    assert sales.state == SalesState.NOT_YET_OPEN
    assert sales.reason == "Registration has not opened yet."


def test_event_not_yet_open_when_sold_out_types_wait_on_a_later_sale():
    now = timezone.now()
    event = EventFactory(capacity=None)
    early_bird = TicketTypeFactory(event=event, capacity=1)
    TicketTypeFactory(event=event, available_from=now + timedelta(days=3))
    add_attendees(early_bird, 1)

    sales = get_event_sales(event, now=now)

    assert sales.state == SalesState.NOT_YET_OPEN


def test_event_sold_out_when_full_types_remain_and_the_rest_have_closed():
    now = timezone.now()
    event = EventFactory(capacity=None)
    TicketTypeFactory(event=event, available_until=now - timedelta(days=1))
    regular = TicketTypeFactory(event=event, capacity=2)
    add_attendees(regular, 2)

    sales = get_event_sales(event, now=now)

    assert sales.state == SalesState.SOLD_OUT
    assert sales.reason == "Sold out."


def test_event_closed_when_every_ticket_sale_has_ended():
    now = timezone.now()
    event = EventFactory()
    TicketTypeFactory(event=event, available_until=now - timedelta(hours=1))

    sales = get_event_sales(event, now=now)

    assert sales.state == SalesState.CLOSED
    assert sales.reason == "Registration is closed."


def test_closed_registration_wins_over_sold_out():
    now = timezone.now()
    event = EventFactory(
        capacity=1,
        registration_opens_at=now - timedelta(days=10),
        registration_closes_at=now - timedelta(days=1),
    )
    ticket_type = TicketTypeFactory(event=event)
    add_attendees(ticket_type, 1)

    sales = get_event_sales(event, now=now)

    assert sales.state == SalesState.CLOSED
    assert [(o.remaining, o.state) for o in sales.offers] == [(0, SalesState.CLOSED)]


def test_event_sales_reads_in_four_queries_at_most(django_assert_num_queries):
    event = EventFactory(capacity=100)
    TicketTypeFactory.create_batch(12, event=event)
    ExtraFactory.create_batch(4, event=event, capacity=10)

    with django_assert_num_queries(4):
        get_event_sales(event)


def test_event_with_only_voucher_ticket_types_is_open_to_code_holders():
    event = EventFactory()
    TicketTypeFactory(event=event, hidden_unless_voucher=True)

    sales = get_event_sales(event)

    assert sales.offers == []
    assert sales.state == SalesState.OPEN
    assert sales.can_register is True
