"""The sister-city network: programmes, partnerships with their contacts, and
the exchanges they carry out (DESIGN: vocabulary)."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from registration.names import NAME_VALIDATORS


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
