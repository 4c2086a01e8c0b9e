"""The periodic loop's pass (registration/periodic.py)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from registration.models import Order, OutboxMessage
from registration.payments import services as payments
from registration.periodic import run_periodic_jobs
from tests.registration.payments.conftest import make_order

pytestmark = pytest.mark.django_db


def test_the_periodic_pass_sends_invoice_reminders():
    order = make_order(payment_method="invoice", hold=timedelta(days=14))
    invoice = payments.request_invoice(
        order,
        billing=payments.BillingData(
            name="City of Toulouse", address="1 Place du Capitole, Toulouse"
        ),
    )
    OutboxMessage.objects.all().delete()
    day = invoice.due_on - timedelta(days=3)
    noon = timezone.make_aware(
        datetime(day.year, day.month, day.day, 12), order.event.tz
    )
    # The hold ends well after the pass, whatever the time of day the test runs
    # (otherwise the expiry warning may or may not fall due at `noon`).
    Order.objects.filter(pk=order.pk).update(expires_at=noon + timedelta(days=10))

    counts = run_periodic_jobs(now=noon)

    assert counts == {
        "orders_expired": 0,
        "offers_expired": 0,
        "places_offered": 0,
        "session_places_given": 0,
        "expiry_warnings": 0,
        "consent_reminders": 0,
        "mailing_rules": 0,
        "payments": 1,
        # The reminder's row, whose on-commit delivery never runs inside the
        # test's transaction, is already overdue at the pass's `now`.
        "tasks_recovered": 0,
        "outbox_requeued": 1,
        "export_jobs_requeued": 0,
        "mailing_jobs_requeued": 0,
        "youth_details_purged": 0,
        "visa_details_purged": 0,
    }
    assert list(OutboxMessage.objects.values_list("kind", "payload")) == [
        ("email.invoice_reminder", {"invoice": invoice.pk, "when": "before"})
    ]
