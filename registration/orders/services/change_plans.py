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
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registration.catalogue.services import pricing
from registration.errors import OrderError, OrderInvalid
from registration.models import (
    LIVE_ORDER_STATUSES,
    Attendee,
    Extra,
    Order,
    OrderStatus,
    PaymentMethod,
    Question,
    TicketType,
)
from registration.money import format_money, round_money
from registration.orders.services.actions import action_refusal
from registration.orders.services.edits import self_service_refusal
from registration.orders.services.requests import AttendeeData, YouthData
from registration.orders.services.transfers import is_checked_in
from registration.orders.services.validation import _pk, _resolve_attendees

OPERATIONS = (
    "add_attendee",
    "cancel_attendee",
    "change_ticket_type",
    "add_extra",
    "remove_extra",
    "set_price",
)
SELF_SERVICE_OPERATIONS = frozenset({"add_extra"})
# How each kind of ChangeLine is named in previews, e-mails and the log.
CHANGE_LABELS = {
    "add_attendee": gettext_lazy("Attendee added"),
    "cancel_attendee": gettext_lazy("Attendee canceled"),
    "ticket_type": gettext_lazy("Ticket type"),
    "add_extra": gettext_lazy("Extra added"),
    "remove_extra": gettext_lazy("Extra removed"),
    "price": gettext_lazy("Ticket price"),
}
# Sale windows bind buyers; staff may sell after they close.
SALE_WINDOW_CODES = frozenset({"not_on_sale_yet", "no_longer_on_sale"})
ATTENDEE_FIELDS = (
    "given_name",
    "family_name",
    "badge_name",
    "badge_name_latin",
    "email",
    "language",
    "organisation",
    "city",
    "country",
)


@dataclass
class AttendeeState:
    """One attendee as the change leaves them (None `attendee`: added now)."""

    attendee: Attendee | None
    ticket_type: TicketType
    price: Decimal
    extras: dict[int, tuple[Extra, Decimal]]
    voucher_id: int | None = None
    data: AttendeeData | None = None
    answers: dict[Question, str] = field(default_factory=dict)
    youth: YouthData | None = None
    # Whether an operation touched this attendee (they are told).
    changed: bool = False
    added: bool = False

    @property
    def total(self) -> Decimal:
        return self.price + sum(
            (price for _e, price in self.extras.values()), Decimal(0)
        )


@dataclass(frozen=True)
class ChangeLine:
    """One thing that changes, for the preview, the log and the e-mails."""

    person: str
    what: str
    old: str
    new: str
    amount: Decimal
    attendee_id: int | None = None

    @property
    def label(self) -> str:
        return str(CHANGE_LABELS[self.what])

    def as_dict(self) -> dict:
        return {
            "person": self.person,
            "what": self.what,
            "old": self.old,
            "new": self.new,
            "amount": str(self.amount),
            "attendee": self.attendee_id,
        }


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
    context = _Context(order=order, as_staff=as_staff, now=now, states=states)
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
    return ChangePlan(
        order=order,
        operations=[dict(op) for op in operations],
        kept=kept,
        canceled=[a for a in attendees if a.pk in context.canceled],
        lines=context.lines,
        old_total=order.total,
        new_total=sum((state.total for state in kept), Decimal(0)),
        reason=reason.strip(),
    )


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


def person_of(attendee: Attendee | None, data: AttendeeData | None = None) -> str:
    if attendee is not None:
        return attendee.badge_name or attendee.given_name
    name = f"{data.given_name} {data.family_name}".strip() if data else ""
    return (data.badge_name if data else "") or name


