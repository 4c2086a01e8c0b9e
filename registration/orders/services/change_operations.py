"""The operations of a change of a placed order, applied one by one to the
attendees' states: what each checks, and the lines it adds (change_plans.py
runs them and prices the result).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registration.catalogue.services import pricing
from registration.errors import OrderError
from registration.models import (
    Attendee,
    Extra,
    Order,
    OrderStatus,
    Question,
    TicketType,
)
from registration.money import format_money, round_money
from registration.orders.services.requests import (
    MAX_ATTENDEES_PER_ORDER,
    AttendeeData,
    YouthData,
)
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


def person_of(attendee: Attendee | None, data: AttendeeData | None = None) -> str:
    if attendee is not None:
        return attendee.badge_name or attendee.given_name
    name = f"{data.given_name} {data.family_name}".strip() if data else ""
    return (data.badge_name if data else "") or name


@dataclass
class ChangeContext:
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
                new="",
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
        if left > MAX_ATTENDEES_PER_ORDER:
            self.errors.append(
                OrderError(
                    _("An order has at most %(n)s attendees.")
                    % {"n": MAX_ATTENDEES_PER_ORDER},
                    code="too_many_attendees",
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
