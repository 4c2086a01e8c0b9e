"""Payments: card payments through Stripe Checkout, Stripe's webhooks, refunds,
invoices with credit notes, receipts and reconciliation (DESIGN flow 2,
invariants 2-4 and 8).

Money state changes only on what Stripe says when asked: an event is stored
once by its id, then the Checkout Session, PaymentIntent or refund list is
fetched again from Stripe and applied under row locks, so an event that comes
twice, two deliveries at the same moment, or events out of order change
nothing twice. Order statuses move only through orders/services/statuses.py.

Stripe is called outside every capacity lock. A refund is written as a
pending Refund row first and sent to Stripe after the commit with the row's
own idempotency key; a call whose outcome is unknown leaves the row pending
and `retry_pending_refunds` (periodic loop) sends it again with the same key.

The parts: rules.py, amounts.py, checkout.py, webhooks.py, refunds.py, invoices.py, settlement.py, reconciliation.py, documents.py. Everything
other code uses is importable from here.
"""

from registration.payments.services.amounts import (
    MoneySummary,
    refundable_amount,
    summarize_order_money,
)
from registration.payments.services.checkout import start_card_payment
from registration.payments.services.documents import (
    render_credit_note_pdf,
    render_invoice_pdf,
    render_receipt_pdf,
)
from registration.payments.services.invoices import (
    BillingData,
    buyer_billing,
    check_billing,
    credited_amount,
    invoice_placed_order,
    mark_paid_by_transfer,
    request_invoice,
    send_invoice_reminders,
)
from registration.payments.services.reconciliation import (
    ReconcileResult,
    reconcile_stripe_events,
    run_payment_jobs,
)
from registration.payments.services.refunds import (
    CREDITED_REFUND_ORIGINS,
    cancel_order_with_refund,
    cancellation_fee,
    mark_refund_sent,
    refund_order,
    retry_pending_refunds,
    submit_refund,
)
from registration.payments.services.rules import (
    CHECKOUT_SESSION_LIFETIME,
    DISPUTE_EVENTS,
    HANDLED_EVENT_TYPES,
    INVOICE_REMINDER_AFTER,
    INVOICE_REMINDER_BEFORE,
    MAX_LINE_ITEMS,
    REFUND_EVENTS,
    REFUND_RETRY_AFTER,
    SESSION_EVENTS,
    PaymentError,
    PaymentInvalid,
    can_pay_by_card,
    card_payment_refusal,
    card_payments_disabled_reason,
    card_payments_enabled,
    check_status_move,
    logger,
    offered_payment_methods,
)
from registration.payments.services.settlement import (
    Settlement,
    balance_due,
    balance_payment_refusal,
    net_received,
    plan_settlement,
    settle_order_change,
)
from registration.payments.services.webhooks import process_stripe_event

__all__ = [
    "CHECKOUT_SESSION_LIFETIME",
    "CREDITED_REFUND_ORIGINS",
    "DISPUTE_EVENTS",
    "HANDLED_EVENT_TYPES",
    "INVOICE_REMINDER_AFTER",
    "INVOICE_REMINDER_BEFORE",
    "MAX_LINE_ITEMS",
    "REFUND_EVENTS",
    "REFUND_RETRY_AFTER",
    "SESSION_EVENTS",
    "BillingData",
    "MoneySummary",
    "PaymentError",
    "PaymentInvalid",
    "ReconcileResult",
    "Settlement",
    "balance_due",
    "balance_payment_refusal",
    "buyer_billing",
    "can_pay_by_card",
    "cancel_order_with_refund",
    "cancellation_fee",
    "card_payment_refusal",
    "card_payments_disabled_reason",
    "card_payments_enabled",
    "check_billing",
    "check_status_move",
    "credited_amount",
    "invoice_placed_order",
    "logger",
    "mark_paid_by_transfer",
    "mark_refund_sent",
    "net_received",
    "offered_payment_methods",
    "plan_settlement",
    "process_stripe_event",
    "reconcile_stripe_events",
    "refund_order",
    "refundable_amount",
    "render_credit_note_pdf",
    "render_invoice_pdf",
    "render_receipt_pdf",
    "request_invoice",
    "retry_pending_refunds",
    "run_payment_jobs",
    "send_invoice_reminders",
    "settle_order_change",
    "start_card_payment",
    "submit_refund",
    "summarize_order_money",
]
