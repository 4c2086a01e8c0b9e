"""Door check-in: where admission is checked, the scanning devices, and the scan log.

CheckIn rows are append-only: every scan, refused ones included, is one row,
written by services/scans.py and never changed afterwards (DESIGN invariant 6).
Device tokens are stored as SHA-256 digests, like staff API tokens.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registration.catalogue.models import Event, Extra, TicketType
from registration.orders.models import Attendee


class CheckInType(models.TextChoices):
    ENTRY = "entry", _("Entry")
    EXIT = "exit", _("Exit")


class CheckInResult(models.TextChoices):
    OK = "ok", _("Admitted")
    UNKNOWN_TICKET = "unknown_ticket", _("Unknown ticket")
    ALREADY_CHECKED_IN = "already_checked_in", _("Already checked in")
    UNPAID = "unpaid", _("Not paid")
    CANCELED = "canceled", _("Canceled")
    BLOCKED = "blocked", _("Blocked by staff")
    CONSENT_MISSING = "consent_missing", _("Guardian consent missing")
    WRONG_EVENT = "wrong_event", _("Ticket for another event")
    NOT_ON_LIST = "not_on_list", _("Not on this list")
    LIST_CLOSED = "list_closed", _("List closed")
    REVOKED = "revoked", _("Device revoked")


class CheckInList(models.Model):
    """A place where admission is checked: the main door, the gala dinner.

    A person is on the list when their ticket type is admitted (all of them,
    or the chosen ones) or when they bought one of the chosen extras.
    """

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="checkin_lists",
        verbose_name=_("event"),
    )
    name = models.CharField(_("name"), max_length=100)
    all_ticket_types = models.BooleanField(
        _("admits every ticket type"),
        default=True,
        help_text=_("Untick to admit only the ticket types and extras chosen below."),
    )
    ticket_types = models.ManyToManyField(
        TicketType,
        blank=True,
        related_name="checkin_lists",
        verbose_name=_("ticket types admitted"),
    )
    extras = models.ManyToManyField(
        Extra,
        blank=True,
        related_name="checkin_lists",
        verbose_name=_("extras admitted"),
        help_text=_("Holders of any of these extras are admitted (e.g. gala dinner)."),
    )
    opens_at = models.DateTimeField(
        _("opens at"), null=True, blank=True, help_text=_("Empty: open from the start.")
    )
    closes_at = models.DateTimeField(
        _("closes at"), null=True, blank=True, help_text=_("Empty: never closes.")
    )
    allow_reentry = models.BooleanField(
        _("re-entry allowed"),
        default=False,
        help_text=_("Admit the same badge again without an exit scan in between."),
    )
    track_exits = models.BooleanField(
        _("track exits"),
        default=False,
        help_text=_(
            "Volunteers scan people out as well as in (youth headcounts); "
            "after an exit the same badge may enter again."
        ),
    )
    # A room host's list: only the people signed up for the session are on it
    # (services/scans.py); a string reference, so checkin's models need not
    # import the programme's.
    session = models.ForeignKey(
        "registration.ProgrammeSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checkin_lists",
        verbose_name=_("programme session"),
        help_text=_(
            "Admits only the attendees signed up for this session. "
            "Empty: the ticket types and extras above decide."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "name"]
        verbose_name = _("check-in list")
        verbose_name_plural = _("check-in lists")
        constraints = [
            models.UniqueConstraint(
                "event", "name", name="checkin_list_name_unique_per_event"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.event})"

    def is_open_at(self, moment) -> bool:
        if self.opens_at and moment < self.opens_at:
            return False
        return not (self.closes_at and moment > self.closes_at)


class Device(models.Model):
    """A volunteer's phone or a door PC with a USB scanner."""

    name = models.CharField(_("name"), max_length=100)
    events = models.ManyToManyField(
        Event, related_name="checkin_devices", verbose_name=_("events")
    )
    # The first characters, so staff can tell tokens apart; the rest is hashed.
    token_prefix = models.CharField(_("token starts with"), max_length=12, blank=True)
    token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    # A short one-time code (hashed) to pair a phone; it expires in minutes.
    pairing_code_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    pairing_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    paired_at = models.DateTimeField(_("paired at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("check-in device")
        verbose_name_plural = _("check-in devices")

    def __str__(self):
        return self.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def pairing_open(self) -> bool:
        return (
            self.pairing_code_hash is not None
            and self.pairing_expires_at is not None
            and self.pairing_expires_at > timezone.now()
        )


class CheckIn(models.Model):
    """One scan and its answer. Append-only: written once, never updated."""

    checkin_list = models.ForeignKey(
        CheckInList,
        on_delete=models.CASCADE,
        related_name="checkins",
        verbose_name=_("list"),
    )
    attendee = models.ForeignKey(
        Attendee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkins",
        verbose_name=_("attendee"),
    )
    # Only for codes that match no ticket, so staff can see what was scanned.
    raw_code = models.CharField(_("scanned code"), max_length=100, blank=True)
    type = models.CharField(
        _("type"), max_length=5, choices=CheckInType.choices, default=CheckInType.ENTRY
    )
    result = models.CharField(
        _("result"), max_length=20, choices=CheckInResult.choices, db_index=True
    )
    device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        related_name="checkins",
        verbose_name=_("device"),
    )
    nonce = models.CharField(max_length=64)
    # The earlier admission that made this scan `already_checked_in`.
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("earlier admission"),
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    scanned_at = models.DateTimeField(_("scanned at"))
    offline = models.BooleanField(
        _("scanned offline"),
        default=False,
        help_text=_("Decided on the device without network and uploaded later."),
    )
    forced = models.BooleanField(
        _("admitted by the device"),
        default=False,
        help_text=_(
            "The device had already let the person in (offline); a refusal "
            "here is a conflict for staff to look at."
        ),
    )
    manual = models.BooleanField(
        _("found by name"), default=False, help_text=_("No badge: found by search.")
    )

    class Meta:
        ordering = ["-scanned_at", "-pk"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            # A retried request (same nonce) never writes a second row.
            models.UniqueConstraint("device", "nonce", name="checkin_nonce_once")
        ]
        indexes = [
            models.Index(
                fields=["attendee", "checkin_list", "scanned_at"],
                name="checkin_attendee_list_idx",
            ),
            models.Index(
                fields=["checkin_list", "scanned_at"], name="checkin_list_time_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()} {self.get_result_display()}"

    @property
    def is_conflict(self) -> bool:
        """The device admitted someone whom the server refused on upload."""
        return self.forced and self.result != CheckInResult.OK
