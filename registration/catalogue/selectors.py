"""What is on sale: availability, seats for sale, an event's offer and catalogue.

Availability follows DESIGN.md: an attendee holds a seat while its order is
paid, or pending with `expires_at` still in the future, computed at the moment
of the read, so an overdue hold frees its seat before the expiry job runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.db.models import (
    Count,
    Q,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registration.models import (
    Attendee,
    AttendeeExtra,
    Event,
    Extra,
    OrderStatus,
    TicketType,
)


def seat_holding(now: datetime, prefix: str = "order__") -> Q:
    """Rows whose order holds seats at `now`: paid, or pending and unexpired."""
    return Q(**{f"{prefix}status": OrderStatus.PAID}) | Q(
        **{f"{prefix}status": OrderStatus.PENDING, f"{prefix}expires_at__gt": now}
    )


def _remaining(capacity: int | None, held: int) -> int | None:
    return None if capacity is None else max(capacity - held, 0)


@dataclass(frozen=True)
class Availability:
    """Seats left at one moment; None means no limit."""

    event_held: int
    event_remaining: int | None
    ticket_types: dict[int, int | None] = field(default_factory=dict)
    extras: dict[int, int | None] = field(default_factory=dict)
    held_by_ticket_type: dict[int, int] = field(default_factory=dict)
    held_by_extra: dict[int, int] = field(default_factory=dict)

    def for_ticket_type(self, ticket_type: TicketType) -> int | None:
        return self.ticket_types.get(ticket_type.pk)

    def for_extra(self, extra: Extra) -> int | None:
        return self.extras.get(extra.pk)


def get_availability(
    event: Event,
    *,
    ticket_types: list[TicketType] | None = None,
    extras: list[Extra] | None = None,
    now: datetime | None = None,
) -> Availability:
    """Seats left for the event, each ticket type and each extra (three queries at most).

    A ticket type that counts toward the event's capacity is limited by both
    its own capacity and what is left of the event's.
    """
    now = now or timezone.now()
    if ticket_types is None:
        ticket_types = list(event.ticket_types.all())
    if extras is None:
        extras = list(event.extras.all())

    held_by_ticket_type = dict(
        Attendee.objects.filter(seat_holding(now), order__event=event)
        .values_list("ticket_type")
        .annotate(held=Count("pk"))
        .order_by()
    )
    counting = {tt.pk for tt in ticket_types if tt.counts_toward_event_capacity}
    event_held = sum(n for pk, n in held_by_ticket_type.items() if pk in counting)
    event_remaining = _remaining(event.capacity, event_held)

    remaining_by_ticket_type: dict[int, int | None] = {}
    for ticket_type in ticket_types:
        own = _remaining(
            ticket_type.capacity, held_by_ticket_type.get(ticket_type.pk, 0)
        )
        if ticket_type.counts_toward_event_capacity and event_remaining is not None:
            own = event_remaining if own is None else min(own, event_remaining)
        remaining_by_ticket_type[ticket_type.pk] = own

    held_by_extra: dict[int, int] = {}
    if any(extra.capacity is not None for extra in extras):
        held_by_extra = dict(
            AttendeeExtra.objects.filter(
                seat_holding(now, prefix="attendee__order__"),
                attendee__order__event=event,
            )
            .values_list("extra")
            .annotate(held=Count("pk"))
            .order_by()
        )
    remaining_by_extra = {
        extra.pk: _remaining(extra.capacity, held_by_extra.get(extra.pk, 0))
        for extra in extras
    }
    return Availability(
        event_held=event_held,
        event_remaining=event_remaining,
        ticket_types=remaining_by_ticket_type,
        extras=remaining_by_extra,
        held_by_ticket_type=held_by_ticket_type,
        held_by_extra=held_by_extra,
    )


class SalesState(StrEnum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    SOLD_OUT = "sold_out"


@dataclass(frozen=True)
class TicketOffer:
    """One row of an event page's ticket table."""

    ticket_type: TicketType
    remaining: int | None
    state: SalesState

    @property
    def on_sale(self) -> bool:
        return self.state == SalesState.OPEN


@dataclass(frozen=True)
class EventSales:
    """What an event page shows: the ticket table and whether one may register."""

    event: Event
    state: SalesState
    offers: list[TicketOffer]
    extras: list[tuple[Extra, int | None]]
    availability: Availability

    @property
    def can_register(self) -> bool:
        return self.state == SalesState.OPEN

    @property
    def reason(self) -> str:
        """Why registration is not possible, in words, or an empty string."""
        if self.state == SalesState.NOT_YET_OPEN:
            return _("Registration has not opened yet.")
        if self.state == SalesState.CLOSED:
            return _("Registration is closed.")
        if self.state == SalesState.SOLD_OUT:
            return _("Sold out.")
        return ""


def _window_state(
    now: datetime, opens: datetime | None, closes: datetime | None
) -> SalesState:
    if opens and now < opens:
        return SalesState.NOT_YET_OPEN
    if closes and now >= closes:
        return SalesState.CLOSED
    return SalesState.OPEN


