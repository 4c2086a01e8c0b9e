"""Property test for capacity accounting (registration/orders/services/capacity.py
and placement.py, registration/catalogue/selectors.py):
for any sequence of placing, paying, cancelling and letting holds run out,
the seats the selectors report and what placement allows match a plain model
of the rules, and nothing is ever sold beyond a ticket type's, an extra's or
the event's capacity."""

from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registration.catalogue.selectors import get_seats_for_sale
from registration.errors import SoldOut
from registration.models import OrderStatus, PaymentMethod
from registration.orders.services import (
    AttendeeData,
    BuyerData,
    cancel_order,
    expire_orders,
    mark_order_paid,
    place_order,
)
from tests.factories import EventFactory, ExtraFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

# Card holds (registration/orders/services/placement.CARD_HOLD).
HOLD = timedelta(minutes=30)
slugs = count()

place = st.tuples(
    st.just("place"),
    st.lists(st.integers(0, 1), min_size=1, max_size=4),  # a ticket type per attendee
    st.booleans(),  # the first attendee takes the extra
)
pay = st.tuples(st.just("pay"), st.integers(0, 50))
cancel = st.tuples(st.just("cancel"), st.integers(0, 50))
# Minutes; around the 30-minute hold, where a seat changes hands.
wait = st.tuples(st.just("wait"), st.sampled_from([1, 10, 29, 30, 31, 35, 45]))
operations = st.lists(st.one_of(place, pay, cancel, wait), min_size=1, max_size=14)


class Model:
    """The rules in a few lines: pending orders hold seats until their hold
    ends, paid ones for good, cancelled and expired ones not at all."""

    def __init__(self, capacities, extra_capacity, event_capacity):
        self.capacities = capacities
        self.extra_capacity = extra_capacity
        self.event_capacity = event_capacity
        self.orders = []  # [status, expires_at, per ticket type counts, extras]

    def holding(self, now):
        return [
            o
            for o in self.orders
            if o[0] == "paid" or (o[0] == "pending" and o[1] > now)
        ]

    def used(self, now):
        held = self.holding(now)
        per_type = [sum(o[2][i] for o in held) for i in range(len(self.capacities))]
        return per_type, sum(o[3] for o in held)

    def left(self, now):
        per_type, extras = self.used(now)
        event_left = self.event_capacity - sum(per_type)
        tickets = [
            max(0, min(cap - used, event_left))
            for cap, used in zip(self.capacities, per_type, strict=True)
        ]
        return tickets, max(0, self.extra_capacity - extras)

    def fits(self, now, wanted, extras):
        per_type, used_extras = self.used(now)
        return (
            all(per_type[i] + wanted[i] <= cap for i, cap in enumerate(self.capacities))
            and sum(per_type) + sum(wanted) <= self.event_capacity
            and used_extras + extras <= self.extra_capacity
        )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    capacities=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    extra_capacity=st.integers(0, 3),
    event_capacity=st.integers(2, 6),
    steps=operations,
)
def test_seats_left_and_sales_follow_the_rules(
    capacities, extra_capacity, event_capacity, steps
):
    now = timezone.now()
    event = EventFactory(
        slug=f"capacity-{next(slugs)}",
        capacity=event_capacity,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=30),
    )
    types = [
        TicketTypeFactory(event=event, name=f"T{i}", price=Decimal("10"), capacity=cap)
        for i, cap in enumerate(capacities)
    ]
    extra = ExtraFactory(event=event, price=Decimal("5"), capacity=extra_capacity)
    model = Model(list(capacities), extra_capacity, event_capacity)
    orders = []

    for step in steps:
        kind = step[0]
        if kind == "place":
            _kind, picks, with_extra = step
            wanted = [picks.count(i) for i in range(len(types))]
            extras = 1 if with_extra else 0
            attendees = [
                AttendeeData(
                    ticket_type=types[pick],
                    given_name="Ada",
                    family_name=f"Guest {n}",
                    email=f"guest{n}@example.org",
                    extras=[extra] if (n == 0 and with_extra) else [],
                )
                for n, pick in enumerate(picks)
            ]
            expected_fit = model.fits(now, wanted, extras)
            try:
                order = place_order(
                    event,
                    buyer=BuyerData(name="Buyer", email="buyer@example.org"),
                    attendees=attendees,
                    payment_method=PaymentMethod.CARD,
                    now=now,
                )
            except SoldOut:
                assert not expected_fit, "refused although the model has room"
            else:
                assert expected_fit, "sold beyond a capacity"
                orders.append(order)
                model.orders.append(["pending", now + HOLD, wanted, extras])
        elif kind in ("pay", "cancel") and orders:
            index = step[1] % len(orders)
            order, record = orders[index], model.orders[index]
            order.refresh_from_db()
            if kind == "pay" and order.status == OrderStatus.PENDING:
                try:
                    mark_order_paid(order, by=None, now=now)
                except SoldOut:
                    assert record[1] <= now  # only a lapsed hold can lose its seats
                else:
                    record[0] = "paid"
            elif kind == "cancel" and order.status in (
                OrderStatus.PENDING,
                OrderStatus.PAID,
            ):
                cancel_order(order, by=None, now=now)
                record[0] = "canceled"
        elif kind == "wait":
            now += timedelta(minutes=step[1])
            expire_orders(now=now)
            for record in model.orders:
                if record[0] == "pending" and record[1] <= now:
                    record[0] = "expired"

        seats = get_seats_for_sale(event, ticket_types=types, extras=[extra], now=now)
        tickets_left, extras_left = model.left(now)
        assert [seats.for_ticket_type(t) for t in types] == tickets_left
        assert seats.for_extra(extra) == extras_left
