"""The programme of an event: its sessions, who signed up for each, and who
waits for a place.

Speakers are names in a text field, not links to the CMS's Speaker snippet:
`registration` never imports `cms` (tests/test_import_graph.py), and the
snippet is a translatable page-side record the admin of this app cannot
choose from. The event page (cms) shows the names as written.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registration.catalogue.models import Event, TicketType
from registration.jobs.models import DONE, FAILED, QUEUED, RUNNING, BackgroundJob
from registration.orders.models import Attendee

# Languages with their own title and description; English is the fallback.
TRANSLATED_LANGUAGES = ("es", "fr")


class SessionKind(models.TextChoices):
    PLENARY = "plenary", _("Plenary")
    WORKSHOP = "workshop", _("Workshop")
    SITE_VISIT = "site_visit", _("Site visit")


class ProgrammeSession(models.Model):
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="programme_sessions",
        verbose_name=_("event"),
    )
    title = models.CharField(_("title"), max_length=200)
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    title_fr = models.CharField(_("title (French)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_es = models.TextField(_("description (Spanish)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=SessionKind.choices,
        default=SessionKind.WORKSHOP,
    )
    speakers = models.TextField(
        _("speakers"),
        blank=True,
        help_text=_("One name per line, as printed on the programme."),
    )
    room = models.CharField(_("room"), max_length=100, blank=True)
    starts_at = models.DateTimeField(
        _("starts at"), help_text=_("In the event's time zone.")
    )
    ends_at = models.DateTimeField(
        _("ends at"), help_text=_("In the event's time zone.")
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    ticket_types = models.ManyToManyField(
        TicketType,
        blank=True,
        related_name="programme_sessions",
        verbose_name=_("open to ticket types"),
        help_text=_("Empty: every ticket type of the event."),
    )
    signup_opens_at = models.DateTimeField(
        _("sign-up opens at"),
        null=True,
        blank=True,
        help_text=_("Empty: attendees may sign up as soon as they are registered."),
    )

    class Meta:
        ordering = ["starts_at", "title", "pk"]
        verbose_name = _("programme session")
        verbose_name_plural = _("programme sessions")
        indexes = [
            models.Index(fields=["event", "starts_at"], name="session_event_start_idx")
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A session must end after it starts.")})

    def title_in(self, language: str) -> str:
        """The title in `language`, else the English one."""
        return self._translated("title", language)

    def description_in(self, language: str) -> str:
        return self._translated("description", language)

    def _translated(self, field: str, language: str) -> str:
        code = (language or "en")[:2]
        if code in TRANSLATED_LANGUAGES:
            return getattr(self, f"{field}_{code}") or getattr(self, field)
        return getattr(self, field)

    @property
    def speaker_names(self) -> list[str]:
        return [line.strip() for line in self.speakers.splitlines() if line.strip()]

    def overlaps(self, other: "ProgrammeSession") -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


class SessionSignup(models.Model):
    """One attendee's place in one session."""

    session = models.ForeignKey(
        ProgrammeSession,
        on_delete=models.CASCADE,
        related_name="signups",
        verbose_name=_("session"),
    )
    attendee = models.ForeignKey(
        Attendee,
        on_delete=models.CASCADE,
        related_name="session_signups",
        verbose_name=_("attendee"),
    )
    by_staff = models.BooleanField(_("assigned by staff"), default=False)
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)

    class Meta:
        ordering = ["session", "created_at", "pk"]
        verbose_name = _("session sign-up")
        verbose_name_plural = _("session sign-ups")
        constraints = [
            models.UniqueConstraint(
                "session", "attendee", name="session_signup_once_per_attendee"
            )
        ]

    def __str__(self):
        return f"{self.attendee} – {self.session}"


class SessionWaitlistEntry(models.Model):
    """An attendee in line for a full session, served first come first served."""

    session = models.ForeignKey(
        ProgrammeSession,
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        verbose_name=_("session"),
    )
    attendee = models.ForeignKey(
        Attendee,
        on_delete=models.CASCADE,
        related_name="session_waitlist_entries",
        verbose_name=_("attendee"),
    )
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        ordering = ["session", "created_at", "pk"]
        verbose_name = _("session waiting-list entry")
        verbose_name_plural = _("session waiting list")
        constraints = [
            models.UniqueConstraint(
                "session", "attendee", name="session_waitlist_once_per_attendee"
            )
        ]

    def __str__(self):
        return f"{self.attendee} – {self.session}"


class CertificateJobStatus(models.TextChoices):
    QUEUED = QUEUED, _("Queued")
    RUNNING = RUNNING, _("Issuing")
    DONE = DONE, _("Done")
    FAILED = FAILED, _("Failed")


class CertificateJob(BackgroundJob):
    """Staff issue an event's certificates of attendance in one background job;
    its file is every certificate in one PDF, for printing."""

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="certificate_jobs",
        verbose_name=_("event"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CertificateJobStatus.choices,
        default=CertificateJobStatus.QUEUED,
    )
    total = models.PositiveIntegerField(_("certificates"), default=0)
    done = models.PositiveIntegerField(_("certificates issued"), default=0)
    pdf = models.FileField(_("PDF"), upload_to="certificates/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )

    output_field = "pdf"

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("certificate job")
        verbose_name_plural = _("certificate jobs")

    def __str__(self):
        return f"{self.event} ({self.get_status_display()})"


class AttendanceCertificate(models.Model):
    """An attendee's certificate: who, which sessions, and the code that proves it
    (the public page /certificates/<code>/ shows what it certifies)."""

    attendee = models.OneToOneField(
        Attendee,
        on_delete=models.CASCADE,
        related_name="attendance_certificate",
        verbose_name=_("attendee"),
    )
    code = models.CharField(_("verification code"), max_length=20, unique=True)
    sessions = models.ManyToManyField(
        ProgrammeSession,
        blank=True,
        related_name="certificates",
        verbose_name=_("sessions attended"),
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    job = models.ForeignKey(
        CertificateJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("issued by job"),
    )

    class Meta:
        ordering = ["-issued_at", "pk"]
        verbose_name = _("certificate of attendance")
        verbose_name_plural = _("certificates of attendance")

    def __str__(self):
        return self.code
