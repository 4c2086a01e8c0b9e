"""Never oversell: real threads, real transactions, PostgreSQL row locks.

On SQLite the IMMEDIATE transaction serialises writers by design, and its
single-writer lock makes a 40-thread run a test of the lock timeout rather
than of the capacity check, so these run on PostgreSQL only (DATABASE_URL).
"""

import queue
import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from registration.errors import Busy, SoldOut
from registration.models import Attendee, Event, Order, OrderStatus, PaymentMethod
from registration.orders.services import (
    AttendeeData,
    BuyerData,
    expire_orders,
    place_order,
    revive_order,
)
from registration.staff.services.api_tokens import create_api_token
from tests.factories import EventFactory, TicketTypeFactory, UserFactory, VoucherFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL (set DATABASE_URL): row locks under real concurrency",
    ),
]

THREADS = 40
ORDERS = 200


def rush(event, ticket_type, *, voucher_code=None) -> tuple[Counter, list[str]]:
    """Send ORDERS single-seat orders from THREADS threads released at once."""
    work: queue.Queue[int] = queue.Queue()
    for number in range(ORDERS):
        work.put(number)
    outcomes: Counter = Counter()
    unexpected: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker():
        start.wait()
        try:
            while True:
                try:
                    number = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    place_order(
                        event,
                        buyer=BuyerData(
                            name=f"Buyer {number}", email=f"b{number}@example.org"
                        ),
                        attendees=[
                            AttendeeData(
                                ticket_type=ticket_type.pk, given_name=f"Guest {number}"
                            )
                        ],
                        payment_method=PaymentMethod.INVOICE,
                        voucher_code=voucher_code,
                    )
                    result = "ok"
                except SoldOut:
                    result = "sold_out"
                except Busy:
                    result = "busy"
                except Exception as exc:  # every other outcome is a failure
                    result = "error"
                    with lock:
                        unexpected.append(f"{type(exc).__name__}: {exc}")
                with lock:
                    outcomes[result] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes, unexpected


def test_200_orders_from_40_threads_for_50_seats_sell_exactly_50():
    event = EventFactory()
    ticket = TicketTypeFactory(event=event, capacity=50, price=Decimal("100.00"))
    outcomes, unexpected = rush(event, ticket)
    assert unexpected == []
    assert outcomes["ok"] == 50
    assert outcomes["sold_out"] + outcomes["busy"] == 150
    assert sum(outcomes.values()) == ORDERS
    assert Attendee.objects.filter(ticket_type=ticket).count() == 50
    assert Order.objects.filter(status=OrderStatus.PENDING).count() == 50


def test_200_orders_with_a_voucher_of_10_uses_use_it_exactly_10_times():
    event = EventFactory()
    ticket = TicketTypeFactory(event=event, price=Decimal("100.00"))
    voucher = VoucherFactory(event=event, code="TEN", max_uses=10, value=Decimal("50"))
    outcomes, unexpected = rush(event, ticket, voucher_code="TEN")
    assert unexpected == []
    assert outcomes["ok"] == 10
    assert outcomes["sold_out"] + outcomes["busy"] == 190
    assert Attendee.objects.filter(voucher=voucher).count() == 10


def test_a_lock_held_too_long_answers_503_busy_with_retry_after(settings):
    settings.LOCK_TIMEOUT_SECONDS = 1
    event = EventFactory(slug="locked")
    ticket = TicketTypeFactory(event=event)
    staff = UserFactory(username="locker", is_staff=True, is_superuser=True)
    _token, raw = create_api_token(staff)
    holding = threading.Event()
    release = threading.Event()

    def hold_the_event_row():
        with transaction.atomic():
            list(Event.objects.select_for_update().filter(pk=event.pk))
            holding.set()
            release.wait(10)
        connections.close_all()

    holder = threading.Thread(target=hold_the_event_row)
    holder.start()
    assert holding.wait(5)
    try:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        response = client.post(
            "/api/v1/events/locked/orders/",
            {
                "buyer": {"name": "Ada", "email": "ada@example.org"},
                "attendees": [{"ticket_type": ticket.pk, "given_name": "Ada"}],
                "payment_method": "invoice",
            },
            format="json",
        )
    finally:
        release.set()
        holder.join()
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response.json() == {
        "code": "busy",
        "detail": "Many people are registering right now; please try again.",
    }
    assert Order.objects.count() == 0


