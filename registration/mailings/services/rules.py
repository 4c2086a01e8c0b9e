"""Scheduled rules: a mailing sent N days before or after the event starts, or
N days after each reader registered, by the periodic loop.

Each pass writes recipient rows for the readers whose time has come (unique
per rule and address, so a second pass, a restart or two loops at once add
nobody twice) and hands the pending ones to the outbox. Someone who joins the
audience later still gets an event-relative rule, until a day after the
event ends (or after the rule's time, for a rule set after the end); an
after-registration rule reaches those whose time comes after it was set up.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from registration.mailings.selectors import Recipient, mailing_recipients
from registration.mailings.services.sending import (
    queue_pending_rows,
    write_recipient_rows,
)
from registration.models import Mailing, MailingStatus, Schedule

# How long after its last chance a rule still catches up (a loop that was down).
GRACE = timedelta(days=1)


def rule_time(rule: Mailing) -> datetime | None:
    """When an event-relative rule comes due; None for after-registration rules."""
    days = timedelta(days=rule.schedule_days)
    if rule.schedule == Schedule.BEFORE_START:
        return rule.event.starts_at - days
    if rule.schedule == Schedule.AFTER_START:
        return rule.event.starts_at + days
    return None


def rule_closes_at(rule: Mailing) -> datetime:
    """After this, the rule sends to nobody new."""
    due = rule_time(rule) or rule.event.ends_at
    return max(rule.event.ends_at, due) + GRACE


def due_recipients(rule: Mailing, *, now: datetime) -> list[Recipient]:
    """The readers of `rule` whose time has come at `now`."""
    if now >= rule_closes_at(rule):
        return []
    due = rule_time(rule)
    if due is not None:
        return mailing_recipients(rule, now=now) if now >= due else []
    days = timedelta(days=rule.schedule_days)
    return [
        recipient
        for recipient in mailing_recipients(rule, now=now)
        if rule.created_at <= recipient.registered_at + days <= now
    ]


def send_due_rule(rule: Mailing, *, now: datetime) -> int:
    """Write and queue the rows of one rule that are due; the count queued."""
    recipients = due_recipients(rule, now=now)
    with transaction.atomic():
        if recipients:
            write_recipient_rows(rule, recipients)
    queued = 0
    while handed := queue_pending_rows(rule):
        queued += handed
    return queued


def run_mailing_rules(*, now: datetime | None = None) -> int:
    """One pass of the periodic loop over every active rule; the count queued."""
    now = now or timezone.now()
    rules = Mailing.objects.filter(status=MailingStatus.ACTIVE).exclude(schedule="")
    return sum(send_due_rule(rule, now=now) for rule in rules.select_related("event"))
