"""The database connection lost in the middle of a request (PostgreSQL only).

A PostgreSQL restart, from a client's point of view, is its connection being
closed by the server in the middle of whatever it was doing. The tests do that
to one request at a chosen moment: a trigger makes the request's INSERT wait
on an advisory lock this test holds, and while it waits the test ends its
backend with pg_terminate_backend. The request runs in a real server thread
(live_server) with the whole middleware stack, as in production.

tests/drills/pg_restart.py does the same with a real `pg_ctl restart` of a
throwaway cluster.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from decimal import Decimal

import pytest
import requests
from django.db import connection

from registration.models import (
    ActivityLog,
    Attendee,
    Order,
    OrderStatus,
    OutboxMessage,
    Payment,
    PaymentStatus,
    StripeEvent,
    StripeEventStatus,
)
from registration.payments import services as payments
from tests.factories import EventFactory, TicketTypeFactory
from tests.registration.payments import conftest as stripe_fixtures
from tests.registration.payments.conftest import WEBHOOK_URL, make_order, sign

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (pg_terminate_backend); CI runs it with DATABASE_URL",
    ),
]

fake_stripe = stripe_fixtures.fake_stripe  # the Stripe fixture, used here too

DRILL_LOCK = 727_272
WAIT_FOR_BACKEND_SECONDS = 2.5  # below the 3 s lock_timeout of every connection


def raw_connection():
    import psycopg

    params = connection.settings_dict
    return psycopg.connect(
        dbname=params["NAME"],
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        autocommit=True,
    )


@contextmanager
def inserts_stall(model):
    """INSERTs into `model`'s table wait until released; yields the killer.

    The killer waits for a backend stuck on the drill lock, terminates it and
    returns whether it found one.
    """
    table = model._meta.db_table
    control = raw_connection()
    control.execute(
        "CREATE OR REPLACE FUNCTION drill_stall() RETURNS trigger AS $$ "
        f"BEGIN PERFORM pg_advisory_xact_lock({DRILL_LOCK}); RETURN NEW; END $$ "
        "LANGUAGE plpgsql"
    )
    control.execute(
        f"CREATE TRIGGER drill_stall BEFORE INSERT ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION drill_stall()"
    )
    control.execute("SELECT pg_advisory_lock(%s)", [DRILL_LOCK])

    def terminate_stalled_backend() -> bool:
        deadline = time.monotonic() + WAIT_FOR_BACKEND_SECONDS
        while time.monotonic() < deadline:
            row = control.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                " AND pid <> pg_backend_pid()"
            ).fetchone()
            if row:
                return control.execute(
                    "SELECT pg_terminate_backend(%s)", [row[0]]
                ).fetchone()[0]
            time.sleep(0.02)
        return False

    try:
        yield terminate_stalled_backend
    finally:
        control.execute(f"DROP TRIGGER IF EXISTS drill_stall ON {table}")
        control.execute("SELECT pg_advisory_unlock_all()")
        control.close()


def in_thread(call):
    """Run `call` in a thread; the returned function waits and gives its result."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=call()))
    thread.start()

    def wait():
        thread.join(timeout=30)
        return result["value"]

    return wait


@pytest.fixture
def http_cookies(settings):
    # The test server speaks plain HTTP; the browser-side cookie flags are
    # asserted in tests/conference/test_security.py.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def test_connection_lost_while_writing_an_order_is_503_and_leaves_nothing(
    live_server, http_cookies
):
    event = EventFactory(slug="conference", name="Annual Conference")
    # One seat: a seat leaked by the broken attempt would make the retry sold out.
    delegate = TicketTypeFactory(
        event=event, name="Delegate", price=Decimal("450.00"), capacity=1
    )
    base = f"{live_server.url}/register/conference/"
    browser = requests.Session()
    browser.get(base, timeout=10)

    def post(path, data):
        return browser.post(
            base + path,
            data={**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            allow_redirects=False,
            timeout=20,
        )

    assert post("", {f"ticket_{delegate.pk}": "1"}).status_code == 302
    step = post(
        "attendees/",
        {
            "buyer.name": "City of Toulouse",
            "buyer.email": "protocol@toulouse.example",
            "buyer.language": "en",
            "payment_method": "invoice",
            "attendees.0.given_name": "Claire",
            "attendees.0.family_name": "Dubois",
            "attendees.0.email": "claire@example.org",
            "attendees.0.country": "FR",
        },
    )
    assert step.status_code == 302
    confirm = {
        "expected_total": "450.00",
        "billing_name": "City of Toulouse",
        "billing_address": "1 Place du Capitole\n31000 Toulouse",
        "billing_email": "finance@toulouse.example",
        "privacy": "yes",
    }

    with inserts_stall(Attendee) as terminate_stalled_backend:
        response = in_thread(lambda: post("review/", confirm))
        # The order row is written; its attendee is waiting to be.
        assert terminate_stalled_backend() is True
        broken = response()

    assert broken.status_code == 503
    assert broken.headers["Retry-After"] == "5"
    assert "Nothing was saved; please try again" in broken.text
    assert "Content-Security-Policy" in broken.headers
    assert (Order.objects.count(), Attendee.objects.count()) == (0, 0)

    # Pressing the button again works: the checkout session survived, the seat
    # was not leaked, and the server opened a fresh connection.
    again = post("review/", confirm)
    order = Order.objects.get()
    assert again.status_code == 302
    assert again.headers["Location"] == f"/orders/{order.code}/{order.secret}/"
    assert (order.status, order.total) == (OrderStatus.PENDING, Decimal("450.00"))
    assert list(order.attendees.values_list("given_name", flat=True)) == ["Claire"]


def test_connection_lost_while_applying_a_webhook_is_503_and_the_retry_pays_once(
    live_server, fake_stripe
):
    order = make_order()
    payments.start_card_payment(
        order,
        success_url="https://events.example.org/done/",
        cancel_url="https://events.example.org/canceled/",
    )
    payment = Payment.objects.get(order=order)
    session = fake_stripe.pay(payment.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", session)
    body = json.dumps(event)

    def stripe_delivers():
        return requests.post(
            live_server.url + WEBHOOK_URL,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": sign(body),
            },
            timeout=20,
        )

    with inserts_stall(OutboxMessage) as terminate_stalled_backend:
        response = in_thread(stripe_delivers)
        # The payment and the order are updated; the receipt e-mail is waiting.
        assert terminate_stalled_backend() is True
        broken = response()

    assert broken.status_code == 503
    assert broken.headers["Retry-After"] == "5"
    assert broken.json()["code"] == "unavailable"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == (PaymentStatus.OPEN, OrderStatus.PENDING)
    recorded = StripeEvent.objects.get(event_id=event["id"])
    assert recorded.status == StripeEventStatus.FAILED
    assert "terminat" in recorded.last_error

    # Stripe retries the 5xx: the payment is recorded, once.
    retried = stripe_delivers()
    assert retried.status_code == 200
    assert retried.json() == {"received": event["id"], "outcome": "processed"}
    assert stripe_delivers().json()["outcome"] == "duplicate"
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == (PaymentStatus.SUCCEEDED, OrderStatus.PAID)
    assert Payment.objects.filter(order=order).count() == 1
    assert (
        ActivityLog.objects.filter(action="payment.succeeded").count(),
        OutboxMessage.objects.filter(kind="email.payment_receipt").count(),
    ) == (1, 1)
