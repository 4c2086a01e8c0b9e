"""Paid, canceled, expired: the moves the payments service, the buyer and the periodic
loop make, and the expiry warning.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.errors import (
    InvalidTransition,
    OrderError,
)
from registration.models import (
    Order,
    OrderStatus,
)
from registration.orders.services.actions import action_refusal, transition_refusal
from registration.orders.services.statuses import _with_capacity, transition_order
from registration.outbox.services import enqueue_message


def mark_order_paid(
    order: Order, *, by, reason: str = "", now: datetime | None = None
) -> Order:
    """Record payment (staff for invoices; the payments service for cards).

    A pending order keeps its seats while its hold lasts. An expired one, or a
    pending one whose hold has ended (the expiry job has not run yet, but the
    selectors already count its seats as free), is paid only if its seats are
    still free; otherwise SoldOut (the payments service refunds it). A
    canceled order is never paid (InvalidTransition): a declined one becomes
    paid only by revival (`revive_order`), which checks its seats.
    """
    now = now or timezone.now()
    if order.status == OrderStatus.CANCELED:
        refusal = transition_refusal(order, to=OrderStatus.PAID)
        raise InvalidTransition(refusal.message, code=refusal.code, field=refusal.field)
    overdue = (
        order.status == OrderStatus.PENDING
        and order.expires_at is not None
        and order.expires_at <= now
    )
    if order.status == OrderStatus.EXPIRED or overdue:
        return _with_capacity(
            order,
            now=now,
            then=lambda: transition_order(
                order, to=OrderStatus.PAID, by=by, reason=reason
            ),
        )
    return transition_order(order, to=OrderStatus.PAID, by=by, reason=reason)


def can_buyer_cancel(order: Order, *, now: datetime | None = None) -> bool:
    """Unpaid orders always; paid ones until the event's buyer cancellation deadline."""
    now = now or timezone.now()
    if order.status in {
        OrderStatus.PENDING,
        OrderStatus.AWAITING_APPROVAL,
        OrderStatus.EXPIRED,
    }:
        return True
    deadline = order.event.buyer_cancellation_until
    return order.status == OrderStatus.PAID and deadline is not None and now < deadline


def cancel_order(
    order: Order,
    *,
    by,
    reason: str = "",
    as_buyer: bool = False,
    now: datetime | None = None,
) -> Order:
    """Cancel an order (staff any time the transitions allow; buyers per the event's rule).

    The seats are free at once. Money already paid is the payments service's
    business (Refund rows).
    """
    if as_buyer and not can_buyer_cancel(order, now=now):
        raise OrderError(
            _("This order can no longer be canceled online; please contact us."),
            code="cancellation_not_allowed",
        )
    if refusal := action_refusal(order, "cancel"):
        raise InvalidTransition(refusal.message, code=refusal.code, field=refusal.field)
    return transition_order(order, to=OrderStatus.CANCELED, by=by, reason=reason)


def expire_orders(*, now: datetime | None = None) -> int:
    """Expire pending orders whose hold has run out; the number expired.

    Availability never waits for this (an overdue hold counts as free); the
    job makes the status say so and lets waiting lists move on. Each buyer is
    told, once per hold, with a link to register again (`transition_order`
    queues `email.order_expired`); running the job again finds nothing more.
    """
    now = now or timezone.now()
    due = list(
        Order.objects.filter(
            status=OrderStatus.PENDING, expires_at__lte=now
        ).values_list("pk", flat=True)
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=OrderStatus.PENDING, expires_at__lte=now)
                .first()
            )
            if order is None:
                continue
            transition_order(order, to=OrderStatus.EXPIRED, reason="hold expired")
            expired += 1
    return expired


EXPIRY_WARNING_BEFORE = timedelta(days=3)


def send_expiry_warnings(*, now: datetime | None = None) -> int:
    """Warn buyers of long holds (invoices, approved applications) 3 days before expiry.

    Only holds longer than the warning period are warned about (a 30-minute
    card hold is not). One warning per hold: extending the hold makes a new
    one due.
    """
    now = now or timezone.now()
    orders = Order.objects.filter(
        status=OrderStatus.PENDING,
        expires_at__gt=now,
        expires_at__lte=now + EXPIRY_WARNING_BEFORE,
    ).filter(expires_at__gt=F("created_at") + EXPIRY_WARNING_BEFORE)
    sent = 0
    for order in orders:
        if enqueue_message(
            "email.expiry_warning",
            payload={"order": order.pk},
            key=f"expiry_warning:{order.pk}:{int(order.expires_at.timestamp())}",
        ):
            sent += 1
    return sent
