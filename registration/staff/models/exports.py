"""Export jobs: a large spreadsheet built in the background, with its progress.

Written by services/exports.py only. The file may hold youth details (when the
requester had `registration.view_youthdetails` and chose those columns), so
it is served only through the admin's permission check, never from /media/.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registration.catalogue.models import Event
from registration.jobs.models import BackgroundJob


class ExportKind(models.TextChoices):
    ATTENDEES = "attendees", _("Attendees")
    ORDERS = "orders", _("Orders")


class ExportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Building")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ExportJob(BackgroundJob):
    """One XLSX export asked for in the admin; a background task writes the file."""

    kind = models.CharField(_("what"), max_length=12, choices=ExportKind.choices)
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="export_jobs",
        verbose_name=_("event"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # Column names of the Resource, in the order chosen; checked against the
    # requester's permissions when the job is created and again when it runs.
    columns = models.JSONField(_("columns"), default=list)
    # {"statuses": [...]} — which orders' rows are exported.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    has_sensitive_columns = models.BooleanField(_("holds youth details"), default=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExportJobStatus.choices,
        default=ExportJobStatus.QUEUED,
        db_index=True,
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    # error, created_at, started_at, finished_at: from BackgroundJob.

    output_field = "file"

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")

    def __str__(self):
        return f"{self.event} · {self.kind} · {self.total}"