ROUNDS = 5
REVIVALS = 5
NEWCOMERS = 5


def race_for_the_last_seat(lapsed: list[Order], ticket, *, by) -> tuple[dict, list]:
    """Revive each of the `lapsed` orders while NEWCOMERS buyers order `ticket`'s
    last seat, all released at once; each one's outcome."""
    outcomes: dict[str, str] = {}
    unexpected: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(lapsed) + NEWCOMERS)

    def newcomer(number: int):
        return lambda: place_order(
            ticket.event,
            buyer=BuyerData(name=f"Buyer {number}", email=f"new{number}@example.org"),
            attendees=[AttendeeData(ticket_type=ticket.pk, given_name="New")],
            payment_method=PaymentMethod.INVOICE,
        )

    def reviver(order: Order):
        return lambda: revive_order(order, by=by)

    def attempt(name: str, action) -> None:
        start.wait()
        try:
            action()
            result = "ok"
        except SoldOut:
            result = "sold_out"
        except Busy:
            result = "busy"
        except Exception as exc:  # every other outcome is a failure
            result = "error"
            with lock:
                unexpected.append(f"{name}: {type(exc).__name__}: {exc}")
        finally:
            connection.close()
        with lock:
            outcomes[name] = result

    jobs = {f"revive{order.pk}": reviver(order) for order in lapsed}
    jobs.update({f"new{n}": newcomer(n) for n in range(NEWCOMERS)})
    threads = [
        threading.Thread(target=attempt, args=(name, action))
        for name, action in jobs.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, unexpected


def test_revivals_racing_new_orders_for_the_last_seat_let_exactly_one_win():
    """Each round the last seat is free because the orders holding it expired:
    staff revive them while new buyers order it, all at once. One of them gets
    the seat, whichever it is; every other one is sold out (or busy)."""
    staff = UserFactory(username="reviver", is_staff=True)
    for round_number in range(ROUNDS):
        event = EventFactory()
        ticket = TicketTypeFactory(event=event, capacity=1, price=Decimal("100.00"))
        now = timezone.now()
        # One card order an hour for the seat, each hold lapsing unpaid.
        placed = [
            place_order(
                event,
                buyer=BuyerData(name="Late Payer", email=f"late{number}@example.org"),
                attendees=[AttendeeData(ticket_type=ticket.pk, given_name="Late")],
                payment_method=PaymentMethod.CARD,
                now=now - timedelta(hours=REVIVALS - number),
            )
            for number in range(REVIVALS)
        ]
        assert expire_orders(now=now) == REVIVALS
        lapsed = list(Order.objects.filter(pk__in=[order.pk for order in placed]))

        outcomes, unexpected = race_for_the_last_seat(lapsed, ticket, by=staff)

        assert unexpected == []
        assert len(outcomes) == REVIVALS + NEWCOMERS
        winners = [name for name, result in outcomes.items() if result == "ok"]
        assert len(winners) == 1, (round_number, outcomes)
        assert set(outcomes.values()) - {"ok"} <= {"sold_out", "busy"}
        [holder] = Order.objects.filter(
            event=event, status__in=[OrderStatus.PENDING, OrderStatus.PAID]
        )
        lapsed_ids = {order.pk for order in lapsed}
        seat_went_to = f"revive{holder.pk}" if holder.pk in lapsed_ids else "new"
        assert [w if w.startswith("revive") else "new" for w in winners] == [
            seat_went_to
        ]
