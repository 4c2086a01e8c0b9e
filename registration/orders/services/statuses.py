"""Order status moves: the one writer of order statuses, approval and decline, and
the capacity check the moves that take seats again share.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.errors import (
    Busy,
    InvalidTransition,
)
from registration.models import (
    ORDER_TRANSITIONS,
    AttendeeExtra,
    Order,
    OrderStatus,
)
from registration.orders.services.actions import (
    REVIVABLE_STATUSES,
    action_refusal,
    transition_refusal,
)
from registration.orders.services.capacity import (
    check_capacity,
    is_lock_timeout,
    lock_capacity,
)
from registration.orders.services.placement import _queue_confirmation
from registration.outbox.services import enqueue_message


def transition_order(
    order: Order,
    *,
    to: str,
    by=None,
    reason: str = "",
    expires_at: datetime | None = None,
    declined: bool = False,
) -> Order:
    """Move an order to status `to`; the only code that writes Order.status.

    Refuses moves not in ORDER_TRANSITIONS (InvalidTransition), and a canceled
    order leaving canceled unless it was declined (`declined_at`). `declined`
    (to canceled) records the cancellation as a decline; leaving canceled
    clears it. Writes one ActivityLog entry `order.<to>` with the old and new
    status and the reason.
    Side effects, queued after commit:
    - to paid: the order-confirmed e-mail and each attendee's notice;
    - awaiting_approval → pending: the approval e-mail with the payment link
      (`expires_at` sets the new hold);
    - awaiting_approval → canceled: the decline e-mail with the reason;
    - pending → expired: the expiry notice with a link to register again
      (one per hold);
    - expired or canceled → pending (a revival): the payment link again.
    Capacity is the caller's check (`approve_order`, `mark_order_paid`,
    `revive_order`).
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        old = locked.status
        # A canceled order leaves canceled only when it was declined (revival).
        if to not in ORDER_TRANSITIONS.get(old, set()) or (
            old == OrderStatus.CANCELED and locked.declined_at is None
        ):
            refusal = transition_refusal(locked, to=to)
            raise InvalidTransition(
                refusal.message, code=refusal.code, field=refusal.field
            )
        held_until = locked.expires_at
        locked.status = to
        fields = ["status", "updated_at"]
        if expires_at is not None:
            locked.expires_at = expires_at
            fields.append("expires_at")
        if to == OrderStatus.CANCELED and declined:
            locked.declined_at = timezone.now()
            fields.append("declined_at")
        elif old == OrderStatus.CANCELED:
            locked.declined_at = None
            fields.append("declined_at")
        locked.save(update_fields=fields)
        log_activity(
            locked,
            action=f"order.{to}",
            actor=by,
            event=locked.event,
            data={"from": old, "to": to, "reason": reason},
        )
        _queue_move_mail(locked, old=old, to=to, reason=reason, held_until=held_until)
    order.status = locked.status
    order.expires_at = locked.expires_at
    order.declined_at = locked.declined_at
    order.updated_at = locked.updated_at
    return order


def _queue_move_mail(
    order: Order, *, old: str, to: str, reason: str, held_until: datetime | None
) -> None:
    """The e-mail a status move sends, queued in the move's transaction."""
    if to == OrderStatus.PAID:
        _queue_confirmation(order)
    elif old == OrderStatus.AWAITING_APPROVAL and to == OrderStatus.PENDING:
        enqueue_message(
            "email.order_approved",
            payload={"order": order.pk},
            key=f"order_approved:{order.pk}",
        )
    elif old == OrderStatus.AWAITING_APPROVAL and to == OrderStatus.CANCELED:
        enqueue_message(
            "email.order_declined",
            payload={"order": order.pk, "reason": reason},
            key=f"order_declined:{order.pk}",
        )
    elif to == OrderStatus.EXPIRED:
        enqueue_message(
            "email.order_expired",
            payload={"order": order.pk},
            key=f"order_expired:{order.pk}:{_stamp(held_until)}",
        )
    elif to == OrderStatus.PENDING and old in REVIVABLE_STATUSES:
        enqueue_message(
            "email.order_revived",
            payload={"order": order.pk},
            key=f"order_revived:{order.pk}:{_stamp(order.expires_at)}",
        )


def _stamp(moment: datetime | None) -> str:
    """A hold's end in outbox keys: one e-mail per hold, a new hold a new one."""
    return str(int(moment.timestamp())) if moment is not None else "none"


def _order_needs(order: Order) -> tuple[Counter, Counter, int]:
    attendees = list(order.attendees.all())
    ticket_type_counts = Counter(a.ticket_type_id for a in attendees)
    extra_counts = Counter(
        AttendeeExtra.objects.filter(attendee__order=order).values_list(
            "extra_id", flat=True
        )
    )
    voucher_uses = sum(1 for a in attendees if a.voucher_id)
    return ticket_type_counts, extra_counts, voucher_uses


def _with_capacity(order: Order, *, now: datetime, then) -> Order:
    """Run `then()` after checking, under the locks, that the order's seats are free."""
    ticket_type_counts, extra_counts, voucher_uses = _order_needs(order)
    try:
        with transaction.atomic():
            locked_ticket_types = lock_capacity(
                order.event,
                ticket_type_ids=set(ticket_type_counts),
                extra_ids=set(extra_counts),
                voucher_id=order.voucher_id,
            )
            check_capacity(
                order.event,
                ticket_types=locked_ticket_types,
                ticket_type_counts=ticket_type_counts,
                extra_counts=extra_counts,
                voucher=order.voucher,
                voucher_uses=voucher_uses,
                now=now,
                exclude_order_id=order.pk,
            )
            return then()
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise Busy(_("The system is busy; please try again.")) from exc
        raise


def approve_order(order: Order, *, by, now: datetime | None = None) -> Order:
    """Staff approve an application: seats are checked now, then the payment link goes out.

    Nothing to pay: the order is paid at once. Otherwise it is pending, holding
    its seats for the event's payment term. Raises SoldOut when the places are gone.
    """
    now = now or timezone.now()
    if refusal := action_refusal(order, "approve"):
        raise InvalidTransition(refusal.message, code=refusal.code)
    if order.total == 0:
        return _with_capacity(
            order,
            now=now,
            then=lambda: transition_order(
                order, to=OrderStatus.PAID, by=by, reason="approved"
            ),
        )
    return _with_capacity(
        order,
        now=now,
        then=lambda: transition_order(
            order,
            to=OrderStatus.PENDING,
            by=by,
            reason="approved",
            expires_at=now + timedelta(days=order.event.payment_term_days),
        ),
    )


def decline_order(order: Order, *, by, reason: str = "") -> Order:
    """Staff decline an application; the buyer is told, with the reason."""
    if refusal := action_refusal(order, "decline"):
        raise InvalidTransition(refusal.message, code=refusal.code)
    return transition_order(
        order,
        to=OrderStatus.CANCELED,
        by=by,
        reason=reason or "declined",
        declined=True,
    )
