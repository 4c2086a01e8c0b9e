"""Badge printing: background print jobs with their progress, and a log of every badge printed.

Jobs and prints are written by services/badges.py only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registration.catalogue.models import BadgeLayout, Event
from registration.jobs.models import BackgroundJob
from registration.orders.models import Attendee


class BadgePrintJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Rendering")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class BadgeSort(models.TextChoices):
    FAMILY_NAME = "family_name", _("Family name")
    DELEGATION = "delegation", _("Delegation, then family name")


class BadgePrintJob(BackgroundJob):
    """One "print badges" request from the admin; a background task renders it.

    The attendees are chosen when the job is created and kept, in print order,
    in `attendee_ids`: a re-run or a late registration never changes what an
    earlier request printed.
    """

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="badge_print_jobs",
        verbose_name=_("event"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    layout = models.CharField(_("layout"), max_length=20, choices=BadgeLayout.choices)
    with_back_side = models.BooleanField(_("print the back side"), default=False)
    # What the back side shows (event-wide only, never personal data):
    # {"programme": [lines], "wifi_network": "", "wifi_password": "",
    #  "emergency_contact": ""}
    back_side = models.JSONField(_("back side"), default=dict, blank=True)
    # The staff's choices, kept to show and to repeat:
    # {"ticket_types": [ids], "delegations": [ids], "checked_in": true|false|null,
    #  "not_printed_since": ISO datetime|null, "order_by": "family_name"|"delegation"}
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    attendee_ids = models.JSONField(_("attendees, in print order"), default=list)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=BadgePrintJobStatus.choices,
        default=BadgePrintJobStatus.QUEUED,
        db_index=True,
    )
    total = models.PositiveIntegerField(_("badges"), default=0)
    done = models.PositiveIntegerField(_("badges rendered"), default=0)
    pdf = models.FileField(_("PDF"), upload_to="badges/%Y/%m/", blank=True)
    # error, created_at, started_at, finished_at: from BackgroundJob.

    output_field = "pdf"

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("badge print job")
        verbose_name_plural = _("badge print jobs")
        permissions = [("print_badges", _("Can print badges"))]

    def __str__(self):
        return f"{self.event} · {self.layout} · {self.total}"


class BadgePrint(models.Model):
    """One badge printed for one attendee: in a batch (with its job) or one at the desk."""

    attendee = models.ForeignKey(
        Attendee,
        on_delete=models.CASCADE,
        related_name="badge_prints",
        verbose_name=_("attendee"),
    )
    job = models.ForeignKey(
        BadgePrintJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prints",
        verbose_name=_("print job"),
    )
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("printed by"),
    )
    layout = models.CharField(_("layout"), max_length=20, choices=BadgeLayout.choices)
    printed_at = models.DateTimeField(_("printed at"), auto_now_add=True)

    class Meta:
        ordering = ["-printed_at", "-pk"]
        verbose_name = _("badge print")
        verbose_name_plural = _("badge prints")
        # "Not printed since T" asks, per attendee, for a print at or after T.
        indexes = [
            models.Index(
                fields=["attendee", "-printed_at"], name="badgeprint_attendee_time_idx"
            )
        ]

    def __str__(self):
        return f"{self.attendee} · {self.printed_at:%Y-%m-%d %H:%M}"
