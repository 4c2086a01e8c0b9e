"""Sending a mailing: recipient rows first, then one outbox row each, in batches.

1. `start_mailing` writes one MailingRecipient per address (unique per
   mailing, so writing them again adds nobody) and a MailingJob, and queues
   the job after the commit.
2. The job (`run_mailing_job`) hands the pending rows to the outbox in
   batches, each batch in one transaction, with a deterministic outbox key per
   row: a worker that dies mid-way is put back and carries on where it
   stopped, and a row already handed over is not handed over again.
3. The outbox sends each message once and retries mail-server failures with
   a growing delay (outbox/services.py); the row's delivery status is read
   from its outbox row.

A bounce (`record_bounce`) and a resend (`resend_recipient`) change one row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.errors import MailingError
from registration.jobs import queue
from registration.jobs.services import JobOutput, Progress, run_job
from registration.mailings.selectors import (
    AudienceFilters,
    Recipient,
    mailing_recipients,
    opted_out,
)
from registration.mailings.services.compose import check_mailing_access
from registration.models import (
    Mailing,
    MailingJob,
    MailingJobStatus,
    MailingRecipient,
    MailingStatus,
    OutboxMessage,
    RecipientStatus,
)
from registration.outbox.services import enqueue_message
from registration.spreadsheets import csv_lines

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
# A job freshly written is queued by its on-commit hook; the loop leaves it
# alone this long to avoid queueing it twice (a second run would do nothing).
REQUEUE_GRACE = timedelta(seconds=60)
OUTBOX_KIND = "email.mailing"


def outbox_key(row: MailingRecipient) -> str:
    """One outbox row per recipient row and send (a resend counts up)."""
    return f"mailing:{row.pk}:{row.resent}"


def write_recipient_rows(mailing: Mailing, recipients: Iterable[Recipient]) -> int:
    """Add the rows `recipients` lack; addresses that opted out are written as
    skipped. The count of rows added."""
    recipients = list(recipients)
    refused = opted_out(r.email for r in recipients)
    before = mailing.recipients.count()
    MailingRecipient.objects.bulk_create(
        [
            MailingRecipient(
                mailing=mailing,
                email=recipient.email.strip().lower(),
                language=recipient.language,
                name=recipient.name[:200],
                order=recipient.order,
                attendee=recipient.attendee,
                delegation=recipient.delegation,
                status=RecipientStatus.SKIPPED
                if recipient.email.strip().lower() in refused
                else RecipientStatus.PENDING,
                note=_("Unsubscribed from mailings")
                if recipient.email.strip().lower() in refused
                else "",
            )
            for recipient in recipients
        ],
        ignore_conflicts=True,
    )
    return mailing.recipients.count() - before


def hand_to_outbox(row: MailingRecipient, *, now: datetime) -> OutboxMessage:
    """Give one row its outbox message (the existing one, after a restart)."""
    key = outbox_key(row)
    message = enqueue_message(
        OUTBOX_KIND, payload={"recipient": row.pk}, key=key
    ) or OutboxMessage.objects.get(key=key)
    MailingRecipient.objects.filter(pk=row.pk).update(
        outbox=message, status=RecipientStatus.QUEUED, queued_at=now
    )
    return message


def queue_pending_rows(mailing: Mailing, *, limit: int = BATCH_SIZE) -> int:
    """Hand up to `limit` pending rows of `mailing` to the outbox, in one
    transaction; the count handed over."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            MailingRecipient.objects.select_for_update(skip_locked=True)
            .filter(mailing=mailing, status=RecipientStatus.PENDING)
            .order_by("pk")[:limit]
        )
        for row in rows:
            hand_to_outbox(row, now=now)
    return len(rows)


def start_mailing(mailing: Mailing, *, by) -> MailingJob:
    """Write the recipients of a draft mailing and queue its job; refuses a
    mailing already sent, a rule, or an empty audience."""
    check_mailing_access(
        by,
        audience=mailing.audience,
        filters=AudienceFilters.from_json(mailing.filters),
    )
    if mailing.is_rule:
        raise MailingError(
            _("A scheduled rule is started, not sent."), code="is_a_rule"
        )
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if mailing.status != MailingStatus.DRAFT:
            raise MailingError(_("This mailing was sent already."), code="already_sent")
        recipients = mailing_recipients(mailing)
        if not recipients:
            raise MailingError(_("No one matches these filters."), code="no_recipients")
        write_recipient_rows(mailing, recipients)
        mailing.status = MailingStatus.SENDING
        mailing.sent_by = by
        mailing.sent_at = timezone.now()
        mailing.save(update_fields=["status", "sent_by", "sent_at"])
        job = MailingJob.objects.create(
            mailing=mailing, requested_by=by, total=mailing.recipients.count()
        )
        log_activity(
            mailing,
            action="mailing.sent",
            actor=by,
            event=mailing.event,
            data={"recipients": job.total},
        )
        transaction.on_commit(partial(queue.enqueue, "run_mailing_job", job.pk))
    return job


