"""The event catalogue: events and what can be bought for them."""

import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from registration.money import CURRENCY_CHOICES
from registration.names import NAME_VALIDATORS

MONEY = {"max_digits": 12, "decimal_places": 2, "validators": [MinValueValidator(0)]}
TIME_ZONE_CHOICES = sorted((name, name) for name in zoneinfo.available_timezones())
hex_colour = RegexValidator(
    r"^#[0-9A-Fa-f]{6}$", _("Enter a colour as # and six hex digits, e.g. #1F6FB2.")
)


class EventKind(models.TextChoices):
    CONFERENCE = "conference", _("Conference")
    YOUTH_SUMMIT = "youth_summit", _("Youth summit")
    OTHER = "other", _("Other")


class Event(ClusterableModel):
    name = models.CharField(_("name"), max_length=200)
    # name, summary, terms and email_note exist per language
    # (catalogue/translation.py); the plain attribute reads the active one.
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences shown at the top of the checkout."),
    )
    terms = models.TextField(
        _("cancellation and payment terms"),
        blank=True,
        help_text=_("Shown before the buyer places the order and on the order page."),
    )
    email_note = models.TextField(
        _("note in the confirmation and ticket e-mails"),
        blank=True,
        help_text=_(
            "Added to the order confirmation and every ticket e-mail, "
            "e.g. where to collect badges."
        ),
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=EventKind.choices,
        default=EventKind.CONFERENCE,
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=TIME_ZONE_CHOICES,
        default="America/New_York",
        help_text=_(
            "The event's dates, ticket sale windows and vouchers are entered and "
            "shown in this time zone."
        ),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=100)
    country = CountryField(_("country"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="USD"
    )
    capacity = models.PositiveIntegerField(
        _("overall capacity"),
        null=True,
        blank=True,
        help_text=_(
            "Seats across all ticket types that count toward it. Empty: no limit."
        ),
    )
    registration_opens_at = models.DateTimeField(_("registration opens at"))
    registration_closes_at = models.DateTimeField(_("registration closes at"))
    payment_term_days = models.PositiveSmallIntegerField(
        _("invoice payment term (days)"),
        default=14,
        help_text=_("How long an unpaid invoice order holds its seats."),
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # The one cut-off of every self-service change (orders/services/edits.py,
    # `self_service_refusal`); the name is older than what it now covers.
    attendee_edit_until = models.DateTimeField(
        _("self-service changes close"),
        null=True,
        blank=True,
        help_text=_(
            "Until then buyers, attendees and delegation leaders may change "
            "attendee details and answers and transfer a ticket to another "
            "person; staff may still change them afterwards. Empty: when the "
            "event starts."
        ),
    )
    buyer_cancellation_until = models.DateTimeField(
        _("buyers may cancel paid orders until"),
        null=True,
        blank=True,
        help_text=_(
            "Unpaid orders can always be canceled by the buyer. "
            "Empty: paid orders are canceled by staff only."
        ),
    )
    waiting_list_offer_hours = models.PositiveSmallIntegerField(
        _("waiting-list offer valid for (hours)"), default=48
    )

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The event must end after it starts.")
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at <= self.registration_opens_at
        ):
            errors["registration_closes_at"] = _(
                "Registration must close after it opens."
            )
        if (
            self.registration_closes_at
            and self.ends_at
            and self.registration_closes_at > self.ends_at
        ):
            errors["registration_closes_at"] = _(
                "Registration cannot close after the event has ended."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_youth_summit(self) -> bool:
        return self.kind == EventKind.YOUTH_SUMMIT

    def local_start_date(self):
        return timezone.localtime(self.starts_at, self.tz).date()


class BadgeLayout(models.TextChoices):
    """How badges are printed; the keys equal `registration.documents.services.badges.LAYOUTS`."""

    A6 = "a6", _("A6, one badge per page")
    LETTER_6UP = "letter-6up", _("US Letter, six 4×3 in inserts (Avery 5392)")
    A4_4UP = "a4-4up", _("A4, four A6 badges to cut")


class SaleWindowMixin(models.Model):
    available_from = models.DateTimeField(
        _("on sale from"),
        null=True,
        blank=True,
        help_text=_("Empty: when registration opens."),
    )
    available_until = models.DateTimeField(
        _("on sale until"),
        null=True,
        blank=True,
        help_text=_("Empty: until registration closes."),
    )

    class Meta:
        abstract = True

    def clean_sale_window(self, errors: dict) -> None:
        if (
            self.available_from
            and self.available_until
            and self.available_until <= self.available_from
        ):
            errors["available_until"] = _("The sale must end after it starts.")


class TicketType(SaleWindowMixin, Orderable):
    event = ParentalKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    price = models.DecimalField(_("price"), default=Decimal("0.00"), **MONEY)
    member_price = models.DecimalField(
        _("member price"),
        null=True,
        blank=True,
        help_text=_("Price with a valid member code. Empty: no member price."),
        **MONEY,
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit of its own.")
    )
    counts_toward_event_capacity = models.BooleanField(
        _("counts toward the event's capacity"),
        default=True,
        help_text=_(
            "Untick for passes such as staff that do not take a delegate's seat."
        ),
    )
    min_per_order = models.PositiveSmallIntegerField(_("minimum per order"), default=1)
    max_per_order = models.PositiveSmallIntegerField(_("maximum per order"), default=10)
    hidden_unless_voucher = models.BooleanField(
        _("hidden unless unlocked by a voucher"), default=False
    )
    members_only = models.BooleanField(
        _("members only"),
        default=False,
        help_text=_("Sold only with a member code of a member organisation."),
    )
    requires_approval = models.BooleanField(
        _("requires approval"),
        default=False,
        help_text=_("Orders wait for staff approval before payment."),
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    requires_guardian_consent = models.BooleanField(
        _("requires guardian consent"), default=False
    )
    badge_role = models.CharField(
        _("badge role"),
        max_length=40,
        blank=True,
        help_text=_("Printed in words on the badge, e.g. DELEGATE. Empty: the name."),
    )
    badge_colour = models.CharField(
        _("badge colour"), max_length=7, default="#1F6FB2", validators=[hex_colour]
    )
    badge_layout = models.CharField(
        _("badge layout"),
        max_length=20,
        choices=BadgeLayout.choices,
        default=BadgeLayout.A6,
        help_text=_("How this ticket type's badges are printed."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        self.clean_sale_window(errors)
        if self.max_per_order < max(self.min_per_order, 1):
            errors["max_per_order"] = _(
                "The maximum per order must be at least the minimum (and at least 1)."
            )
        if (
            self.min_age is not None
            and self.max_age is not None
            and self.max_age < self.min_age
        ):
            errors["max_age"] = _("The maximum age must not be below the minimum age.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_youth(self) -> bool:
        return self.min_age is not None or self.max_age is not None

    @property
    def asks_youth_details(self) -> bool:
        """Whether an attendee of this ticket gives a date of birth and a guardian:
        an age range or guardian consent (checkout, transfers, delegations)."""
        return self.is_youth or self.requires_guardian_consent

    @property
    def role_label(self) -> str:
        return self.badge_role or self.name


class Extra(SaleWindowMixin, Orderable):
    event = ParentalKey(Event, on_delete=models.CASCADE, related_name="extras")
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    price = models.DecimalField(_("price"), default=Decimal("0.00"), **MONEY)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Empty: no limit.")
    )

    class Meta(Orderable.Meta):
        verbose_name = _("extra")
        verbose_name_plural = _("extras")

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        self.clean_sale_window(errors)
        if errors:
            raise ValidationError(errors)


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    YES_NO = "yes_no", _("Yes or no")
    DATE = "date", _("Date")
    COUNTRY = "country", _("Country")
    PHONE = "phone", _("Phone number")


KINDS_WITH_CHOICES = {QuestionKind.CHOICE, QuestionKind.MULTIPLE_CHOICE}


class QuestionReport(models.TextChoices):
    """Which report counts a question's answers (selectors, reports section)."""

    NONE = "", _("Not reported")
    DIETARY = "dietary", _("Dietary needs (caterers)")
    ACCESSIBILITY = "accessibility", _("Accessibility needs")
    T_SHIRT_SIZE = "t_shirt_size", _("T-shirt size")


class Question(Orderable):
    event = ParentalKey(Event, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=200)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=QuestionKind.choices,
        default=QuestionKind.TEXT,
    )
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    choices = models.TextField(
        _("choices"),
        blank=True,
        help_text=_("For choice questions: one option per line."),
    )
    # Tags the question whose answers the event report counts.
    report_as = models.CharField(
        _("counted in the report as"),
        max_length=20,
        choices=QuestionReport.choices,
        default=QuestionReport.NONE,
        blank=True,
        help_text=_(
            "Dietary and accessibility answers are counted for caterers and the "
            "venue; T-shirt sizes per size. Use a choice question for sizes."
        ),
    )
    ticket_types = ParentalManyToManyField(
        TicketType,
        blank=True,
        related_name="questions",
        verbose_name=_("asked for ticket types"),
        help_text=_(
            "Empty: asked of every attendee. Save the event first to list new types."
        ),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.label

    def clean(self):
        # Errors name the English column, the one the staff form shows
        # (catalogue/translation.py); the others pair with it line by line.
        if self.kind not in KINDS_WITH_CHOICES:
            return
        if len(self.choice_list) < 2:
            raise ValidationError(
                {
                    "choices_en": _(
                        "A choice question needs at least two options, one per line."
                    )
                }
            )
        translated = {
            name: _lines(getattr(self, name, ""))
            for name in ("choices_es", "choices_fr")
        }
        errors = {
            name: _("Give as many options as in English, in the same order, or none.")
            for name, lines in translated.items()
            if lines and len(lines) != len(self.choice_list)
        }
        if errors:
            raise ValidationError(errors)

    @property
    def choice_list(self) -> list[str]:
        """The options as stored in answers: the English lines, in every language,
        so answers, reports and exports count one option as one value."""
        return _lines(getattr(self, "choices_en", None) or self.choices)

    @property
    def choice_options(self) -> list[tuple[str, str]]:
        """(stored value, label in the active language) for each option: the
        translated lines pair with the English ones by position, so a translation
        with another number of lines is not used."""
        values = self.choice_list
        labels = _lines(self.choices)
        if len(labels) != len(values):
            labels = values
        return list(zip(values, labels, strict=True))

    def choice_label(self, value: str) -> str:
        """An answer's option in the active language (the value itself if unknown)."""
        return dict(self.choice_options).get(value, value)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class VoucherKind(models.TextChoices):
    PERCENT = "percent", _("Percent off")
    FIXED = "fixed", _("Fixed amount off")
    SET_PRICE = "set_price", _("Set price")


class Voucher(models.Model):
    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="vouchers",
        verbose_name=_("event"),
    )
    code = models.CharField(
        _("code"),
        max_length=40,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_-]+$",
                _("Use letters, digits, hyphens and underscores only."),
            )
        ],
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=VoucherKind.choices,
        default=VoucherKind.PERCENT,
    )
    value = models.DecimalField(
        _("value"),
        help_text=_("Percent (0–100), amount off, or the set price, by kind."),
        **MONEY,
    )
    ticket_types = models.ManyToManyField(
        TicketType,
        blank=True,
        related_name="vouchers",
        verbose_name=_("valid for ticket types"),
        help_text=_("Empty: all ticket types of the event."),
    )
    max_uses = models.PositiveIntegerField(
        _("maximum uses"),
        null=True,
        blank=True,
        help_text=_("Attendees; empty: unlimited."),
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    unlocks_hidden_tickets = models.BooleanField(
        _("unlocks hidden ticket types"), default=False
    )
    note = models.CharField(_("internal note"), max_length=200, blank=True)

    class Meta:
        ordering = ["event", "code"]
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        constraints = [
            models.UniqueConstraint(
                "event", Lower("code"), name="voucher_code_unique_per_event"
            )
        ]

    def __str__(self):
        return self.code

    def clean(self):
        errors = {}
        if (
            self.kind == VoucherKind.PERCENT
            and self.value is not None
            and self.value > 100
        ):
            errors["value"] = _("A percentage cannot be more than 100.")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            errors["valid_until"] = _("The voucher must end after it starts.")
        if self.code and self.event_id:
            clash = Voucher.objects.filter(
                event_id=self.event_id, code__iexact=self.code
            ).exclude(pk=self.pk)
            if clash.exists():
                errors["code"] = _("This event already has a voucher with this code.")
        if errors:
            raise ValidationError(errors)


# Member organisations: their code unlocks member prices and members-only tickets.
class MemberOrganisation(models.Model):
    """A sister-city member (city, county, state, association) with its member code."""

    name = models.CharField(_("name"), max_length=200, validators=NAME_VALIDATORS)
    code = models.CharField(
        _("member code"),
        max_length=40,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_-]+$",
                _("Use letters, digits, hyphens and underscores only."),
            )
        ],
        help_text=_("Given to the member; entered at checkout. Not case-sensitive."),
    )
    events = models.ManyToManyField(
        Event,
        blank=True,
        related_name="member_organisations",
        verbose_name=_("valid for events"),
        help_text=_("Empty: every event."),
    )
    valid_until = models.DateTimeField(
        _("membership valid until"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("member organisation")
        verbose_name_plural = _("member organisations")
        constraints = [
            models.UniqueConstraint(Lower("code"), name="member_code_unique")
        ]

    def __str__(self):
        return self.name