@dataclass
class _Context:
    """The operations applied one by one to the attendees' states."""

    order: Order
    as_staff: bool
    now: datetime
    states: dict[int, AttendeeState]
    errors: list[OrderError] = field(default_factory=list)
    lines: list[ChangeLine] = field(default_factory=list)
    canceled: set[int] = field(default_factory=set)
    added: list[AttendeeState] = field(default_factory=list)
    price_set: bool = False

    @property
    def event(self):
        return self.order.event

    @property
    def currency(self) -> str:
        return self.order.currency

    def error(self, index: int, name: str, message: str, code: str = "invalid") -> None:
        self.errors.append(
            OrderError(message, code=code, field=f"operations.{index}.{name}")
        )

    def apply(self, index: int, operation: dict) -> None:
        op = operation.get("op")
        if op not in OPERATIONS:
            self.error(
                index, "op", _("Choose a change this order allows."), "invalid_choice"
            )
            return
        if not self.as_staff and op not in SELF_SERVICE_OPERATIONS:
            self.error(index, "op", _("Only staff can make this change."), "staff_only")
            return
        if op == "add_attendee":
            self._add_attendee(index, operation)
            return
        state = self._attendee(index, operation)
        if state is None:
            return
        errors_before = len(self.errors)
        getattr(self, f"_{op}")(index, operation, state)
        if len(self.errors) == errors_before:
            state.changed = True

    def _attendee(self, index: int, operation: dict) -> AttendeeState | None:
        state = self.states.get(_pk(operation.get("attendee")))
        if state is None or state.attendee.pk in self.canceled:
            self.error(
                index,
                "attendee",
                _("Choose an attendee of this order."),
                "invalid_choice",
            )
            return None
        return state

    def _cancel_attendee(
        self, index: int, operation: dict, state: AttendeeState
    ) -> None:
        attendee = state.attendee
        if is_checked_in(attendee):
            self.error(
                index,
                "attendee",
                _(
                    "%(name)s has been admitted at the door; their registration cannot be canceled."
                )
                % {"name": person_of(attendee)},
                "checked_in",
            )
            return
        self.canceled.add(attendee.pk)
        self.lines.append(
            ChangeLine(
                person=person_of(attendee),
                attendee_id=attendee.pk,
                what="cancel_attendee",
                old=state.ticket_type.name,
                new=_("Canceled"),
                amount=-state.total,
            )
        )

    def _change_ticket_type(
        self, index: int, operation: dict, state: AttendeeState
    ) -> None:
        ticket_type = self.event.ticket_types.filter(
            pk=_pk(operation.get("ticket_type"))
        ).first()
        if ticket_type is None:
            self.error(
                index,
                "ticket_type",
                _("Choose a ticket type of this event."),
                "invalid_choice",
            )
            return
        if ticket_type.pk == state.ticket_type.pk:
            self.error(
                index,
                "ticket_type",
                _("This is the attendee's ticket type already."),
                "unchanged",
            )
            return
        if ticket_type.asks_youth_details != state.ticket_type.asks_youth_details:
            self.error(
                index,
                "ticket_type",
                _(
                    "A youth ticket can only change to another youth ticket, and "
                    "an adult ticket to another adult ticket."
                ),
                "youth_mismatch",
            )
            return
        voucher = state.attendee.voucher if state.voucher_id else None
        quote = pricing.quote_order(
            self.event,
            attendees=[(ticket_type, [])],
            voucher=voucher,
            member=self.order.member_organisation,
        )
        line = quote.attendees[0]
        old_price = state.price
        self.lines.append(
            ChangeLine(
                person=person_of(state.attendee),
                attendee_id=state.attendee.pk,
                what="ticket_type",
                old=state.ticket_type.name,
                new=ticket_type.name,
                amount=line.price - old_price,
            )
        )
        state.ticket_type = ticket_type
        state.price = line.price
        state.voucher_id = voucher.pk if voucher and line.voucher_applied else None

    def _extra(self, index: int, operation: dict) -> Extra | None:
        extra = self.event.extras.filter(pk=_pk(operation.get("extra"))).first()
        if extra is None:
            self.error(
                index, "extra", _("Choose an extra of this event."), "invalid_choice"
            )
        return extra

    def _add_extra(self, index: int, operation: dict, state: AttendeeState) -> None:
        extra = self._extra(index, operation)
        if extra is None:
            return
        if extra.pk in state.extras:
            self.error(
                index,
                "extra",
                _("%(name)s has %(extra)s already.")
                % {"name": person_of(state.attendee), "extra": extra.name},
                "unchanged",
            )
            return
        window = pricing.sale_window_error(extra, event=self.event, now=self.now)
        if window and not self.as_staff:
            self.error(
                index,
                "extra",
                _("%(extra)s is not on sale now.") % {"extra": extra.name},
                window,
            )
            return
        price = round_money(extra.price, self.currency)
        state.extras[extra.pk] = (extra, price)
        self.lines.append(
            ChangeLine(
                person=person_of(state.attendee),
                attendee_id=state.attendee.pk,
                what="add_extra",
                old="",
                new=extra.name,
                amount=price,
            )
        )

    def _remove_extra(self, index: int, operation: dict, state: AttendeeState) -> None:
        extra = self._extra(index, operation)
        if extra is None:
            return
        if extra.pk not in state.extras:
            self.error(
                index,
                "extra",
                _("%(name)s does not have %(extra)s.")
                % {"name": person_of(state.attendee), "extra": extra.name},
                "unchanged",
            )
            return
        _extra, price = state.extras.pop(extra.pk)
        self.lines.append(
            ChangeLine(
                person=person_of(state.attendee),
                attendee_id=state.attendee.pk,
                what="remove_extra",
                old=extra.name,
                new="",
                amount=-price,
            )
        )

    def _price(self, index: int, value) -> Decimal | None:
        try:
            price = round_money(Decimal(str(value).strip()), self.currency)
        except (InvalidOperation, ValueError):
            self.error(index, "price", _("Enter an amount such as 120.00."))
            return None
        if price < 0 or price > Decimal("99999999"):
            self.error(index, "price", _("Enter an amount of zero or more."))
            return None
        return price

    def _set_price(self, index: int, operation: dict, state: AttendeeState) -> None:
        price = self._price(index, operation.get("price", ""))
        if price is None:
            return
        self.price_set = True
        self.lines.append(
            ChangeLine(
                person=person_of(state.attendee),
                attendee_id=state.attendee.pk,
                what="price",
                old=format_money(state.price, self.currency),
                new=format_money(price, self.currency),
                amount=price - state.price,
            )
        )
        state.price = price

    def _add_attendee(self, index: int, operation: dict) -> None:
        raw = (
            operation.get("attendee")
            if isinstance(operation.get("attendee"), dict)
            else {}
        )
        data = attendee_data_of(raw)
        errors: list[OrderError] = []
        resolved, answers, youth = _resolve_attendees(
            self.event,
            [data],
            voucher=self.order.voucher,
            member=self.order.member_organisation,
            now=self.now,
            errors=errors,
        )
        for error in errors:
            if error.code in SALE_WINDOW_CODES:
                continue  # staff only make this operation
            # `attendees.0.given_name` → `operations.3.attendee.given_name`
            name = (error.field or "").removeprefix("attendees.0.")
            error.field = f"operations.{index}.attendee.{name}"
            self.errors.append(error)
        if not resolved or any(e.code not in SALE_WINDOW_CODES for e in errors):
            return
        ticket_type, extras = resolved[0]
        line = pricing.quote_order(
            self.event,
            attendees=[(ticket_type, extras)],
            member=self.order.member_organisation,
        ).attendees[0]
        price = line.price
        if operation.get("price") not in (None, ""):
            price = self._price(index, operation["price"])
            if price is None:
                return
            self.price_set = self.price_set or price != line.price
        state = AttendeeState(
            attendee=None,
            ticket_type=ticket_type,
            price=price,
            extras={
                extra.pk: (extra, extra_price) for extra, extra_price in line.extras
            },
            data=data,
            answers=answers[0],
            youth=youth[0],
            changed=True,
            added=True,
        )
        self.added.append(state)
        self.lines.append(
            ChangeLine(
                person=person_of(None, data),
                what="add_attendee",
                old="",
                new=ticket_type.name,
                amount=state.total,
            )
        )

    def check_result(self) -> None:
        if self.errors:
            return
        left = len(self.states) - len(self.canceled) + len(self.added)
        if left == 0:
            self.errors.append(
                OrderError(
                    _(
                        "An order keeps at least one attendee; cancel the whole order instead."
                    ),
                    code="last_attendee",
                    field="operations",
                )
            )
        if self.order.status == OrderStatus.AWAITING_APPROVAL and self.added:
            self.errors.append(
                OrderError(
                    _("Approve or decline the application before adding attendees."),
                    code="awaiting_approval",
                    field="operations",
                )
            )


def attendee_data_of(raw: dict) -> AttendeeData:
    """An AttendeeData from the fields of an `add_attendee` operation."""
    youth = raw.get("youth")
    return AttendeeData(
        ticket_type=raw.get("ticket_type"),
        extras=list(raw.get("extras") or []),
        answers=dict(raw.get("answers") or {}),
        youth=YouthData(
            **{
                k: youth.get(k) or ""
                for k in (
                    "date_of_birth",
                    "guardian_name",
                    "guardian_email",
                    "guardian_phone",
                )
            }
        )
        if isinstance(youth, dict)
        else None,
        **{name: str(raw.get(name) or "") for name in ATTENDEE_FIELDS},
    )


def self_service_needs_payment(order: Order, plan: ChangePlan) -> bool:
    """A buyer's change of a paid card order that costs more is paid first, by
    card, and applied when the payment arrives; every other change at once."""
    return (
        order.status == OrderStatus.PAID
        and order.payment_method in {PaymentMethod.CARD, PaymentMethod.FREE}
        and plan.difference > 0
    )


def live_order(order: Order) -> bool:
    return order.status in LIVE_ORDER_STATUSES


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
