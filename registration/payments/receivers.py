"""Payments' reactions to other packages' signals (imported at start-up by
registration/apps.py, SELF_REGISTERING_MODULES)."""

from registration.orders.signals import order_changed, order_placed
from registration.payments import services


def issue_invoice_of_placed_order(
    sender, *, order, billing, invoice, by, now, **kwargs
):
    """An order placed to be paid by invoice gets its invoice in the same
    transaction, whichever way it was placed (web checkout, API, delegation)."""
    if invoice:
        services.invoice_placed_order(order, billing=billing, by=by, now=now)


order_placed.connect(
    issue_invoice_of_placed_order, dispatch_uid="payments.invoice_placed_order"
)


def settle_changed_order(sender, *, order, change, by, now, **kwargs):
    """A change of a placed order: the refund, new invoice or balance it leaves."""
    services.settle_order_change(order, change=change, by=by, now=now)


order_changed.connect(settle_changed_order, dispatch_uid="payments.settle_order_change")
