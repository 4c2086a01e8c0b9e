"""What may happen to an order now: each staff action's allowed statuses and its
refusal, which orders admit their attendees, and the flags staff set.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.errors import (
    OrderError,
)
from registration.models import (
    LIVE_ORDER_STATUSES,
    ORDER_TRANSITIONS,
    Order,
    OrderStatus,
)

# Unpaid statuses in which staff may let attendees in before payment.
ADMITTABLE_UNPAID = {OrderStatus.PENDING, OrderStatus.AWAITING_APPROVAL}

# Statuses staff may revive an order from: expired, and canceled when the
# cancellation was a decline (`Order.declined_at`, checked by action_refusal).
REVIVABLE_STATUSES = frozenset({OrderStatus.EXPIRED, OrderStatus.CANCELED})


def _may_become(to: str) -> frozenset[str]:
    """The statuses ORDER_TRANSITIONS lets an order leave for `to`."""
    return frozenset(old for old, moves in ORDER_TRANSITIONS.items() if to in moves)


# The staff actions on one order, in the order the admin offers them, and the
# statuses each applies to. Moves of status follow ORDER_TRANSITIONS: an
# awaiting-approval order with nothing to pay becomes paid by approval, and a
# declined one by revival, not by a recorded payment. The tickets' block and a
# canceled order's decline are flags beside the status (`action_refusal`).
# Who may act is staff/access.py's business, not this.
STAFF_ACTION_STATUSES: dict[str, frozenset[str]] = {
    "approve": frozenset({OrderStatus.AWAITING_APPROVAL}),
    "decline": frozenset({OrderStatus.AWAITING_APPROVAL}),
    "admit_before_payment": frozenset(ADMITTABLE_UNPAID),
    "extend_hold": frozenset({OrderStatus.PENDING}),
    "revive": REVIVABLE_STATUSES,
    "resend": frozenset(LIVE_ORDER_STATUSES),
    "unblock_tickets": frozenset(OrderStatus.values),
    "block_tickets": frozenset(OrderStatus.values) - {OrderStatus.CANCELED},
    "cancel": _may_become(OrderStatus.CANCELED),
    "mark_paid": _may_become(OrderStatus.PAID)
    - {OrderStatus.AWAITING_APPROVAL, OrderStatus.CANCELED},
    "edit_attendee": frozenset(LIVE_ORDER_STATUSES),
    "transfer": frozenset(LIVE_ORDER_STATUSES),
    "change": frozenset(LIVE_ORDER_STATUSES),
}
STAFF_ACTIONS = tuple(STAFF_ACTION_STATUSES)


@dataclass(frozen=True)
class ActionRefusal:
    """Why a staff action does not apply to an order now, as its service says it."""

    message: str
    code: str
    field: str | None = None


def transition_refusal(order: Order, *, to: str) -> ActionRefusal:
    """The refusal of a move ORDER_TRANSITIONS does not allow."""
    return ActionRefusal(
        _("An order that is %(old)s cannot become %(new)s.")
        % {"old": OrderStatus(order.status).label, "new": OrderStatus(to).label},
        code="invalid_transition",
        field="status",
    )


def action_refusal(order: Order, action: str) -> ActionRefusal | None:
    """Why staff may not take `action` (one of STAFF_ACTIONS) on `order` now;
    None when they may.

    The one place that decides it: the services raise this refusal (each as
    its own error type), the action screens show its message, and the order
    list and page offer only the actions it allows.
    """
    if action == "block_tickets" and order.tickets_blocked:
        return ActionRefusal(
            _("The tickets of this order are blocked already."), code="unchanged"
        )
    if action == "unblock_tickets" and not order.tickets_blocked:
        return ActionRefusal(
            _("The tickets of this order are not blocked."), code="unchanged"
        )
    if (
        action == "revive"
        and order.status == OrderStatus.CANCELED
        and order.declined_at is None
    ):
        return ActionRefusal(
            _(
                "Only a declined application can be revived; this order was "
                "canceled, not declined."
            ),
            code="not_declined",
            field="status",
        )
    if order.status in STAFF_ACTION_STATUSES[action]:
        return None
    if action == "cancel":
        return transition_refusal(order, to=OrderStatus.CANCELED)
    message, code = {
        "approve": (
            _("Only orders awaiting approval can be approved."),
            "invalid_transition",
        ),
        "decline": (
            _("Only orders awaiting approval can be declined."),
            "invalid_transition",
        ),
        "admit_before_payment": (
            _("Only an unpaid order can be admitted before payment."),
            "invalid_status",
        ),
        "extend_hold": (
            _("Only an order pending payment has a hold to extend."),
            "invalid_status",
        ),
        "revive": (
            _("Only an expired order or a declined application can be revived."),
            "invalid_transition",
        ),
        "resend": (
            _("A canceled or expired order has no e-mails to send again."),
            "nothing_to_resend",
        ),
        "block_tickets": (
            _("A canceled order's tickets are refused at the door already."),
            "invalid_status",
        ),
        "mark_paid": (_("Only unpaid orders can be marked paid."), "not_payable"),
        "edit_attendee": (
            _("This order is canceled or expired; its attendees cannot change."),
            "edit_closed",
        ),
        "transfer": (
            _("This order is canceled or expired; its tickets cannot be transferred."),
            "order_closed",
        ),
        "change": (
            _("This order is canceled or expired; it cannot change."),
            "order_closed",
        ),
    }[action]
    # Revival answers the API with a 409 naming the field at fault.
    return ActionRefusal(
        message, code=code, field="status" if action == "revive" else None
    )


def allowed_actions(order: Order) -> list[str]:
    """The staff actions that apply to `order` now, in STAFF_ACTIONS order."""
    return [action for action in STAFF_ACTIONS if action_refusal(order, action) is None]


def set_admit_before_payment(order: Order, *, allowed: bool, by) -> Order:
    """Let a trusted organisation's unpaid order get tickets, badges and entry.

    Only unpaid, uncanceled orders (ADMITTABLE_UNPAID) change, either way: for
    any other the flag admits no one. The change is logged.
    """
    if refusal := action_refusal(order, "admit_before_payment"):
        raise OrderError(refusal.message, code=refusal.code)
    order.admit_before_payment = allowed
    order.save(update_fields=["admit_before_payment", "updated_at"])
    log_activity(
        order,
        action="order.admit_before_payment",
        actor=by,
        event=order.event,
        data={"allowed": allowed},
    )
    return order


def set_tickets_blocked(order: Order, *, blocked: bool, by, reason: str = "") -> Order:
    """Stop (or again allow) the door admitting this order's tickets.

    For a disputed payment or a fraud: every scan of the order's badges is
    refused with `blocked` (offline devices learn it at their next sync). The
    order's status and money stay as they are. Raises OrderError `required`
    (blocking needs a reason), `unchanged`, or `invalid_status` (a canceled
    order's tickets are refused already); logged as `order.tickets_blocked`
    or `order.tickets_unblocked` with the reason.
    """
    reason = reason.strip()
    if blocked and not reason:
        raise OrderError(
            _("Give a reason for blocking the tickets."),
            code="required",
            field="reason",
        )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        action = "block_tickets" if blocked else "unblock_tickets"
        if refusal := action_refusal(locked, action):
            raise OrderError(refusal.message, code=refusal.code)
        locked.tickets_blocked = blocked
        locked.save(update_fields=["tickets_blocked", "updated_at"])
        log_activity(
            locked,
            action="order.tickets_blocked" if blocked else "order.tickets_unblocked",
            actor=by,
            event=order.event,
            data={"reason": reason},
        )
    order.tickets_blocked = blocked
    return order


def order_admits_attendees(order: Order) -> bool:
    """Paid, or unpaid and admitted before payment by staff: tickets, badges, door."""
    return order.status == OrderStatus.PAID or (
        order.admit_before_payment and order.status in ADMITTABLE_UNPAID
    )


def admitted_orders_q(prefix: str = "order__") -> Q:
    """`order_admits_attendees` as a query filter on rows related to an order."""
    return Q(**{f"{prefix}status": OrderStatus.PAID}) | Q(
        **{
            f"{prefix}status__in": list(ADMITTABLE_UNPAID),
            f"{prefix}admit_before_payment": True,
        }
    )
