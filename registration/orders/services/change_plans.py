"""What a change of a placed order asks for, checked and priced, without writing.

A change is a list of operations on one order:

- `add_attendee` (`attendee`: the fields of an attendee at checkout; `price`
  optional, staff only),
- `cancel_attendee` (`attendee`: id),
- `change_ticket_type` (`attendee`, `ticket_type`),
- `add_extra` / `remove_extra` (`attendee`, `extra`),
- `set_price` (`attendee`, `price`: the ticket's new price; a reason is required).

Staff may make every operation; buyers only `add_extra` (extras bought later).
Each bad operation is an OrderError on `operations.<n>.<field>`, all at once.
The plan is computed again under the locks when the change is applied
(changes.py), so what was previewed is what is checked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from registration.errors import OrderError, OrderInvalid
from registration.models import Attendee, Order, OrderStatus, PaymentMethod
from registration.orders.services.actions import action_refusal
from registration.orders.services.change_operations import (
    AttendeeState,
    ChangeContext,
    ChangeLine,
)
from registration.orders.services.edits import self_service_refusal


@dataclass
class ChangePlan:
    order: Order
    operations: list[dict]
    kept: list[AttendeeState]
    canceled: list[Attendee]
    lines: list[ChangeLine]
    old_total: Decimal
    new_total: Decimal
    reason: str

    @property
    def difference(self) -> Decimal:
        return self.new_total - self.old_total

    @property
    def added(self) -> list[AttendeeState]:
        return [state for state in self.kept if state.added]

    def seats_wanted(self) -> tuple[Counter, Counter, int]:
        """Seats the change takes beyond the order's own: per ticket type, per
        extra, and toward the event's capacity (a net count, so a swap between
        two counted ticket types of a full event still passes)."""
        before = Counter(a.ticket_type_id for a in self.order_attendees())
        after = Counter(state.ticket_type.pk for state in self.kept)
        ticket_types = Counter(
            {
                pk: n - before.get(pk, 0)
                for pk, n in after.items()
                if n > before.get(pk, 0)
            }
        )
        extras_before = Counter(
            row.extra_id
            for a in self.order_attendees()
            for row in a.attendeeextra_set.all()
        )
        extras_after = Counter(pk for state in self.kept for pk in state.extras)
        extras = Counter(
            {
                pk: n - extras_before.get(pk, 0)
                for pk, n in extras_after.items()
                if n > extras_before.get(pk, 0)
            }
        )
        counted_before = sum(
            1
            for a in self.order_attendees()
            if a.ticket_type.counts_toward_event_capacity
        )
        counted_after = sum(
            1 for state in self.kept if state.ticket_type.counts_toward_event_capacity
        )
        return ticket_types, extras, counted_after - counted_before

    def order_attendees(self) -> list[Attendee]:
        return [state.attendee for state in self.kept if state.attendee] + self.canceled


def change_refusal_for(
    order: Order, *, as_staff: bool, now: datetime
) -> OrderError | None:
    """Why the order cannot be changed now: staff while it is live, buyers until
    the self-service cut-off."""
    if as_staff:
        refusal = action_refusal(order, "change")
    else:
        refusal = self_service_refusal(order, now=now)
    if refusal is None:
        return None
    return OrderError(refusal.message, code=refusal.code)


def plan_change(
    order: Order,
    operations: list[dict],
    *,
    as_staff: bool,
    reason: str = "",
    now: datetime,
) -> ChangePlan:
    """Check and price `operations` on `order` as it is now; raises OrderInvalid
    (each error on `operations.<n>.<field>` or `reason`) or OrderError (the
    order cannot change now: `order_closed`, `edit_closed`, `nothing_to_change`)."""
    if refusal := change_refusal_for(order, as_staff=as_staff, now=now):
        raise refusal
    if not operations:
        raise OrderError(_("Choose something to change."), code="nothing_to_change")
    attendees = list(
        order.attendees.select_related("ticket_type").prefetch_related(
            "attendeeextra_set__extra"
        )
    )
    states = {a.pk: _state_of(a) for a in attendees}
    context = ChangeContext(order=order, as_staff=as_staff, now=now, states=states)
    for index, operation in enumerate(operations):
        context.apply(index, operation if isinstance(operation, dict) else {})
    if context.price_set and not reason.strip():
        context.errors.append(
            OrderError(
                _("Give a reason for the new price."), code="required", field="reason"
            )
        )
    context.check_result()
    if context.errors:
        raise OrderInvalid(context.errors)
    kept = [
        states[a.pk] for a in attendees if a.pk not in context.canceled
    ] + context.added
    plan = ChangePlan(
        order=order,
        operations=[dict(op) for op in operations],
        kept=kept,
        canceled=[a for a in attendees if a.pk in context.canceled],
        lines=context.lines,
        old_total=order.total,
        new_total=sum((state.total for state in kept), Decimal(0)),
        reason=reason.strip(),
    )
    if plan.difference and order.delegation_invoices.exists():
        # The delegation's combined invoice would no longer match.
        raise OrderError(
            _(
                "This order is on its delegation's combined invoice; credit that "
                "invoice before changing what the order costs."
            ),
            code="delegation_invoice",
        )
    return plan


def _state_of(attendee: Attendee) -> AttendeeState:
    return AttendeeState(
        attendee=attendee,
        ticket_type=attendee.ticket_type,
        price=attendee.price,
        extras={
            row.extra_id: (row.extra, row.price)
            for row in attendee.attendeeextra_set.all()
        },
        voucher_id=attendee.voucher_id,
    )


def self_service_needs_payment(order: Order, plan: ChangePlan) -> bool:
    """A buyer's change of a paid card order that costs more is paid first, by
    card, and applied when the payment arrives; every other change at once."""
    return (
        order.status == OrderStatus.PAID
        and order.payment_method in {PaymentMethod.CARD, PaymentMethod.FREE}
        and plan.difference > 0
    )


def stored_lines(change) -> list[ChangeLine]:
    """The lines an OrderChange recorded, as ChangeLines (labels for e-mails, pages)."""
    return [
        ChangeLine(
            person=line["person"],
            what=line["what"],
            old=line["old"],
            new=line["new"],
            amount=Decimal(line["amount"]),
            attendee_id=line.get("attendee"),
        )
        for line in change.lines
    ]