def get_event_sales(event: Event, *, now: datetime | None = None) -> EventSales:
    """The public ticket table: visible ticket types with price, seats left and state.

    Ticket types hidden unless a voucher unlocks them are left out; members-only
    types are listed (a member code unlocks them at checkout).
    """
    now = now or timezone.now()
    ticket_types = list(event.ticket_types.all())
    extras = list(event.extras.all())
    availability = get_availability(
        event, ticket_types=ticket_types, extras=extras, now=now
    )
    event_state = _window_state(
        now, event.registration_opens_at, event.registration_closes_at
    )

    offers = []
    for ticket_type in ticket_types:
        if ticket_type.hidden_unless_voucher:
            continue
        remaining = availability.for_ticket_type(ticket_type)
        state = event_state
        if state == SalesState.OPEN:
            state = _window_state(
                now, ticket_type.available_from, ticket_type.available_until
            )
        if state == SalesState.OPEN and remaining == 0:
            state = SalesState.SOLD_OUT
        offers.append(TicketOffer(ticket_type, remaining, state))

    if event_state != SalesState.OPEN:
        state = event_state
    elif any(offer.on_sale for offer in offers):
        state = SalesState.OPEN
    elif not offers and ticket_types:
        # Only voucher-unlocked types (an invited-speakers event): open to code holders.
        state = SalesState.OPEN
    elif (
        offers
        and all(
            offer.state in {SalesState.SOLD_OUT, SalesState.CLOSED} for offer in offers
        )
        and any(offer.state == SalesState.SOLD_OUT for offer in offers)
    ):
        state = SalesState.SOLD_OUT
    elif any(offer.state == SalesState.NOT_YET_OPEN for offer in offers):
        state = SalesState.NOT_YET_OPEN
    else:
        state = SalesState.CLOSED
    return EventSales(
        event=event,
        state=state,
        offers=offers,
        extras=[(extra, availability.for_extra(extra)) for extra in extras],
        availability=availability,
    )


def get_offered_places(
    event: Event, *, now: datetime | None = None, exclude_entry_id: int | None = None
) -> dict[int, int]:
    """Seats reserved by open waiting-list offers, by ticket type id.

    Those seats are free in `get_availability` but only the person offered
    them may buy them until the offer runs out.
    """

    from registration.models import WaitingListEntry, WaitingListStatus

    now = now or timezone.now()
    offers = WaitingListEntry.objects.filter(
        event=event, status=WaitingListStatus.OFFERED, offer_expires_at__gt=now
    )
    if exclude_entry_id is not None:
        offers = offers.exclude(pk=exclude_entry_id)
    return dict(
        offers.values_list("ticket_type").annotate(places=Sum("quantity")).order_by()
    )


def get_seats_for_sale(
    event: Event,
    *,
    ticket_types: list[TicketType] | None = None,
    extras: list[Extra] | None = None,
    now: datetime | None = None,
    exclude_offer_id: int | None = None,
) -> Availability:
    """Like `get_availability`, less the seats held for waiting-list offers.

    What placement checks under its locks and what the API shows as seats left.
    """
    now = now or timezone.now()
    if ticket_types is None:
        ticket_types = list(event.ticket_types.all())
    availability = get_availability(
        event, ticket_types=ticket_types, extras=extras, now=now
    )
    offered = get_offered_places(event, now=now, exclude_entry_id=exclude_offer_id)
    if not offered:
        return availability
    counting = {tt.pk for tt in ticket_types if tt.counts_toward_event_capacity}
    event_held = availability.event_held + sum(
        n for pk, n in offered.items() if pk in counting
    )
    event_remaining = _remaining(event.capacity, event_held)
    held_by_ticket_type = dict(availability.held_by_ticket_type)
    for pk, n in offered.items():
        held_by_ticket_type[pk] = held_by_ticket_type.get(pk, 0) + n
    remaining_by_ticket_type: dict[int, int | None] = {}
    for ticket_type in ticket_types:
        own = _remaining(
            ticket_type.capacity, held_by_ticket_type.get(ticket_type.pk, 0)
        )
        if ticket_type.counts_toward_event_capacity and event_remaining is not None:
            own = event_remaining if own is None else min(own, event_remaining)
        remaining_by_ticket_type[ticket_type.pk] = own
    return Availability(
        event_held=event_held,
        event_remaining=event_remaining,
        ticket_types=remaining_by_ticket_type,
        extras=availability.extras,
        held_by_ticket_type=held_by_ticket_type,
        held_by_extra=availability.held_by_extra,
    )


@dataclass(frozen=True)
class CatalogueItem:
    """A ticket type or extra with its seats left for sale and its sales state."""

    item: TicketType | Extra
    remaining: int | None
    state: SalesState


def get_event_catalogue(
    event: Event, *, now: datetime | None = None
) -> tuple[list[CatalogueItem], list[CatalogueItem], Availability]:
    """Every ticket type (hidden ones too) and extra with seats left, for staff and the API.

    Seats left exclude places held for waiting-list offers (`get_seats_for_sale`).
    """
    now = now or timezone.now()
    ticket_types = list(event.ticket_types.all())
    extras = list(event.extras.all())
    seats = get_seats_for_sale(event, ticket_types=ticket_types, extras=extras, now=now)
    event_state = _window_state(
        now, event.registration_opens_at, event.registration_closes_at
    )

    def state_of(item, remaining):
        state = event_state
        if state == SalesState.OPEN:
            state = _window_state(now, item.available_from, item.available_until)
        if state == SalesState.OPEN and remaining == 0:
            state = SalesState.SOLD_OUT
        return state

    tickets = [
        CatalogueItem(
            tt, seats.for_ticket_type(tt), state_of(tt, seats.for_ticket_type(tt))
        )
        for tt in ticket_types
    ]
    extra_items = [
        CatalogueItem(
            extra, seats.for_extra(extra), state_of(extra, seats.for_extra(extra))
        )
        for extra in extras
    ]
    return tickets, extra_items, seats
