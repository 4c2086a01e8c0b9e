"""Changing a placed order: staff edits and extras bought later, applied under
the same capacity locks as placement, recorded as an OrderChange and announced
with `signals.order_changed` (payments/receivers.py settles the money).

What a change may ask for, and its checks, are change_plans.py's. Here:

- `preview_change`: the plan without writing (the lines and the new total);
- `apply_change`: lock (event, ticket types, extras, then the order), plan
  again on the locked order, check the seats the change adds, write, log;
- `record_change_awaiting_payment` / `apply_paid_change`: a buyer's change
  of a paid card order that costs more waits for its card payment and is
  applied, checked again under the locks, when the payment succeeds.

Canceling one attendee moves them to a canceled order of their own
(`Order.split_from`), so every rule that reads order statuses leaves them out.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.catalogue.services.pricing import PricedAttendee, Quote
from registration.consent.services import request_guardian_consent
from registration.errors import Busy, OrderError, PriceChanged
from registration.models import (
    Attendee,
    AttendeeExtra,
    Order,
    OrderChange,
    OrderChangeStatus,
    OrderStatus,
)
from registration.money import format_money
from registration.orders.services.actions import order_admits_attendees
from registration.orders.services.capacity import (
    check_capacity,
    is_lock_timeout,
    lock_capacity,
)
from registration.orders.services.change_plans import (
    ChangePlan,
    plan_change,
)
from registration.orders.services.placement import _create_attendee_rows, _new_code
from registration.orders.services.requests import BuyerData, _Plan
from registration.orders.services.statuses import transition_order
from registration.orders.signals import order_changed
from registration.outbox.services import enqueue_message


def preview_change(
    order: Order,
    operations: list[dict],
    *,
    as_staff: bool,
    reason: str = "",
    now: datetime | None = None,
) -> ChangePlan:
    """What `operations` would change and cost, without writing (the preview).

    Raises what `plan_change` raises; the seats are checked only when applied.
    """
    order = Order.objects.select_related("event", "member_organisation", "voucher").get(
        pk=order.pk
    )
    return plan_change(
        order, operations, as_staff=as_staff, reason=reason, now=now or timezone.now()
    )


def apply_change(
    order: Order,
    operations: list[dict],
    *,
    by,
    as_staff: bool,
    reason: str = "",
    refund_difference: bool = True,
    expected_total: Decimal | None = None,
    now: datetime | None = None,
) -> OrderChange:
    """Apply a change of a placed order at once and record it.

    Raises OrderInvalid / OrderError (`plan_change`), PriceChanged when the new
    total is not `expected_total` (what the preview showed), SoldOut when a
    seat or extra it adds is gone, Busy on a lock timeout. The money is
    settled in the same transaction by `signals.order_changed`'s receiver:
    `refund_difference` False keeps what the buyer overpaid for staff to decide.
    """
    now = now or timezone.now()
    return _under_locks(
        order,
        lambda locked: _apply_planned(
            plan_change(locked, operations, as_staff=as_staff, reason=reason, now=now),
            by=by,
            as_staff=as_staff,
            refund_difference=refund_difference,
            expected_total=expected_total,
            now=now,
        ),
    )


def record_change_awaiting_payment(
    order: Order, operations: list[dict], *, by, now: datetime | None = None
) -> OrderChange:
    """A buyer's change that is paid first: checked and recorded, not applied.

    The payments service starts a card payment for its difference; when it
    succeeds, `apply_paid_change` applies it.
    """
    now = now or timezone.now()
    plan = preview_change(order, operations, as_staff=False, now=now)
    return OrderChange.objects.create(
        order=order,
        status=OrderChangeStatus.AWAITING_PAYMENT,
        operations=plan.operations,
        lines=[line.as_dict() for line in plan.lines],
        old_total=plan.old_total,
        new_total=plan.new_total,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )


def apply_paid_change(
    change: OrderChange, *, now: datetime | None = None
) -> OrderChange:
    """Apply a change whose card payment succeeded; inside the caller's transaction.

    Checked again under the locks: the seats, and that the order still costs
    what was paid for. Raises SoldOut or OrderError (the payments service then
    refunds the payment and marks the change failed with `fail_paid_change`).
    The cut-off does not apply any more: the buyer paid before it.
    """
    now = now or timezone.now()

    def apply(locked: Order) -> OrderChange:
        plan = plan_change(locked, change.operations, as_staff=True, now=now)
        if plan.difference != change.difference:
            raise OrderError(
                _("The order changed while the payment was made."), code="order_changed"
            )
        return _apply_planned(
            plan,
            by=change.created_by,
            as_staff=False,
            refund_difference=False,
            expected_total=None,
            now=now,
            record=change,
        )

    return _under_locks(change.order, apply)


def fail_paid_change(change: OrderChange, *, problem: str) -> None:
    """A change waiting for its payment will not be applied (refused, or its
    payment not completed); an applied one stays as it is."""
    OrderChange.objects.filter(
        pk=change.pk, status=OrderChangeStatus.AWAITING_PAYMENT
    ).update(status=OrderChangeStatus.FAILED, problem=problem[:2000])


def _under_locks(order: Order, then):
    """Run `then(locked_order)` holding the capacity locks and then the order's row."""
    event = order.event
    try:
        with transaction.atomic():
            lock_capacity(
                event,
                ticket_type_ids=set(),
                extra_ids=set(event.extras.values_list("pk", flat=True)),
                voucher_id=None,
            )
            # Only the order's own row: PostgreSQL cannot lock the nullable
            # side of the outer joins, and the event is locked already.
            locked = (
                Order.objects.select_for_update(of=("self",))
                .select_related("event", "member_organisation", "voucher")
                .get(pk=order.pk)
            )
            return then(locked)
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise Busy(_("The system is busy; please try again.")) from exc
        raise


