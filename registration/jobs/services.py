"""Running a background job: claim it, do its work, keep its file or its error.

Badge print jobs and export jobs both run through `run_job`: the task gives
the job's id and the work function; the work function builds the file and
reports its progress; the job ends done or failed here, never half-way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.core.files.base import ContentFile
from django.db import transaction

from registration.jobs.models import BackgroundJob

logger = logging.getLogger(__name__)

Job = TypeVar("Job", bound=BackgroundJob)


class Progress(Protocol):
    def __call__(self, done: int, *, total: int | None = None) -> None: ...


@dataclass(frozen=True)
class JobOutput:
    """The file a job's work produced, to be stored in the job's file field."""

    name: str
    content: bytes


def describe_error(error: Exception) -> str:
    """The error staff read on the job page: its message, else its type."""
    return str(error) or type(error).__name__


def run_job(
    model: type[Job],
    job_id: int,
    *,
    work: Callable[[Job, Progress], JobOutput],
    on_done: Callable[[Job], None] | None = None,
    on_failed: Callable[[Job], None] | None = None,
    error_text: Callable[[Exception], str] = describe_error,
    select_related: Sequence[str] = (),
) -> Job:
    """Run one queued job to its end; a job not queued is returned unchanged.

    The job is claimed first (queued → running, one UPDATE), so of two workers
    given the same job only one runs it. `work(job, progress)` builds the file,
    setting `job.total` and `job.done` as they end, and calls
    `progress(done, total=…)` as it goes. Then, in one transaction, the file is
    stored, the job marked done and `on_done(job)` called (for the rows and
    log entries that go with a finished job). Any exception instead marks the
    job failed with `error_text(error)` and calls `on_failed(job)`.
    """
    claimed = model.claim_for_running(job_id)
    job = model.objects.select_related(*select_related).get(pk=job_id)
    if not claimed:
        return job
    try:
        output = work(job, job.record_progress)
        with transaction.atomic():
            job.output.save(output.name, ContentFile(output.content), save=False)
            job.mark_done()
            if on_done is not None:
                on_done(job)
    except Exception as error:
        logger.exception("%s %s failed", model._meta.verbose_name, job.pk)
        job.mark_failed(error_text(error))
        if on_failed is not None:
            on_failed(job)
    return job
