"""The periodic loop's work, one pass (run by `manage.py run_periodic`)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from registration.consent import services as consent
from registration.jobs import recovery
from registration.mailings.services import rules as mailing_rules
from registration.mailings.services import sending as mailings
from registration.orders import services as orders
from registration.outbox import services as outbox
from registration.payments import services as payments
from registration.privacy import services as privacy
from registration.programme import services as programme
from registration.staff.services import exports
from registration.travel.services import travel
from registration.waiting_list import services as waiting_list

logger = logging.getLogger(__name__)


def run_periodic_jobs(*, now: datetime | None = None) -> dict[str, int]:
    """Expire holds, move waiting lists, send reminders, retry refunds, re-queue jobs.

    Each job runs even if an earlier one failed; the counts are returned for
    the log. Order matters: expiring holds and offers first frees the seats
    that waiting-list offers then hand out.
    """
    now = now or timezone.now()
    jobs = [
        ("orders_expired", orders.expire_orders),
        ("offers_expired", waiting_list.expire_waiting_list_offers),
        ("places_offered", waiting_list.offer_waiting_list_places),
        ("session_places_given", programme.promote_waitlists),
        ("expiry_warnings", orders.send_expiry_warnings),
        ("consent_reminders", consent.send_consent_reminders),
        ("mailing_rules", mailing_rules.run_mailing_rules),
        ("payments", payments.run_payment_jobs),
        # Before the outbox and exports: jobs of dead workers are put back first.
        ("tasks_recovered", recovery.recover_stalled_tasks),
        ("outbox_requeued", outbox.requeue_messages),
        ("export_jobs_requeued", exports.requeue_export_jobs),
        ("mailing_jobs_requeued", mailings.requeue_mailing_jobs),
        ("youth_details_purged", privacy.purge_youth_details),
        ("visa_details_purged", travel.purge_visa_details),
    ]
    counts = {}
    for name, job in jobs:
        try:
            counts[name] = job(now=now)
        except Exception:
            logger.exception("Periodic job %s failed", name)
            counts[name] = -1
    return counts
