"""Real threads and transactions on PostgreSQL: one payment per event, gap-free numbers.

SQLite's IMMEDIATE transactions serialise writers by design, so these run on
PostgreSQL only (DATABASE_URL), like tests/registration/orders/test_concurrency.py.
"""

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from registration.models import (
    ActivityLog,
    Invoice,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    StripeEvent,
)
from registration.payments import services as payments
from tests.registration.payments.conftest import deliver, make_order

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL (set DATABASE_URL): row locks under real concurrency",
    ),
]


def at_once(count: int, work) -> list:
    """Run `work(index)` in `count` threads released together; their results."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        start.wait()
        try:
            results[index] = work(index)
        except Exception as exc:  # collected, asserted by the caller
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_deliveries_of_one_event_at_the_same_moment_record_one_payment(
    fake_stripe,
):
    order = make_order()
    payments.start_card_payment(
        order, success_url="https://x.example/s", cancel_url="https://x.example/c"
    )
    payment = Payment.objects.get(order=order)
    session = fake_stripe.pay(payment.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", session)

    responses = at_once(2, lambda _i: deliver(Client(), event))

    assert sorted(r.status_code for r in responses) == [200, 200]
    assert sorted(r.json()["outcome"] for r in responses) == ["duplicate", "processed"]
    assert StripeEvent.objects.count() == 1
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED
    assert ActivityLog.objects.filter(action="order.paid").count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_completed_and_async_succeeded_at_the_same_moment_pay_once(fake_stripe):
    order = make_order()
    payments.start_card_payment(
        order, success_url="https://x.example/s", cancel_url="https://x.example/c"
    )
    payment = Payment.objects.get(order=order)
    session = fake_stripe.pay(payment.stripe_session_id)
    events = [
        fake_stripe.event("checkout.session.completed", session),
        fake_stripe.event("checkout.session.async_payment_succeeded", session),
    ]

    responses = at_once(2, lambda i: deliver(Client(), events[i]))

    assert [r.status_code for r in responses] == [200, 200]
    assert ActivityLog.objects.filter(action="order.paid").count() == 1
    assert ActivityLog.objects.filter(action="payment.succeeded").count() == 1


def test_invoice_numbers_have_no_gaps_under_concurrency():
    orders = [
        make_order(payment_method="invoice", hold=timedelta(days=14)) for _ in range(20)
    ]
    billing = payments.BillingData(name="City of Kyoto", address="Kyoto, Japan")

    results = at_once(
        20, lambda i: payments.request_invoice(orders[i], billing=billing)
    )

    assert [type(r).__name__ for r in results] == ["Invoice"] * 20
    year = timezone.now().year
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"{year}-{n:05d}" for n in range(1, 21)
    ]