def _apply_planned(
    plan: ChangePlan,
    *,
    by,
    as_staff: bool,
    refund_difference: bool,
    expected_total: Decimal | None,
    now: datetime,
    record: OrderChange | None = None,
) -> OrderChange:
    order = plan.order
    if expected_total is not None and Decimal(expected_total) != plan.new_total:
        raise PriceChanged(
            _("The new total is now %(total)s; please confirm it.")
            % {"total": format_money(plan.new_total, order.currency)},
            total=plan.new_total,
            expected=Decimal(expected_total),
        )
    if order.holds_seats:
        _check_added_seats(plan, now=now)
    split = _write_change(plan, now=now)
    change = _record(
        plan, by=by, as_staff=as_staff, refund=refund_difference, now=now, record=record
    )
    log_activity(
        order,
        action="order.changed",
        actor=by,
        event=order.event,
        data={
            "change": change.pk,
            "lines": change.lines,
            "old_total": str(plan.old_total),
            "new_total": str(plan.new_total),
            "reason": plan.reason,
            "split_off": [o.code for o in split],
        },
    )
    order_changed.send(sender=Order, order=order, change=change, by=by, now=now)
    _settle_status(order, by=by)
    _queue_change_mail(change, plan, split)
    return change


def _check_added_seats(plan: ChangePlan, *, now: datetime) -> None:
    ticket_types, extras, event_seats = plan.seats_wanted()
    check_capacity(
        plan.order.event,
        ticket_type_counts=ticket_types,
        extra_counts=extras,
        voucher=None,
        voucher_uses=0,
        now=now,
        event_seats_wanted=max(event_seats, 0),
    )


def _write_change(plan: ChangePlan, *, now: datetime) -> list[Order]:
    """Write the attendees as the plan leaves them; the split-off orders."""
    order = plan.order
    for state in plan.kept:
        attendee = state.attendee
        if attendee is None:
            continue
        Attendee.objects.filter(pk=attendee.pk).update(
            ticket_type=state.ticket_type,
            price=state.price,
            voucher_id=state.voucher_id,
        )
        kept_extras = set(state.extras)
        AttendeeExtra.objects.filter(attendee=attendee).exclude(
            extra_id__in=kept_extras
        ).delete()
        have = set(
            AttendeeExtra.objects.filter(attendee=attendee).values_list(
                "extra_id", flat=True
            )
        )
        AttendeeExtra.objects.bulk_create(
            AttendeeExtra(attendee=attendee, extra=extra, price=price)
            for pk, (extra, price) in state.extras.items()
            if pk not in have
        )
    _add_attendees(plan, now=now)
    split = [_split_off(order, attendee, now=now) for attendee in plan.canceled]
    order.total = plan.new_total
    order.save(update_fields=["total", "updated_at"])
    return split


def _add_attendees(plan: ChangePlan, *, now: datetime) -> None:
    added = plan.added
    if not added:
        return
    order = plan.order
    quote = Quote(
        currency=order.currency,
        attendees=[
            PricedAttendee(
                ticket_type=state.ticket_type,
                list_price=state.price,
                price=state.price,
                voucher_applied=False,
                extras=tuple(state.extras.values()),
            )
            for state in added
        ],
    )
    rows_plan = _Plan(
        quote=quote,
        attendees=[state.data for state in added],
        answers=[state.answers for state in added],
        youth=[state.youth for state in added],
        status=order.status,
        payment_method=order.payment_method,
        voucher=None,
        member=order.member_organisation,
        offer=None,
    )
    created, _extras, _answers, youth_rows = _create_attendee_rows(
        order,
        plan=rows_plan,
        buyer=BuyerData(name="", email="", language=order.language),
    )
    for state, attendee in zip(added, created, strict=True):
        state.attendee = attendee
    for youth in youth_rows:
        if youth.attendee.ticket_type.requires_guardian_consent:
            request_guardian_consent(youth, now=now)