def _report(mailing: Mailing) -> bytes:
    """The job's file: each recipient and what was done with it (CSV, safe cells)."""
    header = [_("E-mail"), _("Name"), _("Language"), _("Status"), _("Note")]
    rows = (
        [row.email, row.name, row.language, row.get_status_display(), row.note]
        for row in mailing.recipients.order_by("pk")
    )
    return "".join(csv_lines([header, *rows], excel_mark=True)).encode("utf-8")


def _queue_all(job: MailingJob, progress: Progress) -> JobOutput:
    """The job's work: batch after batch until no row is pending, then the report."""
    mailing = job.mailing
    job.total = mailing.recipients.count()
    while queue_pending_rows(mailing):
        job.done = mailing.recipients.exclude(status=RecipientStatus.PENDING).count()
        progress(job.done, total=job.total)
    job.done = job.total
    return JobOutput(f"mailing-{mailing.pk}.csv", _report(mailing))


def _mark_sent(job: MailingJob) -> None:
    Mailing.objects.filter(pk=job.mailing_id, status=MailingStatus.SENDING).update(
        status=MailingStatus.SENT
    )


def run_mailing_job(job_id: int) -> MailingJob:
    """Hand every pending recipient of the job's mailing to the outbox."""
    return run_job(
        MailingJob,
        job_id,
        work=_queue_all,
        on_done=_mark_sent,
        select_related=["mailing__event"],
    )


def requeue_mailing_jobs(*, now: datetime | None = None) -> int:
    """Queue again the jobs left queued (their task was lost); the count."""
    now = now or timezone.now()
    due = list(
        MailingJob.objects.filter(
            status=MailingJobStatus.QUEUED, created_at__lt=now - REQUEUE_GRACE
        ).values_list("pk", flat=True)[:50]
    )
    for job_id in due:
        try:
            queue.enqueue("run_mailing_job", job_id)
        except Exception:
            logger.exception("Could not queue mailing job %s", job_id)
    return len(due)


def skip_recipient(row: MailingRecipient, *, note: str) -> None:
    """The reader unsubscribed after the row was written: nothing is sent."""
    MailingRecipient.objects.filter(pk=row.pk).update(
        status=RecipientStatus.SKIPPED, note=note[:300]
    )


def record_bounce(
    row: MailingRecipient, *, by=None, note: str = ""
) -> MailingRecipient:
    """The mail server or staff say the message did not arrive."""
    row.status = RecipientStatus.BOUNCED
    row.bounced_at = timezone.now()
    row.note = note[:300]
    with transaction.atomic():
        row.save(update_fields=["status", "bounced_at", "note"])
        log_activity(
            row.mailing,
            action="mailing.bounced",
            actor=by,
            event=row.mailing.event,
            data={"recipient": row.pk},
        )
    return row


def resend_recipient(row: MailingRecipient, *, by) -> MailingRecipient:
    """Send one reader the message again (a new outbox row); refused when the
    address unsubscribed."""
    mailing = row.mailing
    check_mailing_access(
        by,
        audience=mailing.audience,
        filters=AudienceFilters.from_json(mailing.filters),
    )
    if opted_out([row.email]):
        raise MailingError(
            _("This address unsubscribed from mailings."), code="unsubscribed"
        )
    with transaction.atomic():
        row = MailingRecipient.objects.select_for_update().get(pk=row.pk)
        row.resent += 1
        row.status = RecipientStatus.PENDING
        row.bounced_at = None
        row.note = ""
        row.save(update_fields=["resent", "status", "bounced_at", "note"])
        hand_to_outbox(row, now=timezone.now())
        log_activity(
            mailing,
            action="mailing.resent",
            actor=by,
            event=mailing.event,
            data={"recipient": row.pk},
        )
    row.refresh_from_db()
    return row


def recipient_for_message_id(message_id: str) -> MailingRecipient | None:
    """The row a Message-ID header (`<outbox-12@host>`) was sent for."""
    local = message_id.strip().strip("<>").partition("@")[0]
    if not local.startswith("outbox-") or not local[7:].isdigit():
        return None
    return (
        MailingRecipient.objects.select_related("mailing__event")
        .filter(outbox_id=int(local[7:]))
        .first()
    )
