"""Prices: list and member prices, vouchers, sale windows. Pure reads, no writes.

Money is `Decimal`; `registration.money.round_money` is the only rounding,
applied per line (each ticket, each extra) so that line items add up to the
total. A member code sets the base price of ticket types that have a member
price; a voucher then applies to that base price for the ticket types in its
scope. Extras are sold at their own price.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from registration.errors import OrderError
from registration.models import (
    Event,
    Extra,
    MemberOrganisation,
    TicketType,
    Voucher,
    VoucherKind,
)
from registration.money import round_money

ZERO = Decimal("0")


@dataclass(frozen=True)
class PricedAttendee:
    """One attendee's ticket and extras at the prices they will pay."""

    ticket_type: TicketType
    list_price: Decimal
    price: Decimal
    voucher_applied: bool
    extras: tuple[tuple[Extra, Decimal], ...] = ()

    @property
    def total(self) -> Decimal:
        return self.price + sum((price for _extra, price in self.extras), ZERO)


@dataclass(frozen=True)
class Quote:
    """What an order costs: one entry per attendee, in the event's currency."""

    currency: str
    attendees: list[PricedAttendee]
    voucher: Voucher | None = None
    member_organisation: MemberOrganisation | None = None
    total: Decimal = field(init=False)

    def __post_init__(self):
        object.__setattr__(
            self, "total", sum((line.total for line in self.attendees), ZERO)
        )

    @property
    def voucher_uses(self) -> int:
        return sum(1 for line in self.attendees if line.voucher_applied)


def find_voucher(event: Event, code: str, *, now: datetime) -> Voucher:
    """The event's voucher with this code (any case), valid at `now`."""
    code = (code or "").strip()
    voucher = (
        Voucher.objects.filter(event=event, code__iexact=code)
        .prefetch_related("ticket_types")
        .first()
    )
    if voucher is None:
        raise OrderError(
            _("This voucher code is not known for this event."),
            code="voucher_unknown",
            field="voucher_code",
        )
    if voucher.valid_from and now < voucher.valid_from:
        raise OrderError(
            _("This voucher is not valid yet."),
            code="voucher_not_yet_valid",
            field="voucher_code",
        )
    if voucher.valid_until and now >= voucher.valid_until:
        raise OrderError(
            _("This voucher has expired."), code="voucher_expired", field="voucher_code"
        )
    return voucher


def find_member_organisation(
    event: Event, code: str, *, now: datetime
) -> MemberOrganisation:
    """The active member organisation with this member code, valid for the event."""
    code = (code or "").strip()
    member = (
        MemberOrganisation.objects.filter(code__iexact=code, is_active=True)
        .filter(Q(events=event) | Q(events__isnull=True))
        .first()
    )
    if member is None:
        raise OrderError(
            _("This member code is not known."),
            code="member_code_unknown",
            field="member_code",
        )
    if member.valid_until and now >= member.valid_until:
        raise OrderError(
            _("This membership has expired."),
            code="member_code_expired",
            field="member_code",
        )
    return member


def voucher_scope(voucher: Voucher) -> set[int]:
    """Ticket type ids the voucher is limited to; empty means all of the event's."""
    return {ticket_type.pk for ticket_type in voucher.ticket_types.all()}


def voucher_applies_to(voucher: Voucher, ticket_type: TicketType) -> bool:
    scope = voucher_scope(voucher)
    return not scope or ticket_type.pk in scope


def is_ticket_type_visible(ticket_type: TicketType, *, voucher: Voucher | None) -> bool:
    """Hidden ticket types are sold only with a voucher that unlocks them."""
    if not ticket_type.hidden_unless_voucher:
        return True
    return bool(
        voucher
        and voucher.unlocks_hidden_tickets
        and voucher_applies_to(voucher, ticket_type)
    )


def discounted_price(price: Decimal, voucher: Voucher, currency: str) -> Decimal:
    """The price after the voucher: never below zero, rounded once."""
    if voucher.kind == VoucherKind.PERCENT:
        new_price = price * (Decimal(100) - voucher.value) / Decimal(100)
    elif voucher.kind == VoucherKind.FIXED:
        new_price = price - voucher.value
    else:
        new_price = voucher.value
    return round_money(max(new_price, ZERO), currency)


def base_price(
    ticket_type: TicketType, *, member: MemberOrganisation | None
) -> Decimal:
    if member is not None and ticket_type.member_price is not None:
        return ticket_type.member_price
    return ticket_type.price


def sale_window_error(
    item: TicketType | Extra, *, event: Event, now: datetime
) -> str | None:
    """`not_on_sale_yet`, `no_longer_on_sale` or None for a ticket type or extra."""
    opens = item.available_from or event.registration_opens_at
    closes = item.available_until or event.registration_closes_at
    if opens and now < opens:
        return "not_on_sale_yet"
    if closes and now >= closes:
        return "no_longer_on_sale"
    return None


def quote_order(
    event: Event,
    *,
    attendees: list[tuple[TicketType, list[Extra]]],
    voucher: Voucher | None = None,
    member: MemberOrganisation | None = None,
) -> Quote:
    """Price each attendee's ticket and extras; the total is the sum of rounded lines."""
    currency = event.currency
    priced = []
    for ticket_type, extras in attendees:
        list_price = round_money(base_price(ticket_type, member=member), currency)
        price = list_price
        applied = voucher is not None and voucher_applies_to(voucher, ticket_type)
        if applied:
            price = discounted_price(list_price, voucher, currency)
        priced.append(
            PricedAttendee(
                ticket_type=ticket_type,
                list_price=list_price,
                price=price,
                voucher_applied=applied,
                extras=tuple(
                    (extra, round_money(extra.price, currency)) for extra in extras
                ),
            )
        )
    return Quote(
        currency=currency, attendees=priced, voucher=voucher, member_organisation=member
    )
