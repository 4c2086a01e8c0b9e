"""Payments: card payments through Stripe Checkout, Stripe's webhooks, refunds,
invoices with credit notes, receipts and reconciliation (DESIGN flow 2,
invariants 2-4 and 8).

Money state changes only on what Stripe says when asked: an event is stored
once by its id, then the Checkout Session, PaymentIntent or refund list is
fetched again from Stripe and applied under row locks, so an event that comes
twice, two deliveries at the same moment, or events out of order change
nothing twice. Order statuses move only through services/orders.py.

Stripe is called outside every capacity lock. A refund is written as a
pending Refund row first and sent to Stripe after the commit with the row's
own idempotency key; a call whose outcome is unknown leaves the row pending
and `retry_pending_refunds` (periodic loop) sends it again with the same key.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import OperationalError, connection, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.columns import column_errors
from registration.documents.services import rendering as documents
from registration.errors import Busy, RegistrationError, SoldOut
from registration.models import (
    COUNTED_REFUND_STATUSES,
    OPEN_PAYMENT_STATUSES,
    BillingDetails,
    CreditNote,
    DisputeStatus,
    DocumentCounter,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundOrigin,
    RefundPolicy,
    RefundStatus,
    StripeEvent,
    StripeEventStatus,
)
from registration.money import (
    CURRENCY_DECIMALS,
    format_money,
    from_minor_units,
    round_money,
    to_minor_units,
)
from registration.orders.services import (
    action_refusal,
    can_buyer_cancel,
    cancel_order,
    is_lock_timeout,
    mark_order_paid,
    transition_order,
)
from registration.outbox.services import enqueue_message
from registration.payments import stripe as stripe_api
from registration.reader import for_reader

logger = logging.getLogger(__name__)

# Stripe's minimum session lifetime is 30 minutes from creation; a minute more
# absorbs clock differences between us and Stripe.
CHECKOUT_SESSION_LIFETIME = timedelta(minutes=31)
# Stripe accepts at most 100 line items in payment mode; beyond that equal
# lines are grouped with a quantity.
MAX_LINE_ITEMS = 100
INVOICE_REMINDER_BEFORE = timedelta(days=5)
INVOICE_REMINDER_AFTER = timedelta(days=3)
REFUND_RETRY_AFTER = timedelta(minutes=2)

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
REFUND_EVENTS = {
    "charge.refunded",
    "charge.refund.updated",
    "refund.created",
    "refund.updated",
    "refund.failed",
}
# Every change of a dispute: opened, evidence asked or under review, the
# disputed amount taken or given back, decided (won, lost, inquiry closed).
DISPUTE_EVENTS = {
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
}
HANDLED_EVENT_TYPES = SESSION_EVENTS | REFUND_EVENTS | DISPUTE_EVENTS

_REFUND_STATUSES = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.REQUIRES_ACTION,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELED,
}


class PaymentError(RegistrationError):
    """A payment, refund or invoice step refused; `code` says why."""

    default_code = "payment_error"


class PaymentInvalid(PaymentError):
    """Several field errors at once (billing details)."""

    def __init__(self, errors: list[PaymentError]):
        super().__init__("; ".join(e.message for e in errors), code="invalid")
        self.errors = errors


# --- Availability ---------------------------------------------------------------------


def card_payments_enabled() -> bool:
    """Card payments are offered only with a secret key and a webhook secret."""
    return stripe_api.is_enabled() and bool(settings.STRIPE_WEBHOOK_SECRET)


def offered_payment_methods() -> list[tuple[str, str]]:
    """What a buyer may choose at checkout: card only when Stripe is configured."""
    methods = [(PaymentMethod.INVOICE, PaymentMethod.INVOICE.label)]
    if card_payments_enabled():
        methods.insert(0, (PaymentMethod.CARD, PaymentMethod.CARD.label))
    return methods


def card_payments_disabled_reason() -> str:
    """Why card payments are off (for the admin); empty when they are on."""
    return stripe_api.disabled_reason()


# --- Helpers ---------------------------------------------------------------------------


@functools.cache
def _lock_statement() -> str:
    return f"SET LOCAL lock_timeout = '{int(settings.LOCK_TIMEOUT_SECONDS)}s'"


def _limit_lock_wait() -> None:
    """Inside a transaction: on PostgreSQL a row lock not granted in time is an error."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_lock_statement())


def _refunded(payment: Payment) -> Decimal:
    total = payment.refunds.filter(status__in=COUNTED_REFUND_STATUSES).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal("0")


def refundable_amount(payment: Payment) -> Decimal:
    """What may still be refunded of a succeeded payment."""
    if payment.status != PaymentStatus.SUCCEEDED:
        return Decimal("0")
    return max(payment.amount - _refunded(payment), Decimal("0"))


@dataclass
class MoneySummary:
    paid: Decimal
    refunded: Decimal
    currency: str

    @property
    def state(self) -> str:
        """ "unpaid", "paid", "partly_refunded" or "refunded" (shown, never a status)."""
        if self.paid <= 0:
            return "unpaid"
        if self.refunded <= 0:
            return "paid"
        if self.refunded < self.paid:
            return "partly_refunded"
        return "refunded"


