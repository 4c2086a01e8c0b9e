"""Apply Stripe events that never reached the webhook (longer outages than Stripe's 3 days of retries)."""

import re
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from registration.payments import services as payments

UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_window(text: str) -> timedelta:
    """ "3d", "12h", "90m" → a timedelta."""
    match = re.fullmatch(r"\s*(\d+)\s*([dhm])\s*", text or "")
    if not match:
        raise CommandError("Give --since as a number and d, h or m, e.g. 3d, 12h, 90m.")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


class Command(BaseCommand):
    help = (
        "List Stripe's events of the window (--since 3d) and apply, once, every one "
        "the webhook never processed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", default="3d", help="window: 3d, 12h or 90m")

    def handle(self, *args, since: str, **options):
        window = parse_window(since)
        if not payments.card_payments_enabled():
            raise CommandError(payments.card_payments_disabled_reason())
        result = payments.reconcile_stripe_events(since=window)
        self.stdout.write(
            f"Stripe events seen: {result.seen}; applied now: {result.applied}; "
            f"already processed: {result.already}; failed: {result.failed}"
        )
        if result.failed:
            raise CommandError(f"{result.failed} event(s) failed; see the log.")
