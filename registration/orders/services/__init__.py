"""Orders: placement under capacity locks, and the one writer of order statuses.

Placement validates everything it can before taking any lock, then, inside
one transaction, locks the event, its ticket types, extras and the voucher in
that fixed order (PostgreSQL row locks with a 3 s lock timeout; on SQLite the
IMMEDIATE transaction already serialises writers), recomputes availability
and writes the order. A lock not granted in time is `Busy`, never a 500.

The parts, each importing only those above it: requests (what a buyer asks
for), validation, capacity (locks and seats left), placement, actions (what may
happen to an order in which status), statuses (the one writer of statuses),
lifecycle (paid, canceled, expired), edits (review, attendee details and
answers, and the one self-service cut-off), transfers (a ticket given to
another person), staff_actions and revival (an expired or declined order
pending again), change_operations, change_plans and changes (what a placed
order bought, changed under the capacity locks). This module re-exports what other packages import, so callers
say `from registration.orders.services import place_order`.
"""

from registration.errors import (
    OrderInvalid,
)
from registration.models import (
    ORDER_TRANSITIONS,
)
from registration.orders.services.actions import (
    ADMITTABLE_UNPAID,
    REVIVABLE_STATUSES,
    STAFF_ACTION_STATUSES,
    STAFF_ACTIONS,
    ActionRefusal,
    action_refusal,
    admitted_orders_q,
    allowed_actions,
    order_admits_attendees,
    set_admit_before_payment,
    set_tickets_blocked,
    transition_refusal,
)
from registration.orders.services.capacity import (
    LOCK_SQLSTATES,
    check_capacity,
    is_lock_timeout,
    lock_capacity,
)
from registration.orders.services.change_operations import (
    OPERATIONS,
    SELF_SERVICE_OPERATIONS,
    ChangeLine,
)
from registration.orders.services.change_plans import (
    ChangePlan,
    self_service_needs_payment,
    stored_lines,
)
from registration.orders.services.changes import (
    apply_change,
    apply_paid_change,
    fail_paid_change,
    preview_change,
    record_change_awaiting_payment,
)
from registration.orders.services.edits import (
    EDITABLE_ATTENDEE_FIELDS,
    OrderPreview,
    asked_questions,
    attendee_edit_deadline,
    can_edit_attendees,
    change_refusal,
    preview_order,
    self_service_refusal,
    update_answers,
    update_attendee,
)
from registration.orders.services.lifecycle import (
    EXPIRY_WARNING_BEFORE,
    can_buyer_cancel,
    cancel_order,
    expire_orders,
    mark_order_paid,
    send_expiry_warnings,
)
from registration.orders.services.placement import (
    CARD_HOLD,
    place_order,
)
from registration.orders.services.requests import (
    ATTENDEE_TEXT_FIELDS,
    BUYER_COLUMNS,
    MAX_ATTENDEES_PER_ORDER,
    YOUTH_TEXT_FIELDS,
    AttendeeData,
    BuyerData,
    YouthData,
    badge_name_of,
)
from registration.orders.services.revival import (
    revive_order,
)
from registration.orders.services.staff_actions import (
    extend_order_hold,
    resend_order_emails,
)
from registration.orders.services.statuses import (
    approve_order,
    decline_order,
    transition_order,
)
from registration.orders.services.transfers import (
    TRANSFER_FIELDS,
    TransferData,
    is_checked_in,
    needs_youth_details,
    transfer_ticket,
)
from registration.orders.services.validation import (
    _pk,
    parse_date_safe,
)

__all__ = [
    "ADMITTABLE_UNPAID",
    "ATTENDEE_TEXT_FIELDS",
    "BUYER_COLUMNS",
    "CARD_HOLD",
    "EDITABLE_ATTENDEE_FIELDS",
    "EXPIRY_WARNING_BEFORE",
    "LOCK_SQLSTATES",
    "MAX_ATTENDEES_PER_ORDER",
    "OPERATIONS",
    "ORDER_TRANSITIONS",
    "REVIVABLE_STATUSES",
    "SELF_SERVICE_OPERATIONS",
    "STAFF_ACTIONS",
    "STAFF_ACTION_STATUSES",
    "TRANSFER_FIELDS",
    "YOUTH_TEXT_FIELDS",
    "ActionRefusal",
    "AttendeeData",
    "BuyerData",
    "ChangeLine",
    "ChangePlan",
    "OrderInvalid",
    "OrderPreview",
    "TransferData",
    "YouthData",
    "_pk",
    "action_refusal",
    "admitted_orders_q",
    "allowed_actions",
    "apply_change",
    "apply_paid_change",
    "approve_order",
    "asked_questions",
    "attendee_edit_deadline",
    "badge_name_of",
    "can_buyer_cancel",
    "can_edit_attendees",
    "cancel_order",
    "change_refusal",
    "check_capacity",
    "decline_order",
    "expire_orders",
    "extend_order_hold",
    "fail_paid_change",
    "is_checked_in",
    "is_lock_timeout",
    "lock_capacity",
    "mark_order_paid",
    "needs_youth_details",
    "order_admits_attendees",
    "parse_date_safe",
    "place_order",
    "preview_change",
    "preview_order",
    "record_change_awaiting_payment",
    "resend_order_emails",
    "revive_order",
    "self_service_needs_payment",
    "self_service_refusal",
    "send_expiry_warnings",
    "set_admit_before_payment",
    "set_tickets_blocked",
    "stored_lines",
    "transfer_ticket",
    "transition_order",
    "transition_refusal",
    "update_answers",
    "update_attendee",
]
