"""Money movements: payments, refunds, Stripe events, invoices and credit notes.

Only the payments service (services/) writes these rows. Amounts are
`Decimal` in the order's currency; Stripe's integer minor units never reach
the database.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registration.catalogue.models import MONEY, Event
from registration.names import NAME_VALIDATORS
from registration.orders.models import Order


class PaymentProvider(models.TextChoices):
    STRIPE = "stripe", _("Card (Stripe)")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer (invoice)")


class PaymentStatus(models.TextChoices):
    CREATING = "creating", _("Starting")
    OPEN = "open", _("Open (awaiting the payer)")
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


# The allowed moves of a payment attempt, as the payments service makes them
# (guarded by `check_status_move` in services/rules.py). An attempt is created
# `creating` (a bank transfer staff record is created `succeeded`); Stripe's
# answer opens or ends it. Money that arrives for an attempt already given up
# (failed: the session's creation had no answer; expired: the hold ran out
# while it was created) is still recorded as succeeded, then refunded as a
# late payment.
PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    PaymentStatus.CREATING: {
        PaymentStatus.OPEN,
        PaymentStatus.PROCESSING,
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.EXPIRED,
    },
    PaymentStatus.OPEN: {
        PaymentStatus.PROCESSING,
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.EXPIRED,
    },
    PaymentStatus.PROCESSING: {
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.EXPIRED,
    },
    PaymentStatus.FAILED: {PaymentStatus.SUCCEEDED},
    PaymentStatus.EXPIRED: {PaymentStatus.SUCCEEDED},
    PaymentStatus.SUCCEEDED: set(),
}

# Attempts that may still turn into money.
OPEN_PAYMENT_STATUSES = (
    PaymentStatus.CREATING,
    PaymentStatus.OPEN,
    PaymentStatus.PROCESSING,
)


class DisputeStatus(models.TextChoices):
    """Stripe's dispute statuses (a chargeback, or an inquiry: `warning_*`)."""

    WARNING_NEEDS_RESPONSE = "warning_needs_response", _("Inquiry: needs a response")
    WARNING_UNDER_REVIEW = "warning_under_review", _("Inquiry: under review")
    WARNING_CLOSED = "warning_closed", _("Inquiry closed")
    NEEDS_RESPONSE = "needs_response", _("Needs a response")
    UNDER_REVIEW = "under_review", _("Under review")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


# Disputes that are over and need nothing more from staff; a lost one does
# until its order is canceled or its tickets blocked.
SETTLED_DISPUTE_STATUSES = (DisputeStatus.WON, DisputeStatus.WARNING_CLOSED)


