"""Reviving an order: staff give an expired order, or a declined application, a
new hold when its seats are still free.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from registration.errors import InvalidTransition
from registration.models import Order, OrderStatus
from registration.orders.services.actions import action_refusal
from registration.orders.services.statuses import _with_capacity, transition_order


def revive_order(order: Order, *, by, now: datetime | None = None) -> Order:
    """Make an expired order, or a declined application, pending again.

    The seats are checked under the capacity locks, as placement checks them
    (places held for a waiting-list offer stay with it): SoldOut naming the
    ticket type, extra or event that is full. The new hold is the event's
    payment term, for card and invoice orders alike: staff chose to give the
    places back, and the buyer must have time to read the e-mail (a card
    hold's 30 minutes is for someone already at the checkout). With nothing to
    pay the order becomes paid instead. Any other order
    is refused (InvalidTransition, field `status`). Logged as the status move
    with reason "revived"; the buyer gets the payment link again
    (`email.order_revived`) or, when paid, the confirmation.
    """
    now = now or timezone.now()
    if refusal := action_refusal(order, "revive"):
        raise InvalidTransition(refusal.message, code=refusal.code, field=refusal.field)
    to, expires_at = OrderStatus.PENDING, None
    if order.total == 0:
        to = OrderStatus.PAID
    else:
        expires_at = now + timedelta(days=order.event.payment_term_days)
    return _with_capacity(
        order,
        now=now,
        then=lambda: transition_order(
            order, to=to, by=by, reason="revived", expires_at=expires_at
        ),
    )
