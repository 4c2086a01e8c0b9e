"""Never oversell: real threads, real transactions, PostgreSQL row locks.

On SQLite the IMMEDIATE transaction serialises writers by design, and its
single-writer lock makes a 40-thread run a test of the lock timeout rather
than of the capacity check, so these run on PostgreSQL only (DATABASE_URL).
"""

import queue
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from registration.errors import Busy, SoldOut
from registration.models import Attendee, Event, Order, OrderStatus, PaymentMethod
from registration.orders.services import AttendeeData, BuyerData, place_order
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
