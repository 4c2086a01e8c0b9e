"""Staff reads of orders: flagged orders, the order lists and detail, attendees
with consent missing or checked in."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registration.models import (
    LIVE_ORDER_STATUSES,
    SETTLED_DISPUTE_STATUSES,
    ActivityLog,
    Answer,
    Attendee,
    AttendeeExtra,
    CheckIn,
    CheckInResult,
    CheckInType,
    DisputeStatus,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    RefundStatus,
)
from registration.money import CURRENCY_DECIMALS, format_money


def consent_missing(prefix: str = "") -> Q:
    """Attendees whose ticket needs guardian consent and who have none signed.

    The query twin of `Attendee.consent_missing`, for filters and counts.
    """
    return Q(**{f"{prefix}ticket_type__requires_guardian_consent": True}) & (
        Q(**{f"{prefix}youth__isnull": True})
        | Q(**{f"{prefix}youth__consent__isnull": True})
    )


class OrderFlag(StrEnum):
    """Why an order needs a look from staff (the Orders screen's "Flagged" filter).

    - `consent_missing`: a live order has an attendee whose ticket needs guardian
      consent and who has none signed;
    - `awaiting_approval`: an application waits for a decision;
    - `invoice_overdue`: an issued invoice is unpaid after its due date;
    - `checkin_conflict`: a device admitted an attendee offline whom the server
      refused on upload (DESIGN invariant 6: reported, never prevented);
    - `payment_disputed`: a card payment has a dispute (chargeback or inquiry)
      that is open, or lost while the order still admits its people (neither
      canceled nor its tickets blocked); a won or closed one is not flagged;
    - `amount_mismatch`: Stripe charged another amount or currency than the
      order's total (the order was not marked paid), unless it is canceled.
    """

    CONSENT_MISSING = "consent_missing"
    AWAITING_APPROVAL = "awaiting_approval"
    INVOICE_OVERDUE = "invoice_overdue"
    CHECKIN_CONFLICT = "checkin_conflict"
    PAYMENT_DISPUTED = "payment_disputed"
    AMOUNT_MISMATCH = "amount_mismatch"


ORDER_FLAG_LABELS = {
    OrderFlag.CONSENT_MISSING: _("Consent missing"),
    OrderFlag.AWAITING_APPROVAL: _("Awaiting approval"),
    OrderFlag.INVOICE_OVERDUE: _("Invoice overdue"),
    OrderFlag.CHECKIN_CONFLICT: _("Check-in conflict"),
    OrderFlag.PAYMENT_DISPUTED: _("Payment disputed"),
    OrderFlag.AMOUNT_MISMATCH: _("Amount charged differs"),
}


def _disputed_payments() -> QuerySet:
    """Payments with a dispute that is not settled in our favour (or closed)."""
    return Payment.objects.filter(disputed_at__isnull=False).exclude(
        dispute_status__in=SETTLED_DISPUTE_STATUSES
    )


def _mismatched_payments() -> QuerySet:
    return Payment.objects.exclude(charged_currency="")


def _order_flag_expressions(now: datetime) -> dict[str, Q | Exists]:
    today = timezone.localdate(now)
    disputed = _disputed_payments().filter(order=OuterRef("pk"))
    # The cheap column test first: an OR stops at the first true term.
    return {
        OrderFlag.AWAITING_APPROVAL: Q(status=OrderStatus.AWAITING_APPROVAL),
        OrderFlag.CONSENT_MISSING: Q(status__in=LIVE_ORDER_STATUSES)
        & Q(Exists(Attendee.objects.filter(consent_missing(), order=OuterRef("pk")))),
        OrderFlag.INVOICE_OVERDUE: Exists(
            Invoice.objects.filter(
                order=OuterRef("pk"), status=InvoiceStatus.ISSUED, due_on__lt=today
            )
        ),
        OrderFlag.CHECKIN_CONFLICT: Exists(
            CheckIn.objects.filter(attendee__order=OuterRef("pk"), forced=True).exclude(
                result=CheckInResult.OK
            )
        ),
        OrderFlag.PAYMENT_DISPUTED: Q(
            Exists(disputed.exclude(dispute_status=DisputeStatus.LOST))
        )
        | (
            Q(tickets_blocked=False)
            & ~Q(status=OrderStatus.CANCELED)
            & Q(Exists(disputed.filter(dispute_status=DisputeStatus.LOST)))
        ),
        OrderFlag.AMOUNT_MISMATCH: ~Q(status=OrderStatus.CANCELED)
        & Q(Exists(_mismatched_payments().filter(order=OuterRef("pk")))),
    }


def order_flag_q(flag: str | None = None, *, now: datetime | None = None) -> Q:
    """Orders carrying `flag`, or any flag when `flag` is None, as a filter.

    Written as `pk IN (...)` rather than correlated EXISTS: over every order
    (the filter and its count) PostgreSQL then hashes each subquery once.
    """
    today = timezone.localdate(now or timezone.now())
    conditions = {
        OrderFlag.AWAITING_APPROVAL: Q(status=OrderStatus.AWAITING_APPROVAL),
        OrderFlag.CONSENT_MISSING: Q(
            status__in=LIVE_ORDER_STATUSES,
            pk__in=Attendee.objects.filter(consent_missing()).values("order_id"),
        ),
        OrderFlag.INVOICE_OVERDUE: Q(
            pk__in=Invoice.objects.filter(
                status=InvoiceStatus.ISSUED, due_on__lt=today
            ).values("order_id")
        ),
        OrderFlag.CHECKIN_CONFLICT: Q(
            pk__in=CheckIn.objects.filter(forced=True)
            .exclude(result=CheckInResult.OK)
            .values("attendee__order_id")
        ),
        OrderFlag.PAYMENT_DISPUTED: Q(
            pk__in=_disputed_payments()
            .exclude(dispute_status=DisputeStatus.LOST)
            .values("order_id")
        )
        | (
            Q(
                tickets_blocked=False,
                pk__in=_disputed_payments()
                .filter(dispute_status=DisputeStatus.LOST)
                .values("order_id"),
            )
            & ~Q(status=OrderStatus.CANCELED)
        ),
        OrderFlag.AMOUNT_MISMATCH: Q(pk__in=_mismatched_payments().values("order_id"))
        & ~Q(status=OrderStatus.CANCELED),
    }
    chosen = [conditions[OrderFlag(flag)]] if flag else list(conditions.values())
    condition = chosen[0]
    for more in chosen[1:]:
        condition |= more
    return condition


def with_order_flags(orders: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """Annotate `flag_<name>` booleans on each order, and what `order_flag_reasons`
    needs to say why: one query for the whole page."""
    expressions = _order_flag_expressions(now or timezone.now())
    annotations = {}
    for flag, expression in expressions.items():
        if isinstance(expression, Q):
            expression = ExpressionWrapper(expression, output_field=BooleanField())
        annotations[f"flag_{flag}"] = expression
    disputed = _disputed_payments().filter(order=OuterRef("pk")).order_by("-pk")
    mismatched = _mismatched_payments().filter(order=OuterRef("pk")).order_by("-pk")
    annotations.update(
        flag_dispute_reason=Subquery(disputed.values("dispute_reason")[:1]),
        flag_dispute_status=Subquery(disputed.values("dispute_status")[:1]),
        flag_charged_amount=Subquery(mismatched.values("charged_amount")[:1]),
        flag_charged_currency=Subquery(mismatched.values("charged_currency")[:1]),
    )
    return orders.annotate(**annotations)


def order_flags(order) -> list[str]:
    """The flags of an order annotated by `with_order_flags`, in a fixed order."""
    return [flag for flag in OrderFlag if getattr(order, f"flag_{flag}", False)]


def order_flag_reasons(order) -> dict[str, str]:
    """Why, for the flags that carry a reason (an order from `with_order_flags`):
    the dispute's reason and status, or what Stripe charged."""
    reasons = {}
    if getattr(order, "flag_payment_disputed", False):
        status = order.flag_dispute_status or ""
        reason = (order.flag_dispute_reason or "-").replace("_", " ")
        reasons[OrderFlag.PAYMENT_DISPUTED] = (
            _("%(reason)s, %(status)s")
            % {"reason": reason, "status": DisputeStatus(status).label}
            if status in DisputeStatus.values
            else reason
        )
    if getattr(order, "flag_amount_mismatch", False):
        currency = order.flag_charged_currency or ""
        amount = order.flag_charged_amount
        charged = (
            format_money(amount, currency)
            if amount is not None and currency in CURRENCY_DECIMALS
            else currency
        )
        reasons[OrderFlag.AMOUNT_MISMATCH] = _(
            "Stripe charged %(charged)s; the order total is %(total)s."
        ) % {"charged": charged, "total": format_money(order.total, order.currency)}
    return reasons


def order_flag_items(order) -> list[tuple[str, str, str]]:
    """(flag, label, reason or "") of an order from `with_order_flags`."""
    reasons = order_flag_reasons(order)
    return [
        (flag, ORDER_FLAG_LABELS[flag], reasons.get(flag, ""))
        for flag in order_flags(order)
    ]


def checked_in() -> Exists:
    """Attendees admitted at least once at any door of their event."""
    return Exists(
        CheckIn.objects.filter(
            attendee=OuterRef("pk"),
            result=CheckInResult.OK,
            type=CheckInType.ENTRY,
        )
    )


def question_scopes(event) -> list[set[int]]:
    """The ticket type ids each question of `event` is asked for (empty: all)."""
    return [
        {tt.pk for tt in question.ticket_types.all()}
        for question in event.questions.prefetch_related("ticket_types")
    ]


def asks_questions(scopes: list[set[int]], attendee) -> bool:
    """True when a question of `question_scopes` is asked of `attendee`'s ticket."""
    return any(not scope or attendee.ticket_type_id in scope for scope in scopes)


def staff_order_list(*, now: datetime | None = None) -> QuerySet:
    """The Orders screen's rows: the event joined, the flags annotated."""
    return with_order_flags(Order.objects.select_related("event"), now=now)


def staff_attendee_list() -> QuerySet:
    """The Attendees screen's rows: order, event, ticket type, delegation and the
    consent flag's data joined, and `is_checked_in` annotated."""
    return Attendee.objects.select_related(
        "order__event", "ticket_type", "delegation", "youth__consent"
    ).annotate(is_checked_in=checked_in())


def staff_order_detail(order: Order, *, with_youth: bool) -> dict:
    """What an order's staff page shows, in a fixed number of queries.

    `attendees` (ticket type, delegation, extras, answers, consent and
    `is_checked_in`), `payments`, `refunds`, `invoice` (with its credit note),
    `money` (received and refunded) and `activity` (the ActivityLog of the
    order and its attendees, newest first). Youth details and the consent
    text are joined only `with_youth`; the consent flag needs the signature
    row alone.
    """
    related = ["ticket_type", "delegation"]
    related.append("youth__consent__consent_text" if with_youth else "youth__consent")
    attendees = list(
        order.attendees.select_related(*related)
        .prefetch_related(
            Prefetch(
                "attendeeextra_set",
                queryset=AttendeeExtra.objects.select_related("extra").order_by(
                    "extra__sort_order", "pk"
                ),
            ),
            Prefetch(
                "answers",
                queryset=Answer.objects.select_related("question").order_by(
                    "question__sort_order", "pk"
                ),
            ),
        )
        .annotate(is_checked_in=checked_in())
        .order_by("pk")
    )
    payments = list(order.payments.order_by("pk"))
    refunds = list(order.refunds.order_by("pk"))
    invoices = list(
        Invoice.objects.filter(order=order).prefetch_related("credit_notes")
    )
    types = ContentType.objects.get_for_models(Order, Attendee)
    activity = list(
        ActivityLog.objects.filter(
            Q(content_type=types[Order], object_id=str(order.pk))
            | Q(
                content_type=types[Attendee],
                object_id__in=[str(a.pk) for a in attendees],
            )
        )
        .select_related("actor", "content_type")
        .order_by("-created_at", "-pk")[:200]
    )
    paid = sum(
        (p.amount for p in payments if p.status == PaymentStatus.SUCCEEDED),
        Decimal("0"),
    )
    refunded = sum(
        (r.amount for r in refunds if r.status == RefundStatus.SUCCEEDED),
        Decimal("0"),
    )
    return {
        "attendees": attendees,
        "payments": payments,
        "refunds": refunds,
        # Newest first: a change of the order credits one and issues the next.
        "invoice": invoices[0] if invoices else None,
        "invoices": invoices,
        "money": {"paid": paid, "refunded": refunded},
        "activity": activity,
        "changes": list(order.changes.select_related("created_by")[:50]),
        "split_orders": list(order.split_orders.only("pk", "code")),
    }
