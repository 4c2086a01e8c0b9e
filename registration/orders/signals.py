"""Signals the orders package sends, for reactions that live in other packages
(which orders must not import).

`order_placed` is sent by `services.place_order` inside the placement
transaction, once the order and its attendees, extras, answers and youth
details are written, before the commit. Keyword arguments:

- `order`: the new Order;
- `billing`: what the caller passed to place_order as `billing` (the
  addressee of the invoice, a payments.services.BillingData), or None;
- `invoice`: False when the caller invoices the order itself later (a
  delegation's combined invoice), True otherwise;
- `by`: the user who placed it, or None; `now`: the placement's time.

A receiver runs in the same transaction: what it writes commits with the
order, and an error it raises undoes the placement and reaches the caller.
Receivers: payments/receivers.py (the invoice of an invoice order).

`order_changed` is sent by `services.changes` inside the transaction that
applies a change of a placed order (OrderChange), after the attendees and the
order's new total are written. Keyword arguments: `order` (locked, with its
new total), `change` (the OrderChange), `by`, `now`. Receivers:
payments/receivers.py (the money: a refund of what was overpaid, a credit
note and a new invoice, the payment link of a balance).
"""

from django.dispatch import Signal

order_placed = Signal()
order_changed = Signal()
