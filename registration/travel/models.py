"""The sister-city network: partnerships, their exchanges, the delegations they
send to events, and each delegate's travel (DESIGN: vocabulary, flow 6).

Passport data lives in VisaDetails, apart from the travel plan, so one
permission guards it and the retention job deletes it whole (invariant 7).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from registration.catalogue.models import MONEY, Event
from registration.names import NAME_VALIDATORS
from registration.payments.models import FrozenOnceIssued, InvoiceStatus
from registration.tokens import new_secret


class Programme(models.Model):
    """A network initiative partnerships belong to, such as "7 for 70"."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    target_count = models.PositiveIntegerField(
        _("target number of partnerships"), null=True, blank=True
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self):
        return self.name


class PartnershipKind(models.TextChoices):
    CITY = "city", _("Sister city")
    COUNTY = "county", _("Sister county")
    STATE = "state", _("Sister state")
    FRIENDSHIP = "friendship", _("Friendship city")


class PartnershipStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class Partnership(ClusterableModel):
    """A sister city, county or state relationship between two communities."""

    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=PartnershipKind.choices,
        default=PartnershipKind.CITY,
    )
    local_name = models.CharField(
        _("local community"), max_length=150, validators=NAME_VALIDATORS
    )
    local_region = models.CharField(
        _("local state or region"),
        max_length=100,
        blank=True,
        validators=NAME_VALIDATORS,
    )
    local_country = CountryField(_("local country"), default="US")
    partner_name = models.CharField(
        _("partner community"), max_length=150, validators=NAME_VALIDATORS
    )
    partner_region = models.CharField(
        _("partner region"), max_length=100, blank=True, validators=NAME_VALIDATORS
    )
    partner_country = CountryField(_("partner country"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PartnershipStatus.choices,
        default=PartnershipStatus.PROPOSED,
    )
    signed_on = models.DateField(_("agreement signed on"), null=True, blank=True)
    signed_by = models.CharField(
        _("signed by"),
        max_length=300,
        blank=True,
        help_text=_("Who signed the agreement, for example the two mayors."),
        validators=NAME_VALIDATORS,
    )
    programmes = models.ManyToManyField(
        Programme,
        blank=True,
        related_name="partnerships",
        verbose_name=_("programmes"),
    )
    agreement = models.ForeignKey(
        "wagtaildocs.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed agreement"),
    )
    description = models.TextField(_("public description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["local_name", "partner_name"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(
                "local_name",
                "local_country",
                "partner_name",
                "partner_country",
                name="partnership_unique_pair",
            )
        ]

    def __str__(self):
        return f"{self.local_name} – {self.partner_name}"

    def clean(self):
        super().clean()
        if (
            self.local_country
            and self.partner_country
            and self.local_country == self.partner_country
        ):
            raise ValidationError(
                {
                    "partner_country": _(
                        "The partner community is in another country than the local one."
                    )
                }
            )


class PartnershipContact(models.Model):
    """A person to talk to on one side of a partnership; never shown publicly."""

    class Side(models.TextChoices):
        LOCAL = "local", _("Local")
        PARTNER = "partner", _("Partner")

    partnership = ParentalKey(
        Partnership, on_delete=models.CASCADE, related_name="contacts"
    )
    side = models.CharField(
        _("side"), max_length=10, choices=Side.choices, default=Side.LOCAL
    )
    name = models.CharField(_("name"), max_length=150, validators=NAME_VALIDATORS)
    role = models.CharField(_("role"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["side", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return self.name


class ExchangeKind(models.TextChoices):
    YOUTH = "youth", _("Youth")
    EDUCATION = "education", _("Education")
    ARTS_CULTURE = "arts_culture", _("Arts and culture")
    BUSINESS_TRADE = "business_trade", _("Business and trade")
    MUNICIPAL = "municipal", _("Municipal")
    SPORTS = "sports", _("Sports")
    HUMANITARIAN = "humanitarian", _("Humanitarian aid")
    COMMUNITY = "community_development", _("Community development")


class ExchangeDirection(models.TextChoices):
    HOSTED = "hosted", _("Hosted")
    SENT = "sent", _("Sent")


class Exchange(models.Model):
    """An activity run under a partnership, with what it achieved."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="exchanges",
        verbose_name=_("partnership"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ExchangeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=ExchangeDirection.choices
    )
    participants = models.PositiveIntegerField(_("participants"), default=0)
    volunteers = models.PositiveIntegerField(_("volunteers"), default=0)
    jobs_created = models.PositiveIntegerField(_("jobs created"), default=0)
    aid_value = models.DecimalField(
        _("humanitarian aid value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    aid_currency = models.CharField(
        _("aid currency"),
        max_length=3,
        blank=True,
        help_text=_("ISO 4217 code, such as USD."),
    )
    summary = models.TextField(_("summary"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")

    def __str__(self):
        return self.title

    def clean(self):
        """Aid needs its currency (sums are kept per currency); dates run forward."""
        super().clean()
        errors = {}
        self.aid_currency = (self.aid_currency or "").strip().upper()
        if self.aid_currency and not re.fullmatch(r"[A-Z]{3}", self.aid_currency):
            errors["aid_currency"] = _(
                "Give a three-letter ISO 4217 code, such as USD."
            )
        elif self.aid_value is not None and not self.aid_currency:
            errors["aid_currency"] = _(
                "Give the currency of the aid value, such as USD."
            )
        elif self.aid_currency and self.aid_value is None:
            errors["aid_value"] = _("Give the aid value, or leave the currency empty.")
        if self.aid_value is not None and self.aid_value < 0:
            errors["aid_value"] = _("The aid value cannot be negative.")
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The end date is before the start date.")
        if errors:
            raise ValidationError(errors)


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
