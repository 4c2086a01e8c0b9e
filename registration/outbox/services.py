"""The outbox: durable e-mail and document jobs (DESIGN: Background work).

A change that causes an e-mail writes an OutboxMessage in its own transaction
(`enqueue_message`); after the commit a task delivers it (`deliver_message`).
A row is claimed before it is sent, so two workers never send it both; a
worker that dies mid-send leaves a lease that runs out, and the periodic loop
puts the row back (`requeue_messages`). Delivery is at least once; the
Message-ID derived from the row lets mail systems drop a repeat.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from registration.jobs import queue
from registration.models import OutboxMessage, OutboxStatus
from registration.outbox.mail import send_email_message

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
# A row freshly written is normally delivered by its on-commit task; the loop
# leaves it alone this long to avoid queueing it twice.
REQUEUE_GRACE = timedelta(seconds=60)


def enqueue_message(
    kind: str,
    *,
    payload: dict,
    key: str | None = None,
    available_at: datetime | None = None,
) -> OutboxMessage | None:
    """Write a message in the caller's transaction and queue its delivery after commit.

    A message whose `key` already exists is not written again (None is returned),
    which makes reminders and retried callers idempotent. The payload holds ids,
    never personal data: the e-mail is built from the database when it is sent.
    """
    try:
        # A savepoint, so a concurrent duplicate key does not spoil the caller's
        # transaction.
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                kind=kind,
                key=key,
                payload=payload,
                available_at=available_at or timezone.now(),
            )
    except IntegrityError:
        return None
    transaction.on_commit(partial(queue_delivery, message.pk))
    return message


def queue_delivery(message_id: int) -> None:
    """Hand a message to the task queue; a failure here is repaired by the loop."""
    try:
        queue.enqueue("deliver_outbox_message", message_id)
    except Exception:
        logger.exception(
            "Could not queue outbox message %s; the loop will retry", message_id
        )


def _claim(message_id: int, now: datetime) -> bool:
    return bool(
        OutboxMessage.objects.filter(pk=message_id)
        .filter(
            Q(status=OutboxStatus.PENDING, available_at__lte=now)
            | Q(status=OutboxStatus.SENDING, available_at__lte=now)
        )
        .update(
            status=OutboxStatus.SENDING,
            attempts=F("attempts") + 1,
            available_at=now + LEASE,
        )
    )


def deliver_message(message_id: int, *, now: datetime | None = None) -> bool:
    """Send one message if it is due and nobody else holds it; True when sent now.

    Failures are kept on the row and retried with a growing delay, up to
    MAX_ATTEMPTS; then the row is marked failed for staff to look at.
    """
    now = now or timezone.now()
    if not _claim(message_id, now):
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        if message.kind.startswith("email."):
            send_email_message(message)
        else:
            raise ValueError(f"No handler for outbox messages of kind {message.kind!r}")
    except Exception as exc:
        logger.exception("Outbox message %s (%s) failed", message.pk, message.kind)
        failed = message.attempts >= MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
            available_at=now + timedelta(minutes=2 ** min(message.attempts, 8)),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.DONE, done_at=timezone.now(), last_error=""
    )
    return True


def requeue_messages(*, now: datetime | None = None) -> int:
    """Queue again the rows left pending and those whose sender died; the count."""
    now = now or timezone.now()
    OutboxMessage.objects.filter(
        status=OutboxStatus.SENDING, available_at__lte=now
    ).update(status=OutboxStatus.PENDING)
    due = list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING,
            available_at__lte=now,
            created_at__lte=now - REQUEUE_GRACE,
        ).values_list("pk", flat=True)[:500]
    )
    for message_id in due:
        queue_delivery(message_id)
    return len(due)