def _split_off(order: Order, attendee: Attendee, *, now: datetime) -> Order:
    """Move a canceled attendee to a canceled order of their own, split off `order`.

    Created canceled (no status move: it never held anything apart from its
    parent); it keeps the attendee's price as its total, as a canceled order does.
    """
    total = attendee.price + sum(
        (row.price for row in AttendeeExtra.objects.filter(attendee=attendee)),
        Decimal(0),
    )
    split = Order.objects.create(
        event=order.event,
        code=_new_code(),
        status=OrderStatus.CANCELED,
        split_from=order,
        buyer_name=order.buyer_name,
        buyer_email=order.buyer_email,
        buyer_organisation=order.buyer_organisation,
        buyer_phone=order.buyer_phone,
        buyer_address=order.buyer_address,
        buyer_tax_id=order.buyer_tax_id,
        language=order.language,
        payment_method=order.payment_method,
        member_organisation=order.member_organisation,
        total=total,
        currency=order.currency,
    )
    Attendee.objects.filter(pk=attendee.pk).update(order=split)
    log_activity(
        split,
        action="order.split_off",
        event=order.event,
        data={"from": order.code, "attendee": attendee.pk},
    )
    return split


def _record(
    plan: ChangePlan, *, by, as_staff: bool, refund: bool, now: datetime, record
) -> OrderChange:
    values = {
        "status": OrderChangeStatus.APPLIED,
        "operations": _without_personal_data(plan.operations),
        "lines": _recorded_lines(plan),
        "reason": plan.reason,
        "old_total": plan.old_total,
        "new_total": plan.new_total,
        "refund_difference": refund,
        "by_staff": as_staff,
        "applied_at": now,
    }
    if record is not None:
        OrderChange.objects.filter(pk=record.pk).update(**values)
        record.refresh_from_db()
        return record
    return OrderChange.objects.create(
        order=plan.order,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        **values,
    )


def _without_personal_data(operations: list[dict]) -> list[dict]:
    """An applied change keeps which ticket type a new attendee took, not who
    they are: their details live on the attendee row, which erasure reaches."""
    return [
        {**op, "attendee": {"ticket_type": op["attendee"].get("ticket_type")}}
        if op.get("op") == "add_attendee" and isinstance(op.get("attendee"), dict)
        else op
        for op in operations
    ]


def _recorded_lines(plan: ChangePlan) -> list[dict]:
    """The lines, each naming its attendee's id (a new attendee's once written)."""
    added = iter(plan.added)
    lines = []
    for line in plan.lines:
        data = line.as_dict()
        if line.what == "add_attendee":
            data["attendee"] = next(added).attendee.pk
        lines.append(data)
    return lines


def _settle_status(order: Order, *, by) -> None:
    """A pending order left with nothing to pay is paid."""
    if order.status == OrderStatus.PENDING and order.total == 0:
        transition_order(
            order, to=OrderStatus.PAID, by=by, reason="nothing left to pay"
        )


def _queue_change_mail(
    change: OrderChange, plan: ChangePlan, split: list[Order]
) -> None:
    """The buyer hears what changed; each attendee affected, what changed for them."""
    enqueue_message(
        "email.order_changed",
        payload={"change": change.pk},
        key=f"order_changed:{change.pk}",
    )
    for state in plan.kept:
        if state.attendee is None or not state.changed:
            continue
        if state.added and order_admits_attendees(plan.order):
            # A new attendee gets their ticket as at placement.
            enqueue_message(
                "email.attendee_notice",
                payload={"attendee": state.attendee.pk},
                key=f"attendee_notice:{state.attendee.pk}",
            )
        elif not state.added:
            _queue_attendee_changed(change, state.attendee.pk)
    for attendee in plan.canceled:
        _queue_attendee_changed(change, attendee.pk)


def _queue_attendee_changed(change: OrderChange, attendee_id: int) -> None:
    enqueue_message(
        "email.attendee_changed",
        payload={"change": change.pk, "attendee": attendee_id},
        key=f"attendee_changed:{change.pk}:{attendee_id}",
    )
