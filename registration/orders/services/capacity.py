"""Capacity under locks: the event, ticket type, extra and voucher rows locked in one
fixed order, and the seats left.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.conf import settings
from django.db import OperationalError, connection
from django.utils.translation import gettext as _

from registration.catalogue.selectors import get_seats_for_sale, seat_holding
from registration.errors import (
    SoldOut,
)
from registration.models import (
    Attendee,
    AttendeeExtra,
    Event,
    Extra,
    TicketType,
    Voucher,
)

# PostgreSQL: lock_not_available, deadlock_detected.
LOCK_SQLSTATES = {"55P03", "40P01"}


def is_lock_timeout(exc: OperationalError) -> bool:
    """True for a lock wait that ran out (PostgreSQL) or a busy SQLite database."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in LOCK_SQLSTATES:
        return True
    return "database is locked" in str(exc)


def lock_capacity(
    event: Event,
    *,
    ticket_type_ids: set[int],
    extra_ids: set[int],
    voucher_id: int | None,
) -> list[TicketType]:
    """Take the capacity locks in the one fixed order: event, ticket types, extras, voucher.

    Call inside `transaction.atomic()`. Returns all the event's ticket types,
    read under the lock, for `check_capacity`. On PostgreSQL the event row and
    every ticket type of the event are locked (a superset of `ticket_type_ids`,
    which costs nothing as the event row already serialises placements), the
    involved extras and the voucher, ordered by primary key; a lock not granted
    within LOCK_TIMEOUT_SECONDS raises OperationalError (turned into `Busy` by
    the callers). On SQLite the IMMEDIATE transaction already holds the write lock.
    """
    if connection.vendor != "postgresql":
        return list(event.ticket_types.all())
    seconds = int(settings.LOCK_TIMEOUT_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{seconds}s'")
    list(Event.objects.select_for_update().filter(pk=event.pk).values_list("pk"))
    ticket_types = list(
        TicketType.objects.select_for_update().filter(event=event).order_by("pk")
    )
    if extra_ids:
        list(
            Extra.objects.select_for_update()
            .filter(pk__in=extra_ids)
            .order_by("pk")
            .values_list("pk")
        )
    if voucher_id is not None:
        list(
            Voucher.objects.select_for_update().filter(pk=voucher_id).values_list("pk")
        )
    return ticket_types


def check_capacity(
    event: Event,
    *,
    ticket_type_counts: Counter,
    extra_counts: Counter,
    voucher: Voucher | None,
    voucher_uses: int,
    now: datetime,
    exclude_offer_id: int | None = None,
    exclude_order_id: int | None = None,
    ticket_types: list[TicketType] | None = None,
    event_seats_wanted: int | None = None,
) -> None:
    """Refuse with SoldOut when the seats asked for are not free at `now`.

    Call under `lock_capacity`. `exclude_order_id` leaves out an order's own
    seats (a late payment re-checking its expired hold never counts itself,
    since expired orders hold nothing; kept for clarity of intent).
    `event_seats_wanted` replaces the count toward the event's capacity that
    `ticket_type_counts` gives: a change of a placed order asks for its net
    count (an attendee moved between two counted ticket types takes none).
    """
    if ticket_types is None:
        ticket_types = list(event.ticket_types.all())
    by_pk = {tt.pk: tt for tt in ticket_types}
    # Extras are counted one by one below; no need for all of the event's.
    seats = get_seats_for_sale(
        event,
        ticket_types=ticket_types,
        extras=[],
        now=now,
        exclude_offer_id=exclude_offer_id,
    )
    for pk, count in sorted(ticket_type_counts.items()):
        ticket_type = by_pk[pk]
        if ticket_type.capacity is not None:
            left = max(ticket_type.capacity - seats.held_by_ticket_type.get(pk, 0), 0)
            if count > left:
                raise _sold_out(ticket_type.name, left)
    if event.capacity is not None:
        wanted = event_seats_wanted
        if wanted is None:
            wanted = sum(
                count
                for pk, count in ticket_type_counts.items()
                if by_pk[pk].counts_toward_event_capacity
            )
        if wanted and wanted > (seats.event_remaining or 0):
            raise _sold_out(event.name, seats.event_remaining or 0)
    if extra_counts:
        extras = {extra.pk: extra for extra in event.extras.filter(pk__in=extra_counts)}
        for pk, count in sorted(extra_counts.items()):
            extra = extras[pk]
            if extra.capacity is None:
                continue
            held = (
                AttendeeExtra.objects.filter(
                    seat_holding(now, prefix="attendee__order__"), extra=extra
                )
                .exclude(attendee__order_id=exclude_order_id)
                .count()
            )
            left = max(extra.capacity - held, 0)
            if count > left:
                raise _sold_out(extra.name, left)
    if voucher is not None and voucher.max_uses is not None and voucher_uses:
        used = (
            Attendee.objects.filter(seat_holding(now), voucher=voucher)
            .exclude(order_id=exclude_order_id)
            .count()
        )
        if used + voucher_uses > voucher.max_uses:
            raise SoldOut(_("This voucher has been used up."), field="voucher_code")


def _sold_out(name: str, left: int) -> SoldOut:
    if left == 0:
        message = _("%(name)s is sold out.") % {"name": name}
    else:
        message = _("Only %(n)s places are left for %(name)s.") % {
            "n": left,
            "name": name,
        }
    error = SoldOut(message, field="attendees")
    error.available = left
    return error