class Payment(models.Model):
    """One payment attempt: a Checkout Session, or a bank transfer staff recorded."""

    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("order"),
    )
    provider = models.CharField(
        _("provider"), max_length=20, choices=PaymentProvider.choices
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PaymentStatus.choices,
        default=PaymentStatus.CREATING,
        db_index=True,
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    # Set on a card payment of extras bought later: the change is applied
    # when this payment succeeds (orders/services/changes.py).
    order_change = models.ForeignKey(
        "registration.OrderChange",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("order change paid"),
    )
    stripe_session_id = models.CharField(
        _("Stripe Checkout Session"), max_length=255, unique=True, null=True, blank=True
    )
    stripe_payment_intent_id = models.CharField(
        _("Stripe PaymentIntent"), max_length=255, blank=True, db_index=True
    )
    stripe_charge_id = models.CharField(_("Stripe charge"), max_length=255, blank=True)
    checkout_url = models.CharField(_("checkout address"), max_length=2000, blank=True)
    expires_at = models.DateTimeField(_("session expires at"), null=True, blank=True)
    reference = models.CharField(
        _("bank reference"),
        max_length=200,
        blank=True,
        help_text=_("The bank's reference of a transfer."),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    disputed_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    dispute_id = models.CharField(_("Stripe dispute"), max_length=255, blank=True)
    dispute_reason = models.CharField(_("dispute reason"), max_length=100, blank=True)
    dispute_status = models.CharField(
        _("dispute status"), max_length=30, choices=DisputeStatus.choices, blank=True
    )
    dispute_funds_withdrawn = models.BooleanField(
        _("disputed amount withdrawn"),
        default=False,
        help_text=_("Stripe has taken the disputed amount back (until reinstated)."),
    )
    # Set only when Stripe charged another amount or currency than ours.
    charged_amount = models.DecimalField(
        _("amount Stripe charged"), null=True, blank=True, **MONEY
    )
    charged_currency = models.CharField(
        _("currency Stripe charged"), max_length=3, blank=True
    )
    problem = models.TextField(
        _("needs attention"),
        blank=True,
        help_text=_("Why staff should look at this payment (late, disputed, ...)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [models.Index(fields=["order", "status"])]

    def __str__(self):
        return f"{self.order.code} {self.amount} {self.currency} ({self.status})"

    @property
    def is_disputed(self) -> bool:
        return self.disputed_at is not None

    @property
    def amount_mismatch(self) -> bool:
        """Stripe charged something else than the order's total."""
        return bool(self.charged_currency)


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    REQUIRES_ACTION = "requires_action", _("Requires action")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


# The allowed moves of a refund. A refund is created `pending` (one made in
# Stripe's dashboard is recorded with the status Stripe gives it); Stripe's
# answers move it on, as Stripe's own refund lifecycle allows: one that needs
# the payer's action comes back to pending or ends, and a succeeded one can
# still fail when the bank returns it. Staff mark a bank-transfer refund sent
# (pending → succeeded).
REFUND_TRANSITIONS: dict[str, set[str]] = {
    RefundStatus.PENDING: {
        RefundStatus.REQUIRES_ACTION,
        RefundStatus.SUCCEEDED,
        RefundStatus.FAILED,
        RefundStatus.CANCELED,
    },
    RefundStatus.REQUIRES_ACTION: {
        RefundStatus.PENDING,
        RefundStatus.SUCCEEDED,
        RefundStatus.FAILED,
        RefundStatus.CANCELED,
    },
    RefundStatus.SUCCEEDED: {RefundStatus.FAILED},
    RefundStatus.FAILED: set(),
    RefundStatus.CANCELED: set(),
}

# Refunds that take (or will take) money back: they count against what is refundable.
COUNTED_REFUND_STATUSES = (
    RefundStatus.PENDING,
    RefundStatus.REQUIRES_ACTION,
    RefundStatus.SUCCEEDED,
)


class RefundOrigin(models.TextChoices):
    STAFF = "staff", _("Staff")
    CANCELLATION = "cancellation", _("Cancellation")
    LATE_PAYMENT = "late_payment", _("Late payment without room")
    DUPLICATE = "duplicate", _("Duplicate payment")
    STRIPE = "stripe", _("Made in Stripe")
    ORDER_CHANGE = "order_change", _("Order changed")


class Refund(models.Model):
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        related_name="refunds",
        verbose_name=_("payment"),
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RefundStatus.choices,
        default=RefundStatus.PENDING,
        db_index=True,
    )
    origin = models.CharField(_("origin"), max_length=16, choices=RefundOrigin.choices)
    reason = models.TextField(_("reason"), blank=True)
    stripe_refund_id = models.CharField(
        _("Stripe refund"), max_length=255, unique=True, null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self):
        return f"{self.order.code} −{self.amount} {self.currency} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"sci-refund-{self.pk}"


class StripeEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored (type not handled)")
    FAILED = "failed", _("Failed (will be retried)")


class StripeEvent(models.Model):
    """Each Stripe event once: the unique id is what makes a repeat change nothing."""

    event_id = models.CharField(_("Stripe event"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    stripe_created = models.DateTimeField(_("created in Stripe"))
    object_id = models.CharField(_("object"), max_length=255, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10,
        choices=StripeEventStatus.choices,
        default=StripeEventStatus.RECEIVED,
    )
    source = models.CharField(
        _("arrived by"), max_length=10, default="webhook"
    )  # "webhook" or "reconcile"
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-stripe_created", "-pk"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self):
        return f"{self.type} {self.event_id}"


class RefundPolicy(models.Model):
    """What a buyer gets back on cancelling a paid order (until the event's deadline).

    The deadline is the event's "buyers may cancel paid orders until"; this adds
    the fee kept. Without a policy row the whole amount is refunded.
    """

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, related_name="refund_policy"
    )
    fee_fixed = models.DecimalField(
        _("fee kept per order"), default=Decimal("0.00"), **MONEY
    )
    fee_percent = models.DecimalField(
        _("fee kept (percent of the amount paid)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
    )

    class Meta:
        verbose_name = _("refund policy")
        verbose_name_plural = _("refund policies")

    def __str__(self):
        return f"{self.event}: {self.fee_fixed} + {self.fee_percent}%"


class BillingDetails(models.Model):
    """Who an invoice is addressed to: an organisation or municipality."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="billing", verbose_name=_("order")
    )
    name = models.CharField(
        _("billing name"), max_length=200, validators=NAME_VALIDATORS
    )
    address = models.TextField(_("billing address"))
    tax_id = models.CharField(_("VAT / tax id"), max_length=60, blank=True)
    po_number = models.CharField(_("purchase order number"), max_length=60, blank=True)
    email = models.EmailField(_("invoice e-mail"), blank=True)

    class Meta:
        verbose_name = _("billing details")
        verbose_name_plural = _("billing details")

    def __str__(self):
        return self.name


class DocumentCounter(models.Model):
    """The last number given per series and year; locked to hand out the next one."""

    series = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint("series", "year", name="document_counter_once")
        ]

    def __str__(self):
        return f"{self.series} {self.year}: {self.last_number}"


class FrozenOnceIssued(models.Model):
    """Issued documents are never edited: only the listed fields may change later."""

    MUTABLE_FIELDS: frozenset[str] = frozenset()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) - self.MUTABLE_FIELDS:
                raise ValueError(
                    f"An issued {self._meta.verbose_name} is never edited "
                    f"(only {sorted(self.MUTABLE_FIELDS)} may change)."
                )
        super().save(*args, **kwargs)


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", _("Issued, unpaid")
    PAID = "paid", _("Paid")
    CREDITED = "credited", _("Credited (canceled)")


# The allowed moves of an invoice, and of a delegation's combined invoice
# (travel.models.DelegationInvoice): paid by a transfer or a card payment,
# credited when its order is canceled or its credit notes reach its total. An
# invoice is issued `issued`, or `paid` for an order paid already.
INVOICE_TRANSITIONS: dict[str, set[str]] = {
    InvoiceStatus.ISSUED: {InvoiceStatus.PAID, InvoiceStatus.CREDITED},
    InvoiceStatus.PAID: {InvoiceStatus.CREDITED},
    InvoiceStatus.CREDITED: set(),
}


class Invoice(FrozenOnceIssued):
    """An invoice as issued: its number, addressee and lines are frozen copies."""

    MUTABLE_FIELDS = frozenset(
        {"status", "paid_at", "paid_reference", "reminders_sent"}
    )

    # One open invoice per order (constraint below): a change of a placed
    # order credits the open one in full and issues a new one.
    order = models.ForeignKey(
        Order,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("order"),
    )
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvoiceStatus.choices,
        default=InvoiceStatus.ISSUED,
        db_index=True,
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
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-sequence"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint("year", "sequence", name="invoice_number_once"),
            models.UniqueConstraint(
                "order",
                condition=~models.Q(status="credited"),
                name="one_open_invoice_per_order",
            ),
        ]

    def __str__(self):
        return self.number


class CreditNote(FrozenOnceIssued):
    """Cancels all or part of an issued invoice; numbered in its own yearly series.

    An invoice may have several: one per partial refund, and one when its
    order is canceled; together they never exceed the invoice's total.
    """

    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("invoice"),
    )
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_on = models.DateField(_("issued on"))
    amount = models.DecimalField(_("amount credited"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-sequence"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.UniqueConstraint("year", "sequence", name="credit_note_number_once")
        ]

    def __str__(self):
        return self.number
