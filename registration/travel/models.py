"""Delegations a partnership sends to an event, and each delegate's travel
(DESIGN: flow 6).

Passport data lives in VisaDetails, apart from the travel plan, so one
permission guards it and the retention job deletes it whole (invariant 7).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from registration.catalogue.models import MONEY, Event
from registration.names import NAME_VALIDATORS
from registration.network.models import Partnership
from registration.payments.models import FrozenOnceIssued, InvoiceStatus
from registration.tokens import new_secret


class DelegationStatus(models.TextChoices):
    OPEN = "open", _("Open: members being added")
    CLOSED = "closed", _("Closed: list complete")
    CANCELED = "canceled", _("Canceled")


# The allowed moves of a delegation: the leader (or staff) closes the list
# (services/delegations.close_delegation); staff cancel a delegation, open or
# closed. A canceled one stays canceled, and a closed list is not reopened
# (its combined invoice is issued).
DELEGATION_TRANSITIONS: dict[str, set[str]] = {
    DelegationStatus.OPEN: {DelegationStatus.CLOSED, DelegationStatus.CANCELED},
    DelegationStatus.CLOSED: {DelegationStatus.CANCELED},
    DelegationStatus.CANCELED: set(),
}


class DelegationBilling(models.TextChoices):
    DELEGATION_INVOICE = "delegation_invoice", _("One invoice for the delegation")
    EACH_PAYS = "each_pays", _("Each member pays")


class Delegation(models.Model):
    """The group a city sends to an event; badges, check-in and reports group by it.

    The leader manages it from a secret link (`secret`), no account needed.
    """

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="delegations",
        verbose_name=_("event"),
    )
    name = models.CharField(_("name"), max_length=200, validators=NAME_VALIDATORS)
    home_city = models.CharField(
        _("home city"), max_length=100, validators=NAME_VALIDATORS
    )
    home_country = CountryField(_("home country"))
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="delegations",
        verbose_name=_("partnership"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DelegationStatus.choices,
        default=DelegationStatus.OPEN,
    )
    billing = models.CharField(
        _("billing"),
        max_length=20,
        choices=DelegationBilling.choices,
        default=DelegationBilling.DELEGATION_INVOICE,
    )
    leader_name = models.CharField(
        _("leader's name"), max_length=150, blank=True, validators=NAME_VALIDATORS
    )
    leader_email = models.EmailField(_("leader's e-mail"), blank=True)
    leader_language = models.CharField(
        _("leader's language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
    )
    # The leader's link to the delegation page (DESIGN invariant 5).
    secret = models.CharField(
        max_length=40, default=new_secret, unique=True, editable=False
    )
    closed_at = models.DateTimeField(_("list closed at"), null=True, blank=True)
    # Who the combined invoice is addressed to (billing "delegation_invoice");
    # the leader confirms them when closing the list.
    billing_name = models.CharField(
        _("invoice to"), max_length=200, blank=True, validators=NAME_VALIDATORS
    )
    billing_address = models.TextField(_("billing address"), blank=True)
    billing_tax_id = models.CharField(_("VAT / tax id"), max_length=60, blank=True)
    billing_po_number = models.CharField(
        _("purchase order number"), max_length=60, blank=True
    )

    class Meta:
        ordering = ["event", "name"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.UniqueConstraint(
                "event", "name", name="delegation_name_unique_per_event"
            )
        ]

    def __str__(self):
        return self.name


class LodgingKind(models.TextChoices):
    HOTEL = "hotel", _("Hotel")
    HOST_FAMILY = "host_family", _("Host family")
    OWN = "own", _("Own arrangements")


class VisaLetterStatus(models.TextChoices):
    """Where a visa letter stands. "Approved" is the staff decision that lets
    the Travel desk issue the letter (services/travel.py)."""

    NOT_NEEDED = "not_needed", _("Not needed")
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved by staff")
    ISSUED = "issued", _("Issued")
    REFUSED = "refused", _("Refused")


class TravelPlan(models.Model):
    """How one attendee arrives, leaves and sleeps, and where their visa letter stands.

    Arrival and departure are aware datetimes; they are entered and shown in
    the zone of their airport (`airportsdata`), and stored in UTC like every
    datetime.
    """

    attendee = models.OneToOneField(
        "registration.Attendee",
        on_delete=models.CASCADE,
        related_name="travel",
        verbose_name=_("attendee"),
    )
    arrival_at = models.DateTimeField(_("arrival"), null=True, blank=True)
    arrival_carrier = models.CharField(_("arrival carrier"), max_length=60, blank=True)
    arrival_number = models.CharField(
        _("arrival flight or train"), max_length=20, blank=True
    )
    arrival_airport = models.CharField(
        _("arrival airport or station"),
        max_length=4,
        blank=True,
        help_text=_("IATA code, such as IAD."),
    )
    departure_at = models.DateTimeField(_("departure"), null=True, blank=True)
    departure_carrier = models.CharField(
        _("departure carrier"), max_length=60, blank=True
    )
    departure_number = models.CharField(
        _("departure flight or train"), max_length=20, blank=True
    )
    departure_airport = models.CharField(
        _("departure airport or station"), max_length=4, blank=True
    )
    pickup_needed = models.BooleanField(_("airport pickup needed"), default=False)
    lodging_kind = models.CharField(
        _("lodging"),
        max_length=20,
        choices=LodgingKind.choices,
        blank=True,
    )
    lodging_name = models.CharField(
        _("hotel or host family"),
        max_length=200,
        blank=True,
        validators=NAME_VALIDATORS,
    )
    room_sharing_with = models.CharField(
        _("sharing a room with"), max_length=200, blank=True, validators=NAME_VALIDATORS
    )
    visa_letter_needed = models.BooleanField(
        _("visa invitation letter needed"), default=False
    )
    visa_letter_status = models.CharField(
        _("visa letter status"),
        max_length=20,
        choices=VisaLetterStatus.choices,
        default=VisaLetterStatus.NOT_NEEDED,
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("travel plan")
        verbose_name_plural = _("travel plans")

    def __str__(self):
        return str(self.attendee)


class VisaDetails(models.Model):
    """Passport data for a visa letter: Travel desk only, purged after the event."""

    attendee = models.OneToOneField(
        "registration.Attendee",
        on_delete=models.CASCADE,
        related_name="visa",
        verbose_name=_("attendee"),
    )
    nationality = CountryField(_("nationality"))
    passport_number = models.CharField(_("passport number"), max_length=30)
    passport_expiry = models.DateField(_("passport expiry"))
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)

    class Meta:
        verbose_name = _("visa details")
        verbose_name_plural = _("visa details")
        permissions = [("issue_visa_letters", "Can issue visa invitation letters")]

    def __str__(self):
        return str(self.attendee)


class VisaLetter(models.Model):
    """One issued visa invitation letter, numbered per year; the log of letters."""

    attendee = models.ForeignKey(
        "registration.Attendee",
        on_delete=models.CASCADE,
        related_name="visa_letters",
        verbose_name=_("attendee"),
    )
    number = models.CharField(_("letter number"), max_length=30, unique=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("visa letter")
        verbose_name_plural = _("visa letters")

    def __str__(self):
        return self.number


class DelegationInvoice(FrozenOnceIssued):
    """The one invoice for a delegation's member orders, issued when the leader
    closes the list (billing "delegation_invoice").

    Numbered in the same yearly series as order invoices (one counter, so the
    numbers of both tables never collide and leave no gaps); its lines and
    addressee are frozen copies, like an Invoice's.
    """

    MUTABLE_FIELDS = frozenset({"status", "paid_at", "paid_reference"})

    delegation = models.OneToOneField(
        Delegation,
        on_delete=models.PROTECT,
        related_name="invoice",
        verbose_name=_("delegation"),
    )
    orders = models.ManyToManyField(
        "registration.Order",
        related_name="delegation_invoices",
        verbose_name=_("orders"),
    )
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvoiceStatus.choices,
        default=InvoiceStatus.ISSUED,
    )
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    billing_name = models.CharField(_("billing name"), max_length=200)
    billing_address = models.TextField(_("billing address"))
    tax_id = models.CharField(_("VAT / tax id"), max_length=60, blank=True)
    po_number = models.CharField(_("PO number"), max_length=60, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), **MONEY)
    lines = models.JSONField(_("lines"), default=list)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_reference = models.CharField(_("bank reference"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-sequence"]
        verbose_name = _("delegation invoice")
        verbose_name_plural = _("delegation invoices")

    def __str__(self):
        return self.number
