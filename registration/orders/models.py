"""Orders and the people they admit. Status moves live in services/statuses.py."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from registration.catalogue.models import MONEY, Event, Extra, Question, TicketType
from registration.names import NAME_VALIDATORS, latin_transliteration
from registration.tokens import new_secret


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending payment")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")
    CANCELED = "canceled", _("Canceled")


# The allowed moves (DESIGN.md, "Order statuses and moves"). Only
# orders/services/statuses.py performs them. An approved order with nothing to
# pay goes straight from awaiting approval to paid. Staff revive an expired
# order (pending again) or a declined application (pending, or paid with
# nothing to pay); a canceled order leaves canceled only when its cancellation
# was a decline (`Order.declined_at`), which the status writer checks.
ORDER_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.EXPIRED, OrderStatus.CANCELED},
    OrderStatus.AWAITING_APPROVAL: {
        OrderStatus.PENDING,
        OrderStatus.PAID,
        OrderStatus.CANCELED,
    },
    OrderStatus.PAID: {OrderStatus.CANCELED},
    OrderStatus.EXPIRED: {OrderStatus.PAID, OrderStatus.CANCELED, OrderStatus.PENDING},
    OrderStatus.CANCELED: {OrderStatus.PENDING, OrderStatus.PAID},
}


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    INVOICE = "invoice", _("Invoice")
    FREE = "free", _("Nothing to pay")


# Statuses whose attendees are still registered (shown, badged, reminded).
LIVE_ORDER_STATUSES = (
    OrderStatus.PENDING,
    OrderStatus.AWAITING_APPROVAL,
    OrderStatus.PAID,
)


class Order(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="orders", verbose_name=_("event")
    )
    code = models.CharField(_("code"), max_length=12, unique=True)
    secret = models.CharField(max_length=40, default=new_secret, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, db_index=True
    )
    buyer_name = models.CharField(
        _("buyer name"), max_length=200, validators=NAME_VALIDATORS
    )
    buyer_email = models.EmailField(_("buyer e-mail"))
    buyer_organisation = models.CharField(
        _("organisation"), max_length=200, blank=True, validators=NAME_VALIDATORS
    )
    buyer_phone = models.CharField(_("buyer phone"), max_length=40, blank=True)
    buyer_address = models.TextField(
        _("billing address"), blank=True, help_text=_("Printed on the invoice.")
    )
    buyer_tax_id = models.CharField(
        _("tax id"), max_length=60, blank=True, help_text=_("Printed on the invoice.")
    )
    payment_method = models.CharField(
        _("payment method"),
        max_length=10,
        choices=PaymentMethod.choices,
        default=PaymentMethod.CARD,
    )
    # Payments: staff let trusted organisations in before their invoice is paid;
    # documents/services/tickets.py reads it. Added by migration 0005_payments.
    admit_before_payment = models.BooleanField(
        _("admit before payment"),
        default=False,
        help_text=_(
            "Tickets are issued before the invoice is paid (trusted organisations)."
        ),
    )
    tickets_blocked = models.BooleanField(
        _("tickets blocked"),
        default=False,
        help_text=_(
            "Staff stopped the door admitting this order's tickets (a disputed "
            "payment, a fraud)."
        ),
    )
    voucher = models.ForeignKey(
        "registration.Voucher",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("voucher"),
    )
    member_organisation = models.ForeignKey(
        "registration.MemberOrganisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("member organisation"),
        help_text=_("Whose member code gave member prices."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("placed by staff user"),
    )
    # Privacy: when the buyer agreed to which privacy notice, at
    # checkout (or as passed by an API integrator). Empty: not asked.
    privacy_accepted_at = models.DateTimeField(
        _("privacy notice accepted at"), null=True, blank=True
    )
    privacy_notice_version = models.CharField(
        _("privacy notice version"), max_length=20, blank=True
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    total = models.DecimalField(_("total"), default=Decimal("0.00"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    expires_at = models.DateTimeField(_("hold expires at"), null=True, blank=True)
    # Set when staff decline an application, cleared when the order leaves
    # canceled: a declined application may be revived, any other canceled
    # order may not.
    declined_at = models.DateTimeField(
        _("declined at"), null=True, blank=True, editable=False
    )
    # Canceling one attendee of a group moves them to a canceled order of
    # their own, split off this one: every rule that reads order statuses
    # (seats, the door, badges, exports, reminders) then leaves them out,
    # with no second flag to remember (orders/services/changes.py).
    split_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="split_orders",
        editable=False,
        verbose_name=_("split off order"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["event", "status", "expires_at"]),
            # The Orders screen lists newest first: read in index order, its
            # page of 20 (and their flags) costs the same for 10 or 10,000 orders.
            models.Index(fields=["created_at", "id"], name="order_created_idx"),
        ]

    def __str__(self):
        return self.code

    @property
    def holds_seats(self) -> bool:
        """Paid, or pending with an unexpired hold (the selectors' rule, in Python)."""
        if self.status == OrderStatus.PAID:
            return True
        return (
            self.status == OrderStatus.PENDING
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class Attendee(models.Model):
    order = models.ForeignKey(
        Order,
        on_delete=models.CASCADE,
        related_name="attendees",
        verbose_name=_("order"),
    )
    ticket_type = models.ForeignKey(
        TicketType,
        on_delete=models.PROTECT,
        related_name="attendees",
        verbose_name=_("ticket type"),
    )
    badge_name = models.CharField(
        _("name on badge"),
        max_length=120,
        help_text=_("As it should be printed."),
        validators=NAME_VALIDATORS,
    )
    badge_name_latin = models.CharField(
        _("name on badge in Latin letters"),
        max_length=120,
        blank=True,
        help_text=_(
            "Optional transliteration, printed under a name written in another script."
        ),
        validators=NAME_VALIDATORS,
    )
    given_name = models.CharField(
        _("given name"), max_length=100, validators=NAME_VALIDATORS
    )
    family_name = models.CharField(
        _("family name"), max_length=100, blank=True, validators=NAME_VALIDATORS
    )
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    organisation = models.CharField(
        _("organisation"), max_length=200, blank=True, validators=NAME_VALIDATORS
    )
    city = models.CharField(
        _("city"), max_length=100, blank=True, validators=NAME_VALIDATORS
    )
    country = CountryField(_("country"), blank=True)
    price = models.DecimalField(
        _("ticket price paid"), default=Decimal("0.00"), **MONEY
    )
    voucher = models.ForeignKey(
        "registration.Voucher",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendees",
        verbose_name=_("voucher used"),
        help_text=_("Set when the voucher priced this attendee's ticket: one use."),
    )
    extras = models.ManyToManyField(
        Extra,
        through="AttendeeExtra",
        related_name="attendees",
        blank=True,
        verbose_name=_("extras"),
    )
    delegation = models.ForeignKey(
        "registration.Delegation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("delegation"),
    )
    # What the QR code carries: only this secret (DESIGN invariant 5).
    secret = models.CharField(
        max_length=40, default=new_secret, unique=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        # The Attendees screen lists by name: its page is read in index order.
        indexes = [
            models.Index(
                fields=["family_name", "given_name", "id"], name="attendee_name_idx"
            )
        ]

    def __str__(self):
        return self.badge_name

    @property
    def badge_name_transliteration(self) -> str:
        """The Latin transliteration to show under the badge name; empty for Latin names."""
        return latin_transliteration(self.badge_name, self.badge_name_latin)

    @property
    def consent_missing(self) -> bool:
        """True while a ticket type that needs guardian consent has none signed.

        Lists should prefetch `youth__consent` (see selectors) to avoid a query
        per attendee.
        """
        if not self.ticket_type.requires_guardian_consent:
            return False
        youth = getattr(self, "youth", None)
        return youth is None or not youth.is_consent_signed


class AttendeeExtra(models.Model):
    """An extra bought for one attendee, with the price it was sold at."""

    attendee = models.ForeignKey(Attendee, on_delete=models.CASCADE)
    extra = models.ForeignKey(Extra, on_delete=models.PROTECT)
    price = models.DecimalField(_("price paid"), default=Decimal("0.00"), **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint("attendee", "extra", name="attendee_extra_once")
        ]

    def __str__(self):
        return f"{self.extra} ({self.attendee})"


class Answer(models.Model):
    attendee = models.ForeignKey(
        Attendee, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers"
    )
    value = models.TextField(_("answer"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "attendee", "question", name="answer_once_per_question"
            )
        ]

    def __str__(self):
        return f"{self.question}: {self.value}"


class OrderChangeStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    FAILED = "failed", _("Failed")


class OrderChange(models.Model):
    """One change of a placed order, as staff or the buyer confirmed it.

    Written by orders/services/changes.py. A change the buyer pays by card
    (extras bought later on a paid order) waits for its payment and is
    applied, under the capacity locks, when the payment arrives.
    """

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="changes", verbose_name=_("order")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OrderChangeStatus.choices
    )
    # The operations as asked (ids and values), replayed when a change that
    # waited for its payment is applied.
    operations = models.JSONField(_("operations"), default=list)
    # What changed, line by line, with the old and new values (shown and logged).
    lines = models.JSONField(_("lines"), default=list)
    reason = models.TextField(_("reason"), blank=True)
    old_total = models.DecimalField(_("total before"), **MONEY)
    new_total = models.DecimalField(_("total after"), **MONEY)
    refund_difference = models.BooleanField(_("refund the difference"), default=True)
    # How the money was settled (payments/services/settlement.py): refund,
    # balance left to pay, whether the invoice was reissued.
    settlement = models.JSONField(_("settlement"), default=dict, blank=True)
    by_staff = models.BooleanField(_("by staff"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    problem = models.TextField(_("problem"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("order change")
        verbose_name_plural = _("order changes")

    def __str__(self):
        return f"{self.order.code} change #{self.pk} ({self.status})"

    @property
    def difference(self) -> Decimal:
        return self.new_total - self.old_total
