"""Starting a card payment: a Stripe Checkout Session for an order's balance,
closing an earlier one first, applied at once when Stripe answers paid."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.models import (
    Event,
    Order,
    OrderChange,
    OrderStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
)
from registration.money import to_minor_units
from registration.payments import stripe as stripe_api
from registration.payments.services.amounts import (
    _checkout_lines,
    _expire_session_quietly,
    _limit_lock_wait,
)
from registration.payments.services.refunds import _submit_refunds
from registration.payments.services.rules import (
    CHECKOUT_SESSION_LIFETIME,
    PaymentError,
    _move_payment,
    card_payment_refusal,
)
from registration.payments.services.settlement import (
    balance_due,
    balance_payment_refusal,
)
from registration.payments.services.webhooks import _apply_session


def start_card_payment(
    order: Order,
    *,
    success_url: str,
    cancel_url: str,
    now: datetime | None = None,
    change: OrderChange | None = None,
) -> str:
    """Open a Stripe Checkout Session for what an order owes; the address to send the buyer to.

    What is charged: a pending order's total; a paid order's balance after a
    change made it cost more (`balance_due`); or, with `change`, the
    difference of a buyer's change waiting for its payment (applied when the
    payment succeeds, webhooks.py).
    One session per attempt, created outside any capacity lock with the
    attempt's own idempotency key; an earlier open session of the order is
    expired first, so only one can be paid. A pending order's hold moves to
    the session's `expires_at` (never earlier than it was), so the seats are
    held as long as the session can be paid. Raises PaymentError with the
    codes of `card_payment_refusal` or `balance_payment_refusal`, or
    `already_paid`, `total_mismatch` or `stripe_unavailable`.
    """
    now = now or timezone.now()
    order = Order.objects.select_related("event").get(pk=order.pk)
    amount, line_items = _what_to_charge(order, change=change, now=now)
    payment = Payment.objects.create(
        order=order,
        provider=PaymentProvider.STRIPE,
        status=PaymentStatus.CREATING,
        amount=amount,
        currency=order.currency,
        order_change=change,
    )
    _close_earlier_attempts(order, payment, now=now)
    params = _session_params(
        order,
        payment,
        line_items=line_items,
        success_url=success_url,
        cancel_url=cancel_url,
        now=now,
    )
    session = _create_session(payment, params)
    live = _record_open_session(order, payment, session)
    if live is None:
        # The hold ran out while the session was being created: nobody may pay it.
        _expire_session_quietly(session["id"])
        raise PaymentError(
            _("The places of this order are no longer reserved; please order again."),
            code="hold_expired",
        )
    return session["url"]


def _what_to_charge(
    order: Order, *, change: OrderChange | None, now: datetime
) -> tuple[Decimal, list[dict]]:
    """The amount of the attempt and its Stripe line items, or the refusal."""
    if change is None and order.status != OrderStatus.PAID:
        if refusal := card_payment_refusal(order, now=now):
            raise refusal
        return order.total, _checkout_lines(order)
    if refusal := balance_payment_refusal(order, change=change):
        raise refusal
    if change is not None:
        amount = change.difference
        label = _("Changes to order %(code)s") % {"code": order.code}
    else:
        amount = balance_due(order)
        label = _("Balance of order %(code)s") % {"code": order.code}
    return amount, [_single_line(f"{label} – {order.event.name}", amount, order)]


def _single_line(name: str, amount: Decimal, order: Order) -> dict:
    return {
        "quantity": 1,
        "price_data": {
            "currency": order.currency.lower(),
            "unit_amount": to_minor_units(amount, order.currency),
            "product_data": {"name": name[:250]},
        },
    }


def _close_earlier_attempts(order: Order, payment: Payment, *, now: datetime) -> None:
    """Expire the order's other open sessions; the new attempt fails if one was paid."""
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


def _session_params(
    order: Order,
    payment: Payment,
    *,
    line_items: list[dict],
    success_url: str,
    cancel_url: str,
    now: datetime,
) -> dict:
    """What Stripe is asked for: the lines, the buyer, and which attempt it is."""
    metadata = {"order_code": order.code, "payment_id": str(payment.pk)}
    return {
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


def _create_session(payment: Payment, params: dict) -> dict:
    """Ask Stripe for the attempt's session; the attempt fails if Stripe does."""
    try:
        return stripe_api.create_checkout_session(
            params, idempotency_key=f"sci-checkout-{payment.pk}"
        )
    except stripe_api.StripeError as exc:
        _fail_attempt(payment, str(exc))
        raise PaymentError(
            _("Card payment could not be started; please try again in a moment."),
            code="stripe_unavailable",
        ) from exc


def _record_open_session(order: Order, payment: Payment, session: dict) -> Order | None:
    """Save the session on the attempt under the order's lock; the order if held.

    The attempt becomes open while the order is pending and held (or paid,
    for a balance or a change), else expired; a live hold is extended to the
    session's end.
    """
    session_expires = datetime.fromtimestamp(session["expires_at"], tz=UTC)
    with transaction.atomic():
        _limit_lock_wait()
        still_payable = Q(status=OrderStatus.PENDING, expires_at__gt=timezone.now())
        if order.status == OrderStatus.PAID:
            still_payable = Q(status=OrderStatus.PAID)
        live = (
            Order.objects.select_for_update().filter(still_payable, pk=order.pk).first()
        )
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        _move_payment(payment, PaymentStatus.OPEN if live else PaymentStatus.EXPIRED)
        Payment.objects.filter(pk=payment.pk).update(
            stripe_session_id=session["id"],
            checkout_url=session.get("url") or "",
            expires_at=session_expires,
            status=PaymentStatus.OPEN if live else PaymentStatus.EXPIRED,
            updated_at=timezone.now(),
        )
        if live is not None and live.status == OrderStatus.PAID:
            log_activity(
                live,
                action="payment.checkout_started",
                event=order.event,
                data={
                    "payment": payment.pk,
                    "session": session["id"],
                    "amount": str(payment.amount),
                },
            )
        elif live is not None:
            _hold_for_session(
                live, payment, session, until=session_expires, event=order.event
            )
    return live


def _hold_for_session(
    live: Order, payment: Payment, session: dict, *, until: datetime, event: Event
) -> None:
    """Hold the seats as long as the session can be paid, and log the start."""
    if live.expires_at < until:
        # The hold is extended, never shortened (invoice holds are longer).
        Order.objects.filter(pk=live.pk).update(
            expires_at=until, updated_at=timezone.now()
        )
    log_activity(
        live,
        action="payment.checkout_started",
        event=event,
        data={
            "payment": payment.pk,
            "session": session["id"],
            "amount": str(payment.amount),
            "hold_until": until.isoformat(),
        },
    )


def _fail_attempt(payment: Payment, why: str) -> None:
    _move_payment(payment, PaymentStatus.FAILED)
    Payment.objects.filter(pk=payment.pk).update(
        status=PaymentStatus.FAILED, problem=why[:2000], updated_at=timezone.now()
    )


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
        _move_payment(payment, PaymentStatus.EXPIRED)
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