def summarize_order_money(order: Order) -> MoneySummary:
    """Money received and refunded for an order, from Payment and Refund rows."""
    paid = order.payments.filter(status=PaymentStatus.SUCCEEDED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    refunded = order.refunds.filter(status=RefundStatus.SUCCEEDED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    return MoneySummary(paid=paid, refunded=refunded, currency=order.currency)


def _checkout_lines(order: Order) -> list[dict]:
    """Stripe line items, one per attendee's ticket and per extra, in minor units."""
    currency = order.currency
    lines: list[tuple[str, int]] = []
    attendees = order.attendees.select_related("ticket_type").prefetch_related(
        "attendeeextra_set__extra"
    )
    for attendee in attendees:
        person = attendee.badge_name or attendee.given_name
        lines.append(
            (
                f"{attendee.ticket_type.name} – {person}",
                to_minor_units(attendee.price, currency),
            )
        )
        for bought in attendee.attendeeextra_set.all():
            lines.append(
                (
                    f"{bought.extra.name} – {person}",
                    to_minor_units(bought.price, currency),
                )
            )
    lines = [(name, amount) for name, amount in lines if amount > 0]
    if sum(amount for _name, amount in lines) != to_minor_units(order.total, currency):
        raise PaymentError(
            _("The order's lines do not add up to its total; please contact us."),
            code="total_mismatch",
        )
    if len(lines) > MAX_LINE_ITEMS:
        grouped: dict[tuple[str, int], int] = {}
        for name, amount in lines:
            product = name.rsplit(" – ", 1)[0]
            grouped[(product, amount)] = grouped.get((product, amount), 0) + 1
        items = [(name, amount, count) for (name, amount), count in grouped.items()]
    else:
        items = [(name, amount, 1) for name, amount in lines]
    return [
        {
            "quantity": quantity,
            "price_data": {
                "currency": currency.lower(),
                "unit_amount": amount,
                "product_data": {"name": name[:250]},
            },
        }
        for name, amount, quantity in items
    ]


def _intent_id(session: dict) -> str:
    intent = session.get("payment_intent")
    if isinstance(intent, dict):
        return intent.get("id") or ""
    return intent or ""


def _charge_id(session: dict) -> str:
    intent = session.get("payment_intent")
    if isinstance(intent, dict):
        charge = intent.get("latest_charge")
        if isinstance(charge, dict):
            return charge.get("id") or ""
        return charge or ""
    return ""


# --- Card payments: starting a Checkout Session -------------------------------------------


def start_card_payment(
    order: Order, *, success_url: str, cancel_url: str, now: datetime | None = None
) -> str:
    """Open a Stripe Checkout Session for a pending order; the address to send the buyer to.

    One session per attempt, created outside any capacity lock with the
    attempt's own idempotency key; an earlier open session of the order is
    expired first, so only one can be paid. The order's hold moves to the
    session's `expires_at` (never earlier than it was), so the seats are held
    as long as the session can be paid. Raises PaymentError with code
    `card_payments_off`, `not_payable`, `hold_expired`, `already_paid`,
    `total_mismatch` or `stripe_unavailable`.
    """
    if not card_payments_enabled():
        raise PaymentError(
            _("Card payments are not available; choose another way to pay."),
            code="card_payments_off",
        )
    now = now or timezone.now()
    order = Order.objects.select_related("event").get(pk=order.pk)
    if order.status != OrderStatus.PENDING or order.total <= 0:
        raise PaymentError(_("This order cannot be paid now."), code="not_payable")
    if order.expires_at is None or order.expires_at <= now:
        raise PaymentError(
            _("The places of this order are no longer reserved; please order again."),
            code="hold_expired",
        )
    line_items = _checkout_lines(order)
    payment = Payment.objects.create(
        order=order,
        provider=PaymentProvider.STRIPE,
        status=PaymentStatus.CREATING,
        amount=order.total,
        currency=order.currency,
    )

    previous = order.payments.filter(
        provider=PaymentProvider.STRIPE,
        status__in=[PaymentStatus.OPEN, PaymentStatus.PROCESSING],
    ).exclude(pk=payment.pk)
    for earlier in previous:
        if not _close_earlier_session(earlier, now=now):
            _fail_attempt(payment, "an earlier session of this order was paid")
            raise PaymentError(
                _("This order has been paid already."), code="already_paid"
            )

    metadata = {"order_code": order.code, "payment_id": str(payment.pk)}
    params = {
        "mode": "payment",
        "line_items": line_items,
        "customer_email": order.buyer_email,
        "client_reference_id": order.code,
        "metadata": metadata,
        "payment_intent_data": {
            "metadata": metadata,
            "description": f"{order.event.name} – {order.code}"[:1000],
        },
        "expires_at": int((now + CHECKOUT_SESSION_LIFETIME).timestamp()),
        "success_url": success_url,
        "cancel_url": cancel_url,
        "locale": order.language if order.language in {"en", "es", "fr"} else "auto",
    }
    try:
        session = stripe_api.create_checkout_session(
            params, idempotency_key=f"sci-checkout-{payment.pk}"
        )
    except stripe_api.StripeError as exc:
        _fail_attempt(payment, str(exc))
        raise PaymentError(
            _("Card payment could not be started; please try again in a moment."),
            code="stripe_unavailable",
        ) from exc

    session_expires = datetime.fromtimestamp(session["expires_at"], tz=UTC)
    with transaction.atomic():
        _limit_lock_wait()
        live = (
            Order.objects.select_for_update()
            .filter(
                pk=order.pk, status=OrderStatus.PENDING, expires_at__gt=timezone.now()
            )
            .first()
        )
        Payment.objects.filter(pk=payment.pk).update(
            stripe_session_id=session["id"],
            checkout_url=session.get("url") or "",
            expires_at=session_expires,
            status=PaymentStatus.OPEN if live else PaymentStatus.EXPIRED,
            updated_at=timezone.now(),
        )
        if live is not None:
            if live.expires_at < session_expires:
                # The hold is extended, never shortened (invoice holds are longer).
                Order.objects.filter(pk=live.pk).update(
                    expires_at=session_expires, updated_at=timezone.now()
                )
            log_activity(
                live,
                action="payment.checkout_started",
                event=order.event,
                data={
                    "payment": payment.pk,
                    "session": session["id"],
                    "amount": str(payment.amount),
                    "hold_until": session_expires.isoformat(),
                },
            )
    if live is None:
        # The hold ran out while the session was being created: nobody may pay it.
        _expire_session_quietly(session["id"])
        raise PaymentError(
            _("The places of this order are no longer reserved; please order again."),
            code="hold_expired",
        )
    return session["url"]


def _fail_attempt(payment: Payment, why: str) -> None:
    Payment.objects.filter(pk=payment.pk).update(
        status=PaymentStatus.FAILED, problem=why[:2000], updated_at=timezone.now()
    )


def _expire_session_quietly(session_id: str) -> None:
    try:
        stripe_api.expire_checkout_session(session_id)
    except stripe_api.StripeError:
        logger.warning("Could not expire Checkout Session %s", session_id)


def _close_earlier_session(payment: Payment, *, now: datetime) -> bool:
    """Expire an earlier attempt's session; False if it turns out to be paid."""
    if payment.status == PaymentStatus.OPEN and payment.stripe_session_id:
        try:
            stripe_api.expire_checkout_session(payment.stripe_session_id)
        except stripe_api.StripeRefused:
            pass  # Not open any more: what it became is read back just below.
        except stripe_api.StripeUnavailable as exc:
            raise PaymentError(
                _("Card payment could not be started; please try again in a moment."),
                code="stripe_unavailable",
            ) from exc
    if not payment.stripe_session_id:
        return True
    try:
        session = stripe_api.retrieve_checkout_session(payment.stripe_session_id)
    except stripe_api.StripeError as exc:
        raise PaymentError(
            _("Card payment could not be started; please try again in a moment."),
            code="stripe_unavailable",
        ) from exc
    if session.get("status") == "expired":
        Payment.objects.filter(pk=payment.pk).update(
            status=PaymentStatus.EXPIRED, updated_at=timezone.now()
        )
        return True
    # Complete (paid or still processing): apply it as the webhook would.
    to_submit = _apply_session_now(session, event_type="", now=now)
    _submit_refunds(to_submit)
    return False


def _apply_session_now(session: dict, *, event_type: str, now: datetime) -> list[int]:
    with transaction.atomic():
        _limit_lock_wait()
        return _apply_session(session, event_type=event_type, now=now)


# --- Webhook events ------------------------------------------------------------------------


def _record_event(event: dict, *, source: str) -> StripeEvent:
    created = event.get("created") or int(timezone.now().timestamp())
    obj = (event.get("data") or {}).get("object") or {}
    record, _created = StripeEvent.objects.get_or_create(
        event_id=event["id"],
        defaults={
            "type": event.get("type", "")[:100],
            "livemode": bool(event.get("livemode")),
            "stripe_created": datetime.fromtimestamp(created, tz=UTC),
            "object_id": str(obj.get("id") or "")[:255],
            "payload": event,
            "source": source,
        },
    )
    return record


def process_stripe_event(
    event: dict, *, source: str = "webhook", now: datetime | None = None
) -> str:
    """Apply one verified Stripe event at most once: "processed", "duplicate" or "ignored".

    The event is stored by its id first. The object it names is fetched again
    from Stripe (outside any lock) and its current state applied under the
    event's row lock, so a second delivery, simultaneous or later, finds it
    processed. Raises Busy on a lock timeout and stripe.StripeUnavailable when
    Stripe cannot be asked: the webhook answers 5xx and Stripe retries. Refunds
    decided here are sent to Stripe after the commit.
    """
    now = now or timezone.now()
    record = _record_event(event, source=source)
    if record.status in {StripeEventStatus.PROCESSED, StripeEventStatus.IGNORED}:
        return "duplicate"
    event_type = event.get("type", "")
    if event_type not in HANDLED_EVENT_TYPES:
        StripeEvent.objects.filter(pk=record.pk).update(
            status=StripeEventStatus.IGNORED, processed_at=now
        )
        return "ignored"
    try:
        fresh = _refetch(event)
        with transaction.atomic():
            _limit_lock_wait()
            locked = StripeEvent.objects.select_for_update().get(pk=record.pk)
            if locked.status in {
                StripeEventStatus.PROCESSED,
                StripeEventStatus.IGNORED,
            }:
                return "duplicate"
            to_submit = _apply(event, fresh, now=now)
            locked.status = StripeEventStatus.PROCESSED
            locked.processed_at = timezone.now()
            locked.attempts += 1
            locked.last_error = ""
            locked.save(
                update_fields=["status", "processed_at", "attempts", "last_error"]
            )
    except OperationalError as exc:
        _note_failure(record, exc)
        if is_lock_timeout(exc):
            raise Busy(_("The system is busy; please try again.")) from exc
        raise
    except Exception as exc:
        _note_failure(record, exc)
        raise
    _submit_refunds(to_submit)
    return "processed"


def _note_failure(record: StripeEvent, exc: Exception) -> None:
    try:
        record.status = StripeEventStatus.FAILED
        record.attempts += 1
        record.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        StripeEvent.objects.filter(pk=record.pk).exclude(
            status=StripeEventStatus.PROCESSED
        ).update(
            status=record.status, attempts=record.attempts, last_error=record.last_error
        )
    except Exception:  # pragma: no cover - the original error matters more
        logger.exception("Could not note the failure of Stripe event %s", record.pk)


def _refetch(event: dict) -> dict:
    """The current state of what the event is about, asked from Stripe again."""
    event_type = event["type"]
    obj = event["data"]["object"]
    if event_type in SESSION_EVENTS:
        return {"session": stripe_api.retrieve_checkout_session(obj["id"])}
    if event_type in REFUND_EVENTS:
        intent_id = obj.get("payment_intent") or ""
        if not intent_id:
            return {"refunds": [], "payment_intent": ""}
        return {
            "payment_intent": intent_id,
            "refunds": stripe_api.list_refunds(intent_id),
        }
    # A dispute: its status, reason and withdrawn funds as Stripe has them now
    # (events of one dispute may come in any order).
    return {"dispute": stripe_api.retrieve_dispute(obj["id"])}


def _apply(event: dict, fresh: dict, *, now: datetime) -> list[int]:
    event_type = event["type"]
    if event_type in SESSION_EVENTS:
        return _apply_session(fresh["session"], event_type=event_type, now=now)
    if event_type in REFUND_EVENTS:
        return _sync_refunds(fresh["payment_intent"], fresh["refunds"], now=now)
    return _apply_dispute(fresh["dispute"], event_type=event_type, now=now)


def _payment_for_session(session: dict) -> Payment | None:
    payment = (
        Payment.objects.select_for_update()
        .filter(stripe_session_id=session["id"])
        .first()
    )
    if payment is not None:
        return payment
    # Our process may have stopped between creating the session and saving its
    # id: the session's metadata names the attempt.
    payment_id = (session.get("metadata") or {}).get("payment_id", "")
    if not str(payment_id).isdigit():
        return None
    payment = (
        Payment.objects.select_for_update()
        .filter(
            pk=int(payment_id),
            provider=PaymentProvider.STRIPE,
            stripe_session_id__isnull=True,
        )
        .first()
    )
    if payment is not None:
        payment.stripe_session_id = session["id"]
        payment.save(update_fields=["stripe_session_id", "updated_at"])
    return payment


def _apply_session(session: dict, *, event_type: str, now: datetime) -> list[int]:
    """Make our payment say what the session says; the refunds to send afterwards."""
    payment = _payment_for_session(session)
    if payment is None:
        logger.warning(
            "Checkout Session %s belongs to no payment of ours", session.get("id")
        )
        return []
    intent = session.get("payment_intent")
    intent_status = intent.get("status") if isinstance(intent, dict) else ""
    status = session.get("status")
    paid = session.get("payment_status") in {"paid", "no_payment_required"}
    if status == "complete" and paid:
        return _confirm_card_payment(payment, session, now=now)
    if status == "complete":
        failed = event_type == "checkout.session.async_payment_failed" or (
            intent_status in {"requires_payment_method", "canceled"}
        )
        if failed and payment.status in OPEN_PAYMENT_STATUSES:
            _save(
                payment,
                status=PaymentStatus.FAILED,
                stripe_payment_intent_id=_intent_id(session),
                problem=_("The bank did not complete the payment."),
            )
            log_activity(
                payment.order,
                action="payment.failed",
                data={"payment": payment.pk, "session": session["id"]},
            )
        elif not failed and payment.status in {
            PaymentStatus.CREATING,
            PaymentStatus.OPEN,
        }:
            _save(
                payment,
                status=PaymentStatus.PROCESSING,
                stripe_payment_intent_id=_intent_id(session),
            )
        return []
    if status == "expired":
        return _expire_card_payment(payment, now=now)
    return []


def _save(payment: Payment, **fields) -> None:
    for name, value in fields.items():
        setattr(payment, name, value)
    payment.save(update_fields=[*fields, "updated_at"])


def _expire_card_payment(payment: Payment, *, now: datetime) -> list[int]:
    """A session ran out: the attempt is over; the hold ends if it was the last one."""
    if payment.status not in {PaymentStatus.CREATING, PaymentStatus.OPEN}:
        return []
    _save(payment, status=PaymentStatus.EXPIRED)
    order = Order.objects.select_related("event").get(pk=payment.order_id)
    others_open = (
        order.payments.filter(status__in=OPEN_PAYMENT_STATUSES)
        .exclude(pk=payment.pk)
        .exists()
    )
    if (
        order.status == OrderStatus.PENDING
        and order.payment_method == PaymentMethod.CARD
        and not others_open
    ):
        transition_order(
            order, to=OrderStatus.EXPIRED, reason="checkout session expired"
        )
    return []


def _confirm_card_payment(
    payment: Payment, session: dict, *, now: datetime
) -> list[int]:
    """Money arrived: mark the payment and the order paid, or refund what cannot be kept."""
    if payment.status == PaymentStatus.SUCCEEDED:
        return []
    _save(
        payment,
        status=PaymentStatus.SUCCEEDED,
        confirmed_at=now,
        stripe_payment_intent_id=_intent_id(session),
        stripe_charge_id=_charge_id(session),
    )
    order = Order.objects.select_related("event").get(pk=payment.order_id)
    log_activity(
        order,
        action="payment.succeeded",
        event=order.event,
        data={
            "payment": payment.pk,
            "amount": str(payment.amount),
            "currency": payment.currency,
            "payment_intent": payment.stripe_payment_intent_id,
        },
    )
    currency = (session.get("currency") or "").upper()
    if currency != payment.currency or session.get("amount_total") != to_minor_units(
        payment.amount, payment.currency
    ):
        charged = (
            from_minor_units(session.get("amount_total") or 0, currency)
            if currency in CURRENCY_DECIMALS
            else session.get("amount_total")
        )
        problem = _(
            "Stripe charged %(charged)s %(currency)s but the order total is %(total)s."
        ) % {"charged": charged, "currency": currency, "total": payment.amount}
        # Kept apart from `problem` (a later dispute rewrites that) for the
        # Orders screen's "amount charged differs" flag.
        _save(
            payment,
            problem=problem,
            charged_amount=charged if currency in CURRENCY_DECIMALS else None,
            charged_currency=(currency or "?")[:3],
        )
        log_activity(
            order,
            action="payment.amount_mismatch",
            event=order.event,
            data={
                "payment": payment.pk,
                "charged": str(charged),
                "currency": currency,
                "total": str(payment.amount),
            },
        )
        logger.error("Payment %s: %s", payment.pk, problem)
        return []
    enqueue_message(
        "email.payment_receipt",
        payload={"payment": payment.pk},
        key=f"payment_receipt:{payment.pk}",
    )

    already_paid = order.status == OrderStatus.PAID
    if already_paid or order.status == OrderStatus.CANCELED:
        origin = RefundOrigin.DUPLICATE if already_paid else RefundOrigin.LATE_PAYMENT
        reason = (
            _("The order had been paid already.")
            if already_paid
            else _("The order had been canceled before the payment arrived.")
        )
        return [_refund_whole_payment(payment, order, origin=origin, reason=reason)]

    # A hold that ended before the money was confirmed is checked for free
    # seats again by mark_order_paid (someone may have taken them).
    try:
        with transaction.atomic():
            mark_order_paid(
                order,
                by=None,
                reason=f"card payment {payment.stripe_payment_intent_id}",
                now=now,
            )
    except SoldOut:
        if order.status == OrderStatus.PENDING:
            # The expiry job had not run yet; the hold is over all the same.
            transition_order(
                order,
                to=OrderStatus.EXPIRED,
                reason="hold ended before the payment was confirmed",
            )
        return [
            _refund_whole_payment(
                payment,
                order,
                origin=RefundOrigin.LATE_PAYMENT,
                reason=_(
                    "The payment arrived after the places were released and none are left."
                ),
            )
        ]
    _settle_invoice(
        order, reference=f"Stripe {payment.stripe_payment_intent_id}", now=now
    )
    return []


def _refund_whole_payment(
    payment: Payment, order: Order, *, origin: str, reason: str
) -> int:
    """A payment we cannot keep: refunded in full, the buyer told, staff see why."""
    refund = Refund.objects.create(
        payment=payment,
        order=order,
        amount=payment.amount,
        currency=payment.currency,
        origin=origin,
        reason=reason,
    )
    _save(payment, problem=reason)
    log_activity(
        order,
        action=f"payment.refunded_{origin}",
        event=order.event,
        data={"payment": payment.pk, "refund": refund.pk, "reason": reason},
    )
    logger.warning("Order %s: payment %s refunded (%s)", order.code, payment.pk, reason)
    enqueue_message(
        "email.late_payment_refunded",
        payload={"refund": refund.pk},
        key=f"late_payment_refunded:{refund.pk}",
    )
    return refund.pk


def _payment_for_intent(intent_id: str) -> Payment | None:
    if not intent_id:
        return None
    return (
        Payment.objects.select_for_update()
        .filter(stripe_payment_intent_id=intent_id)
        .order_by("-pk")
        .first()
    )


def _sync_refunds(intent_id: str, refunds: list[dict], *, now: datetime) -> list[int]:
    """Make our Refund rows match Stripe's list of refunds for a PaymentIntent."""
    payment = _payment_for_intent(intent_id)
    if payment is None:
        logger.warning("Refunds of PaymentIntent %s: no payment of ours", intent_id)
        return []
    for data in refunds:
        status = _REFUND_STATUSES.get(data.get("status") or "", RefundStatus.PENDING)
        amount = from_minor_units(int(data.get("amount") or 0), payment.currency)
        refund = (
            Refund.objects.select_for_update()
            .filter(stripe_refund_id=data["id"])
            .first()
        )
        if refund is None:
            ours = (data.get("metadata") or {}).get("refund_id", "")
            if str(ours).isdigit():
                refund = (
                    Refund.objects.select_for_update()
                    .filter(
                        pk=int(ours), payment=payment, stripe_refund_id__isnull=True
                    )
                    .first()
                )
        if refund is None:
            refund = Refund.objects.create(
                payment=payment,
                order_id=payment.order_id,
                amount=amount,
                currency=payment.currency,
                status=status,
                origin=RefundOrigin.STRIPE,
                reason=_("Refunded in Stripe (%(why)s).")
                % {"why": data.get("reason") or "-"},
                stripe_refund_id=data["id"],
            )
            log_activity(
                payment.order,
                action="refund.recorded",
                data={"refund": refund.pk, "amount": str(amount), "status": status},
            )
            _refund_settled(refund, previous=None)
            continue
        previous = refund.status
        refund.stripe_refund_id = data["id"]
        refund.status = status
        refund.save(update_fields=["stripe_refund_id", "status", "updated_at"])
        if previous != status:
            log_activity(
                payment.order,
                action="refund.status",
                data={"refund": refund.pk, "from": previous, "to": status},
            )
            _refund_settled(refund, previous=previous)
    return []


# Refunds that credit the order's invoice when they go through. A
# cancellation credits the invoice itself (cancel_order_with_refund); a late
# or duplicate payment was never part of the invoice.
CREDITED_REFUND_ORIGINS = (RefundOrigin.STAFF, RefundOrigin.STRIPE)


def _refund_settled(refund: Refund, *, previous: str | None) -> None:
    """A refund went through: tell the buyer once (late payments are told
    already) and credit the invoice by what it gave back. Inside a transaction."""
    if refund.status != RefundStatus.SUCCEEDED or previous == RefundStatus.SUCCEEDED:
        return
    if refund.origin != RefundOrigin.LATE_PAYMENT:
        enqueue_message(
            "email.refund_issued",
            payload={"refund": refund.pk},
            key=f"refund_issued:{refund.pk}",
        )
    if refund.origin in CREDITED_REFUND_ORIGINS:
        _credit_refund(refund)


def _credit_refund(refund: Refund) -> CreditNote | None:
    """A credit note for a partial (or whole) refund of an invoiced order.

    At most what the invoice still carries is credited, so all of an
    invoice's credit notes never add up to more than its total; a credited
    (canceled) invoice gets none. The invoice is credited in full once they
    reach its total.
    """
    invoice = (
        Invoice.objects.select_for_update()
        .select_related("order__event")
        .filter(order_id=refund.order_id)
        .first()
    )
    if invoice is None or invoice.status == InvoiceStatus.CREDITED:
        return None
    amount = min(refund.amount, invoice.total - credited_amount(invoice))
    if amount <= 0:
        return None
    return _issue_credit_note(
        invoice,
        amount=amount,
        reason=_("Partial refund: %(reason)s") % {"reason": refund.reason}
        if amount < invoice.total
        else refund.reason,
        now=timezone.now(),
        refund=refund,
    )


def credited_amount(invoice: Invoice) -> Decimal:
    """What the invoice's credit notes have credited so far."""
    return invoice.credit_notes.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def _payment_for_dispute(dispute: dict) -> Payment | None:
    intent = dispute.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    payment = _payment_for_intent(intent or "")
    charge = dispute.get("charge")
    if isinstance(charge, dict):
        charge = charge.get("id")
    if payment is None and charge:
        payment = (
            Payment.objects.select_for_update()
            .filter(stripe_charge_id=charge)
            .order_by("-pk")
            .first()
        )
    return payment


def _dispute_withdrawn(dispute: dict, *, event_type: str, before: bool) -> bool:
    """Whether Stripe holds the disputed amount now: its balance transactions
    (a withdrawal, then a reinstatement) say so; without them, the event does."""
    amounts = [
        item["amount"]
        for item in dispute.get("balance_transactions") or []
        if isinstance(item, dict) and item.get("amount") is not None
    ]
    if amounts:
        return sum(amounts) < 0
    if event_type == "charge.dispute.funds_withdrawn":
        return True
    if event_type == "charge.dispute.funds_reinstated":
        return False
    return before


def _apply_dispute(dispute: dict, *, event_type: str, now: datetime) -> list[int]:
    """A chargeback or inquiry: the payment shows the dispute as Stripe has it now.

    The first event flags the payment (and so its order, see
    selectors.OrderFlag.PAYMENT_DISPUTED) for staff; later ones record the
    status, whether the amount is withdrawn and the outcome. Money is Stripe's
    to move here: nothing is refunded, and the order's status stays.
    """
    payment = _payment_for_dispute(dispute)
    if payment is None:
        logger.warning("Dispute %s: no payment of ours", dispute.get("id"))
        return []
    status = dispute.get("status") or ""
    if status not in DisputeStatus.values:
        status = payment.dispute_status
    fields = {
        "dispute_status": status,
        "dispute_reason": (dispute.get("reason") or "")[:100],
        "dispute_funds_withdrawn": _dispute_withdrawn(
            dispute, event_type=event_type, before=payment.dispute_funds_withdrawn
        ),
    }
    opened = payment.dispute_id != (dispute.get("id") or "")
    if opened:
        fields.update(
            disputed_at=now,
            dispute_id=dispute.get("id") or "",
            problem=_("The payer disputed this payment (%(reason)s).")
            % {"reason": dispute.get("reason") or "-"},
        )
    before = {name: getattr(payment, name) for name in fields}
    if not opened and before == fields:
        return []
    _save(payment, **fields)
    data = {
        "payment": payment.pk,
        "dispute": payment.dispute_id,
        "reason": payment.dispute_reason,
        "status": status,
        "funds_withdrawn": payment.dispute_funds_withdrawn,
    }
    if opened:
        action = "payment.disputed"
    elif status != before["dispute_status"] and status in {
        DisputeStatus.WON,
        DisputeStatus.LOST,
        DisputeStatus.WARNING_CLOSED,
    }:
        action = "payment.dispute_closed"
    else:
        action = "payment.dispute_updated"
        data["from"] = before["dispute_status"]
    order = Order.objects.select_related("event").get(pk=payment.order_id)
    log_activity(order, action=action, event=order.event, data=data)
    logger.warning(
        "Order %s: payment %s dispute %s (%s)",
        order.code,
        payment.pk,
        payment.dispute_id,
        status or "-",
    )
    return []


# --- Refunds ------------------------------------------------------------------------------


def _submit_refunds(refund_ids: list[int]) -> None:
    for refund_id in refund_ids:
        try:
            submit_refund(Refund.objects.get(pk=refund_id))
        except Exception:
            logger.exception("Refund %s not sent; the periodic loop retries", refund_id)


def submit_refund(refund: Refund) -> Refund:
    """Send a pending refund to Stripe once (its idempotency key makes a resend harmless).

    Bank-transfer refunds stay pending until staff mark them sent. A refusal
    marks the refund failed; an unknown outcome leaves it pending for a retry.
    """
    refund = Refund.objects.select_related("payment", "order").get(pk=refund.pk)
    payment = refund.payment
    if (
        refund.status != RefundStatus.PENDING
        or refund.stripe_refund_id
        or payment.provider != PaymentProvider.STRIPE
    ):
        return refund
    try:
        data = stripe_api.create_refund(
            payment.stripe_payment_intent_id,
            amount=to_minor_units(refund.amount, refund.currency),
            idempotency_key=refund.idempotency_key,
            metadata={"order_code": refund.order.code, "refund_id": str(refund.pk)},
        )
    except stripe_api.StripeUnavailable as exc:
        Refund.objects.filter(pk=refund.pk).update(last_error=str(exc)[:2000])
        refund.last_error = str(exc)
        return refund
    except stripe_api.StripeRefused as exc:
        Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
            status=RefundStatus.FAILED, last_error=str(exc)[:2000]
        )
        log_activity(
            refund.order,
            action="refund.failed",
            data={"refund": refund.pk, "error": str(exc)[:500]},
        )
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        previous = locked.status
        locked.stripe_refund_id = data["id"]
        if locked.status == RefundStatus.PENDING:
            locked.status = _REFUND_STATUSES.get(
                data.get("status") or "", RefundStatus.PENDING
            )
        locked.last_error = ""
        locked.save(
            update_fields=["stripe_refund_id", "status", "last_error", "updated_at"]
        )
        _refund_settled(locked, previous=previous)
    return locked


def _create_refunds(
    order: Order, *, amount: Decimal | None, origin: str, reason: str, by
) -> list[Refund]:
    """Refund rows (pending) over the order's succeeded payments, newest first.

    Call inside a transaction; None refunds everything still refundable.
    """
    payments = list(
        Payment.objects.select_for_update()
        .filter(order=order, status=PaymentStatus.SUCCEEDED)
        .order_by("-confirmed_at", "-pk")
    )
    available = {payment.pk: refundable_amount(payment) for payment in payments}
    total_available = sum(available.values(), Decimal("0"))
    wanted = total_available if amount is None else round_money(amount, order.currency)
    if wanted <= 0:
        raise PaymentError(
            _("Enter an amount above zero."), code="invalid_amount", field="amount"
        )
    if wanted > total_available:
        raise PaymentError(
            _("At most %(amount)s can be refunded.")
            % {"amount": format_money(total_available, order.currency)},
            code="amount_too_high",
            field="amount",
        )
    refunds = []
    left = wanted
    for payment in payments:
        part = min(left, available[payment.pk])
        if part <= 0:
            continue
        refund = Refund.objects.create(
            payment=payment,
            order=order,
            amount=part,
            currency=payment.currency,
            origin=origin,
            reason=reason,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        refunds.append(refund)
        left -= part
        if left <= 0:
            break
    log_activity(
        order,
        action="refund.requested",
        actor=by,
        event=order.event,
        data={
            "amount": str(wanted),
            "origin": origin,
            "reason": reason,
            "refunds": [refund.pk for refund in refunds],
        },
    )
    return refunds


def refund_order(
    order: Order, *, amount: Decimal | None = None, reason: str, by
) -> list[Refund]:
    """Staff refund part (`amount`) or all (None) of what an order paid, with a reason.

    Card refunds go to Stripe at once (their status follows Stripe's events);
    bank-transfer refunds stay pending until staff mark them sent. Raises
    PaymentError (`reason` missing, `amount_too_high`, `invalid_amount`).
    """
    if not reason.strip():
        raise PaymentError(
            _("Give a reason for the refund."), code="required", field="reason"
        )
    with transaction.atomic():
        refunds = _create_refunds(
            order,
            amount=amount,
            origin=RefundOrigin.STAFF,
            reason=reason.strip(),
            by=by,
        )
    return [submit_refund(refund) for refund in refunds]


def mark_refund_sent(refund: Refund, *, by, reference: str = "") -> Refund:
    """Staff sent a bank-transfer refund by hand: it counts as succeeded."""
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.payment.provider != PaymentProvider.BANK_TRANSFER:
            raise PaymentError(
                _("Card refunds are confirmed by Stripe."), code="not_manual"
            )
        if locked.status != RefundStatus.PENDING:
            raise PaymentError(_("This refund is not pending."), code="not_pending")
        locked.status = RefundStatus.SUCCEEDED
        locked.save(update_fields=["status", "updated_at"])
        log_activity(
            locked.order,
            action="refund.sent",
            actor=by,
            data={"refund": locked.pk, "reference": reference},
        )
        _refund_settled(locked, previous=RefundStatus.PENDING)
    return locked


def retry_pending_refunds(*, now: datetime | None = None) -> int:
    """Send again the card refunds whose first attempt had no answer; the number tried."""
    now = now or timezone.now()
    due = list(
        Refund.objects.filter(
            status=RefundStatus.PENDING,
            stripe_refund_id__isnull=True,
            payment__provider=PaymentProvider.STRIPE,
            created_at__lte=now - REFUND_RETRY_AFTER,
        ).values_list("pk", flat=True)[:200]
    )
    _submit_refunds(due)
    return len(due)


def cancellation_fee(order: Order, *, paid: Decimal) -> Decimal:
    """What the event's refund policy keeps when a buyer cancels a paid order."""
    policy = RefundPolicy.objects.filter(event_id=order.event_id).first()
    if policy is None:
        return Decimal("0")
    fee = policy.fee_fixed + paid * policy.fee_percent / Decimal(100)
    return min(round_money(fee, order.currency), paid)


def cancel_order_with_refund(
    order: Order,
    *,
    by,
    reason: str = "",
    as_buyer: bool = False,
    refund_amount: Decimal | None = None,
    now: datetime | None = None,
) -> tuple[Order, list[Refund]]:
    """Cancel an order and give back what its policy says, in one transaction.

    Buyers may cancel paid orders until the event's deadline and get the
    amount paid less the policy's fee; staff refund everything unless they
    give `refund_amount`. An issued invoice gets a credit note for what is
    no longer owed. Card refunds are sent to Stripe after the commit.
    """
    now = now or timezone.now()
    if as_buyer and not can_buyer_cancel(order, now=now):
        raise PaymentError(
            _("This order can no longer be canceled online; please contact us."),
            code="cancellation_not_allowed",
        )
    with transaction.atomic():
        _limit_lock_wait()
        order = (
            Order.objects.select_for_update().select_related("event").get(pk=order.pk)
        )
        was_paid = order.status == OrderStatus.PAID
        received = sum(
            (
                refundable_amount(payment)
                for payment in order.payments.filter(status=PaymentStatus.SUCCEEDED)
            ),
            Decimal("0"),
        )
        fee = cancellation_fee(order, paid=received) if as_buyer else Decimal("0")
        to_refund = received - fee if refund_amount is None else refund_amount
        order = cancel_order(order, by=by, reason=reason, as_buyer=as_buyer, now=now)
        invoice = Invoice.objects.select_for_update().filter(order=order).first()
        if invoice is not None and invoice.status != InvoiceStatus.CREDITED:
            kept = fee if was_paid else Decimal("0")
            # Partial refunds have had their own credit notes already.
            left = invoice.total - kept - credited_amount(invoice)
            if left > 0:
                _issue_credit_note(
                    invoice,
                    amount=left,
                    reason=reason or _("Order canceled."),
                    now=now,
                    closes=True,
                )
            else:
                invoice.status = InvoiceStatus.CREDITED
                invoice.save(update_fields=["status"])
        refunds = []
        if was_paid and to_refund > 0:
            refunds = _create_refunds(
                order,
                amount=to_refund,
                origin=RefundOrigin.CANCELLATION,
                reason=reason or _("Order canceled."),
                by=by,
            )
    # A canceled order's open Checkout Session must not be paid any more (if it
    # is anyway, the payment is refunded as a late payment).
    for payment in order.payments.filter(
        provider=PaymentProvider.STRIPE, status=PaymentStatus.OPEN
    ).exclude(stripe_session_id=None):
        _expire_session_quietly(payment.stripe_session_id)
    return order, [submit_refund(refund) for refund in refunds]


# --- Invoices ----------------------------------------------------------------------------


@dataclass
class BillingData:
    name: str
    address: str
    tax_id: str = ""
    po_number: str = ""
    email: str = ""


def _next_number(series: str, year: int) -> int:
    """The next number of a yearly series, gap-free: the counter row is locked until commit."""
    counter, _created = DocumentCounter.objects.get_or_create(series=series, year=year)
    locked = DocumentCounter.objects.select_for_update().get(pk=counter.pk)
    locked.last_number += 1
    locked.save(update_fields=["last_number"])
    return locked.last_number


def _local_date(moment: datetime, order: Order) -> date:
    return timezone.localtime(moment, order.event.tz).date()


def _invoice_lines(order: Order) -> list[dict]:
    lines = []
    attendees = order.attendees.select_related("ticket_type").prefetch_related(
        "attendeeextra_set__extra"
    )
    for attendee in attendees:
        person = attendee.badge_name or attendee.given_name
        lines.append(
            {
                "description": f"{attendee.ticket_type.name} – {person}",
                "amount": str(attendee.price),
            }
        )
        for bought in attendee.attendeeextra_set.all():
            lines.append(
                {
                    "description": f"{bought.extra.name} – {person}",
                    "amount": str(bought.price),
                }
            )
    return lines


def check_billing(billing: BillingData) -> None:
    """Raise PaymentInvalid (fields `billing.name`, ...) unless `billing` can be invoiced."""
    if errors := _billing_errors(billing):
        raise PaymentInvalid(errors)


def _billing_errors(billing: BillingData) -> list[PaymentError]:
    errors = []
    if not billing.name.strip():
        errors.append(
            PaymentError(
                _("Enter the name to invoice."), code="required", field="billing.name"
            )
        )
    if not billing.address.strip():
        errors.append(
            PaymentError(
                _("Enter the billing address."),
                code="required",
                field="billing.address",
            )
        )
    if billing.email.strip():
        try:
            validate_email(billing.email.strip())
        except ValidationError:
            errors.append(
                PaymentError(
                    _("Enter a valid e-mail address."),
                    code="invalid",
                    field="billing.email",
                )
            )
    # The same columns hold a delegation's billing details (billing_name, ...).
    errors += column_errors(
        PaymentError,
        BillingDetails,
        {
            name: getattr(billing, name).strip()
            for name in ("name", "address", "tax_id", "po_number", "email")
        },
        prefix="billing.",
    )
    return errors


def request_invoice(
    order: Order, *, billing: BillingData, by=None, now: datetime | None = None
) -> Invoice:
    """Issue the invoice of a pending order to an organisation or municipality.

    Stores the billing details and issues an invoice numbered per year without
    gaps, due when the order's hold ends; the buyer gets it by e-mail. Raises
    PaymentInvalid (named fields) or PaymentError (`not_payable`, `already_invoiced`).
    """
    now = now or timezone.now()
    check_billing(billing)
    with transaction.atomic():
        _limit_lock_wait()
        order = (
            Order.objects.select_for_update().select_related("event").get(pk=order.pk)
        )
        if (
            order.status not in {OrderStatus.PENDING, OrderStatus.PAID}
            or order.total <= 0
        ):
            raise PaymentError(_("This order cannot be invoiced."), code="not_payable")
        # An order on a delegation's combined invoice is invoiced already too.
        if (
            Invoice.objects.filter(order=order).exists()
            or order.delegation_invoices.exists()
        ):
            raise PaymentError(
                _("This order has an invoice already."), code="already_invoiced"
            )
        details, _created = BillingDetails.objects.update_or_create(
            order=order,
            defaults={
                "name": billing.name.strip(),
                "address": billing.address.strip(),
                "tax_id": billing.tax_id.strip(),
                "po_number": billing.po_number.strip(),
                "email": billing.email.strip(),
            },
        )
        invoice = _issue_invoice(order, details, now=now)
        log_activity(
            order,
            action="invoice.issued",
            actor=by,
            event=order.event,
            data={"invoice": invoice.number, "total": str(invoice.total)},
        )
        enqueue_message(
            "email.invoice_issued",
            payload={"invoice": invoice.pk},
            key=f"invoice_issued:{invoice.pk}",
        )
    return invoice


def _issue_invoice(order: Order, details: BillingDetails, *, now: datetime) -> Invoice:
    issued_on = _local_date(now, order)
    year = issued_on.year
    sequence = _next_number("invoice", year)
    if order.status == OrderStatus.PENDING and order.expires_at:
        due_on = _local_date(order.expires_at, order)
    else:
        due_on = issued_on + timedelta(days=order.event.payment_term_days)
    return Invoice.objects.create(
        order=order,
        number=f"{year}-{sequence:05d}",
        year=year,
        sequence=sequence,
        issued_on=issued_on,
        due_on=due_on,
        billing_name=details.name,
        billing_address=details.address,
        tax_id=details.tax_id,
        po_number=details.po_number,
        currency=order.currency,
        total=order.total,
        lines=_invoice_lines(order),
        status=InvoiceStatus.PAID
        if order.status == OrderStatus.PAID
        else InvoiceStatus.ISSUED,
        paid_at=now if order.status == OrderStatus.PAID else None,
    )


def _issue_credit_note(
    invoice: Invoice,
    *,
    amount: Decimal,
    reason: str,
    now: datetime,
    closes: bool = False,
    refund: Refund | None = None,
) -> CreditNote:
    """The next credit note of the year (gap-free) over `amount`; the buyer gets
    it by e-mail. `closes` (a cancellation) marks the invoice credited whatever
    the amount; otherwise it is once the notes reach its total. Inside a
    transaction, with the invoice locked."""
    order = invoice.order
    issued_on = _local_date(now, order)
    sequence = _next_number("credit_note", issued_on.year)
    note = CreditNote.objects.create(
        invoice=invoice,
        number=f"CN-{issued_on.year}-{sequence:05d}",
        year=issued_on.year,
        sequence=sequence,
        issued_on=issued_on,
        amount=max(amount, Decimal("0")),
        currency=invoice.currency,
        reason=reason,
    )
    if closes or credited_amount(invoice) >= invoice.total:
        invoice.status = InvoiceStatus.CREDITED
        invoice.save(update_fields=["status"])
    log_activity(
        order,
        action="invoice.credited",
        event=order.event,
        data={
            "invoice": invoice.number,
            "credit_note": note.number,
            "amount": str(note.amount),
            "refund": refund.pk if refund else None,
        },
    )
    enqueue_message(
        "email.credit_note_issued",
        payload={"credit_note": note.pk},
        key=f"credit_note_issued:{note.pk}",
    )
    return note


def _settle_invoice(order: Order, *, reference: str, now: datetime) -> None:
    invoice = (
        Invoice.objects.select_for_update()
        .filter(order=order, status=InvoiceStatus.ISSUED)
        .first()
    )
    if invoice is not None:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = now
        invoice.paid_reference = reference[:200]
        invoice.save(update_fields=["status", "paid_at", "paid_reference"])


def mark_paid_by_transfer(
    order: Order,
    *,
    reference: str,
    by,
    amount: Decimal | None = None,
    now: datetime | None = None,
) -> Payment:
    """Staff record a bank transfer with its reference: the order and its invoice are paid.

    An expired order is paid only if its seats are still free (SoldOut
    otherwise, and nothing is recorded). Raises PaymentError (`required`,
    `not_payable`, `amount_mismatch`).
    """
    now = now or timezone.now()
    reference = reference.strip()
    if not reference:
        raise PaymentError(
            _("Enter the bank reference."), code="required", field="reference"
        )
    with transaction.atomic():
        _limit_lock_wait()
        order = Order.objects.select_related("event").get(pk=order.pk)
        if refusal := action_refusal(order, "mark_paid"):
            raise PaymentError(refusal.message, code=refusal.code)
        if amount is not None and round_money(amount, order.currency) != order.total:
            raise PaymentError(
                _("The order's total is %(total)s.")
                % {"total": format_money(order.total, order.currency)},
                code="amount_mismatch",
                field="amount",
            )
        if (
            order.status == OrderStatus.PENDING
            and order.expires_at
            and order.expires_at <= now
        ):
            transition_order(
                order,
                to=OrderStatus.EXPIRED,
                by=by,
                reason="hold ended before the transfer was recorded",
            )
        payment = Payment.objects.create(
            order=order,
            provider=PaymentProvider.BANK_TRANSFER,
            status=PaymentStatus.SUCCEEDED,
            amount=order.total,
            currency=order.currency,
            reference=reference[:200],
            confirmed_at=now,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        log_activity(
            order,
            action="payment.recorded",
            actor=by,
            event=order.event,
            data={
                "payment": payment.pk,
                "reference": reference,
                "amount": str(order.total),
            },
        )
        mark_order_paid(order, by=by, reason=f"bank transfer {reference}", now=now)
        _settle_invoice(order, reference=reference, now=now)
    return payment


def send_invoice_reminders(*, now: datetime | None = None) -> int:
    """Remind buyers of unpaid invoices before and after the due date; the number queued.

    One reminder before (INVOICE_REMINDER_BEFORE) and one after
    (INVOICE_REMINDER_AFTER) the due date, each once (outbox key).
    """
    now = now or timezone.now()
    horizon = (now + INVOICE_REMINDER_BEFORE).date() + timedelta(days=1)
    invoices = Invoice.objects.select_related("order__event").filter(
        status=InvoiceStatus.ISSUED,
        due_on__lte=horizon,
        order__status__in=[OrderStatus.PENDING, OrderStatus.EXPIRED],
    )
    sent = 0
    for invoice in invoices:
        today = _local_date(now, invoice.order)
        if today >= invoice.due_on + INVOICE_REMINDER_AFTER:
            when = "after"
        elif invoice.due_on - INVOICE_REMINDER_BEFORE <= today <= invoice.due_on:
            when = "before"
        else:
            continue
        if enqueue_message(
            "email.invoice_reminder",
            payload={"invoice": invoice.pk, "when": when},
            key=f"invoice_reminder:{invoice.pk}:{when}",
        ):
            invoice.reminders_sent += 1
            invoice.save(update_fields=["reminders_sent"])
            sent += 1
    return sent


def run_payment_jobs(*, now: datetime | None = None) -> int:
    """The periodic loop's payment work: invoice reminders and refunds to send again."""
    return send_invoice_reminders(now=now) + retry_pending_refunds(now=now)


# --- Reconciliation -----------------------------------------------------------------------


@dataclass
class ReconcileResult:
    seen: int = 0
    applied: int = 0
    already: int = 0
    failed: int = 0


def reconcile_stripe_events(
    *, since: timedelta, now: datetime | None = None
) -> ReconcileResult:
    """Apply Stripe's events of the window that never reached the webhook, each once."""
    now = now or timezone.now()
    events = stripe_api.list_events(
        created_gte=int((now - since).timestamp()), types=sorted(HANDLED_EVENT_TYPES)
    )
    result = ReconcileResult(seen=len(events))
    done = set(
        StripeEvent.objects.filter(
            event_id__in=[event["id"] for event in events],
            status__in=[StripeEventStatus.PROCESSED, StripeEventStatus.IGNORED],
        ).values_list("event_id", flat=True)
    )
    for event in events:
        if event["id"] in done:
            result.already += 1
            continue
        try:
            outcome = process_stripe_event(event, source="reconcile")
        except Exception:
            logger.exception("Reconcile: Stripe event %s failed", event["id"])
            result.failed += 1
            continue
        if outcome == "processed":
            result.applied += 1
        else:
            result.already += 1
    return result


# --- Documents: invoices, credit notes, receipts ------------------------------------------


@functools.cache
def _document_stylesheets() -> tuple[str, ...]:
    return (
        render_to_string(
            "documents/invoices/invoice.css", {"font_stack": documents.FONT_STACK}
        ),
    )


def _render(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
    return documents.render_pdf(
        html,
        base_url=str(settings.BASE_DIR / "templates" / "documents" / "assets") + "/",
        stylesheets=_document_stylesheets(),
    )


def _money_lines(lines: list[dict], currency: str) -> list[dict]:
    return [
        {
            "description": line["description"],
            "amount": format_money(Decimal(line["amount"]), currency),
        }
        for line in lines
    ]


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as issued (from its frozen copy, never from the live order),
    in the buyer's language."""
    order = invoice.order
    with for_reader(order.language, order.event.tz):
        return _render_invoice_pdf(invoice, order)


def _render_invoice_pdf(invoice: Invoice, order: Order) -> bytes:
    return _render(
        "documents/invoices/invoice.html",
        {
            "invoice": invoice,
            "event": order.event,
            "order": order,
            "lines": _money_lines(invoice.lines, invoice.currency),
            "total": format_money(invoice.total, invoice.currency),
        },
    )


def render_credit_note_pdf(note: CreditNote) -> bytes:
    """The credit note, in the buyer's language."""
    invoice = note.invoice
    order = invoice.order
    with for_reader(order.language, order.event.tz):
        return _render_credit_note_pdf(note, invoice)


def _render_credit_note_pdf(note: CreditNote, invoice: Invoice) -> bytes:
    return _render(
        "documents/invoices/credit_note.html",
        {
            "note": note,
            "invoice": invoice,
            "event": invoice.order.event,
            "order": invoice.order,
            "amount": format_money(note.amount, note.currency),
            "invoice_total": format_money(invoice.total, invoice.currency),
        },
    )


def render_receipt_pdf(payment: Payment) -> bytes:
    """The receipt of a succeeded card payment, with what was refunded of it."""
    if payment.status != PaymentStatus.SUCCEEDED:
        raise PaymentError(_("Only received payments have a receipt."), code="unpaid")
    order = payment.order
    with for_reader(order.language, order.event.tz):
        return _render_receipt_pdf(payment, order)


def _render_receipt_pdf(payment: Payment, order: Order) -> bytes:
    refunds = list(payment.refunds.filter(status=RefundStatus.SUCCEEDED))
    refunded = sum((refund.amount for refund in refunds), Decimal("0"))
    return _render(
        "documents/receipts/receipt.html",
        {
            "payment": payment,
            "order": order,
            "event": order.event,
            "lines": _money_lines(_invoice_lines(order), payment.currency),
            "amount": format_money(payment.amount, payment.currency),
            "refunds": [
                {
                    "date": _local_date(refund.created_at, order),
                    "amount": format_money(refund.amount, refund.currency),
                }
                for refund in refunds
            ],
            "refunded": format_money(refunded, payment.currency) if refunds else "",
            "paid_on": _local_date(payment.confirmed_at or payment.created_at, order),
        },
    )
