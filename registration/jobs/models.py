"""What every background job row has in common: its status, its progress, its file.

A job (a badge print run, an XLSX export) is asked for in the admin, written
as a row in `queued`, taken by one worker (`running`) and ends `done` with
its file or `failed` with the error. Each concrete model keeps its own
status, count and file fields (their labels differ: "badges rendered",
"rows written", "Rendering", "Building") and names its file field in
`output_field`; the fields that are the same in both live here.
jobs/services.py runs a job through these methods.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The status values every job model's choices share (their labels may differ).
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINISHED = frozenset({DONE, FAILED})


class BackgroundJob(models.Model):
    """A row followed by a progress bar while a background task fills its file.

    Concrete models declare `status` (choices with the values queued, running,
    done and failed), `total`, `done` and the FileField named by `output_field`.
    """

    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    output_field: ClassVar[str]

    class Meta:
        abstract = True

    @property
    def progress(self) -> int:
        """Percent done, for the progress bar."""
        return min(100, round(100 * self.done / self.total)) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def output(self) -> FieldFile:
        """The job's file (empty until it is done)."""
        return getattr(self, self.output_field)

    @classmethod
    def claim_for_running(cls, job_id: int) -> bool:
        """Move a queued job to running, atomically; False if it was not queued.

        One UPDATE … WHERE status = 'queued': of two workers given the same
        job, the database lets exactly one of them change the row.
        """
        return bool(
            cls.objects.filter(pk=job_id, status=QUEUED).update(
                status=RUNNING, started_at=timezone.now(), done=0
            )
        )

    @classmethod
    def put_back(cls, job_id: int) -> int:
        """A running job whose worker died goes back to queued, its count reset."""
        return cls.objects.filter(pk=job_id, status=RUNNING).update(
            status=QUEUED, done=0
        )

    def record_progress(self, done: int, *, total: int | None = None) -> None:
        """Write how far the job is (and its total, when it was counted again)."""
        self.done = done
        changes = {"done": done}
        if total is not None:
            self.total = changes["total"] = total
        type(self).objects.filter(pk=self.pk).update(**changes)

    def mark_done(self) -> None:
        """Save the job as done, with its file and its final counts."""
        self.status = DONE
        self.finished_at = timezone.now()
        self.save(
            update_fields=[self.output_field, "status", "total", "done", "finished_at"]
        )

    def mark_failed(self, error: str) -> None:
        """Save the job as failed, with the error staff will read."""
        self.status = FAILED
        self.error = error[:2000]
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "finished_at"])
