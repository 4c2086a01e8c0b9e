"""Jobs whose worker died: run them again (DESIGN: Background work).

django-tasks-db's `db_worker` marks a task RUNNING when it takes it and
SUCCESSFUL or FAILED when it ends; a worker killed in between (SIGKILL, OOM,
the machine lost) leaves the row RUNNING for ever and nothing runs the job
again. The periodic loop calls `recover_stalled_tasks`: our own tasks RUNNING
for longer than STALLED_TASK_SECONDS are marked failed and their job is put
back and queued again. The jobs are idempotent: an outbox message is claimed
before it is sent and marked done after, a badge or export job only runs from
`queued`, so a job runs to its end once even if a slow worker was taken for
a dead one.

The RQ backend keeps its own record of abandoned jobs; there, nothing is done.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from registration.jobs import queue
from registration.jobs.models import BackgroundJob
from registration.models import (
    BadgePrintJob,
    CertificateJob,
    ExportJob,
    MailingJob,
    OutboxMessage,
    OutboxStatus,
)

logger = logging.getLogger(__name__)

WORKER_LOST = "registration.jobs.recovery.WorkerLost"
# A job given up after this many lost workers is left failed for staff.
MAX_LOST_WORKERS = 3


def _reset_outbox(message_id: int, now: datetime) -> None:
    OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.PENDING, available_at=now
    )


def _reset_job(model: type[BackgroundJob], job_id: int, now: datetime) -> None:
    """A badge print or export job left running goes back to queued."""
    model.put_back(job_id)


_reset_badge_job = partial(_reset_job, BadgePrintJob)
_reset_export_job = partial(_reset_job, ExportJob)
_reset_mailing_job = partial(_reset_job, MailingJob)
_reset_certificate_job = partial(_reset_job, CertificateJob)


# Our tasks, and how each one's job is put back before it is queued again.
RECOVERABLE_TASKS = {
    "registration.outbox.tasks.deliver_outbox_message": _reset_outbox,
    "registration.documents.tasks.render_badge_print_job": _reset_badge_job,
    "registration.staff.tasks.build_export_job": _reset_export_job,
    "registration.mailings.tasks.run_mailing_job": _reset_mailing_job,
    "registration.programme.tasks.run_certificate_job": _reset_certificate_job,
}
# The same tasks under the paths rows were queued with before the packages were
# reorganised; registration/tasks.py and its two siblings forward them.
LEGACY_TASK_PATHS = {
    "registration.tasks.deliver_outbox_message": (
        "registration.outbox.tasks.deliver_outbox_message"
    ),
    "registration.tasks_badges.render_badge_print_job": (
        "registration.documents.tasks.render_badge_print_job"
    ),
    "registration.tasks_exports.build_export_job": (
        "registration.staff.tasks.build_export_job"
    ),
}
RECOVERABLE_TASKS |= {
    old: RECOVERABLE_TASKS[new] for old, new in LEGACY_TASK_PATHS.items()
}


def recover_stalled_tasks(*, now: datetime | None = None) -> int:
    """Queue again our tasks left RUNNING by a dead worker; the number queued."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(
        queue.task_named("deliver_outbox_message").get_backend(), DatabaseBackend
    ):
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.STALLED_TASK_SECONDS)
    stalled = DBTaskResult.objects.filter(
        status="RUNNING", started_at__lt=cutoff, task_path__in=RECOVERABLE_TASKS
    )
    queued = 0
    for row in stalled:
        taken = DBTaskResult.objects.filter(pk=row.pk, status="RUNNING").update(
            status="FAILED",
            finished_at=now,
            exception_class_path=WORKER_LOST,
            traceback=(
                f"The worker {row.worker_ids[-1:]} stopped while running this task "
                f"(started {row.started_at.isoformat()}); it was queued again."
            ),
        )
        if not taken:
            continue
        lost = DBTaskResult.objects.filter(
            task_path=row.task_path,
            args_kwargs=row.args_kwargs,
            exception_class_path=WORKER_LOST,
        ).count()
        if lost >= MAX_LOST_WORKERS:
            logger.error(
                "Task %s %s lost its worker %s times; not queued again",
                row.task_path,
                row.args_kwargs,
                lost,
            )
            continue
        args = row.args_kwargs.get("args", [])
        RECOVERABLE_TASKS[row.task_path](*args, now=now)
        import_string(row.task_path).enqueue(*args, **row.args_kwargs.get("kwargs", {}))
        logger.warning(
            "Task %s %s queued again after its worker died", row.task_path, args
        )
        queued += 1
    return queued
