"""Reconciliation: Stripe's events of a period fetched and applied again, so an
event a webhook missed is not lost."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from registration.models import (
    StripeEvent,
    StripeEventStatus,
)
from registration.payments import stripe as stripe_api
from registration.payments.services.invoices import send_invoice_reminders
from registration.payments.services.refunds import retry_pending_refunds
from registration.payments.services.rules import HANDLED_EVENT_TYPES
from registration.payments.services.webhooks import process_stripe_event

logger = logging.getLogger(__name__)


@dataclass
class ReconcileResult:
    seen: int = 0
    applied: int = 0
    already: int = 0
    failed: int = 0


def reconcile_stripe_events(
    *, since: timedelta, now: datetime | None = None
) -> ReconcileResult:
    """Apply Stripe's events of the window that never reached the webhook, each once."""
    now = now or timezone.now()
    events = stripe_api.list_events(
        created_gte=int((now - since).timestamp()), types=sorted(HANDLED_EVENT_TYPES)
    )
    result = ReconcileResult(seen=len(events))
    done = set(
        StripeEvent.objects.filter(
            event_id__in=[event["id"] for event in events],
            status__in=[StripeEventStatus.PROCESSED, StripeEventStatus.IGNORED],
        ).values_list("event_id", flat=True)
    )
    for event in events:
        if event["id"] in done:
            result.already += 1
            continue
        try:
            outcome = process_stripe_event(event, source="reconcile")
        except Exception:
            logger.exception("Reconcile: Stripe event %s failed", event["id"])
            result.failed += 1
            continue
        if outcome == "processed":
            result.applied += 1
        else:
            result.already += 1
    return result


def run_payment_jobs(*, now: datetime | None = None) -> int:
    """The periodic loop's payment work: invoice reminders and refunds to send again."""
    return send_invoice_reminders(now=now) + retry_pending_refunds(now=now)
