"""Waiting lists: join when sold out; offer freed places in turn, for a limited time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.catalogue.selectors import get_seats_for_sale
from registration.catalogue.services import pricing
from registration.columns import column_errors
from registration.errors import OrderError, WaitingListError
from registration.models import (
    Event,
    TicketType,
    WaitingListEntry,
    WaitingListStatus,
)
from registration.orders.services import is_lock_timeout, lock_capacity
from registration.outbox.services import enqueue_message


def join_waiting_list(
    event: Event,
    *,
    ticket_type: TicketType,
    name: str,
    email: str,
    language: str = "en",
    quantity: int = 1,
    now: datetime | None = None,
) -> WaitingListEntry:
    """Put someone in line for a sold-out ticket type (once per e-mail address)."""
    now = now or timezone.now()
    if ticket_type.event_id != event.pk:
        raise WaitingListError(
            _("Choose a ticket type of this event."), field="ticket_type"
        )
    if not name.strip():
        raise WaitingListError(_("Enter your name."), code="required", field="name")
    try:
        validate_email(email.strip())
    except ValidationError as exc:
        raise WaitingListError(
            _("Enter a valid e-mail address."), code="invalid", field="email"
        ) from exc
    for error in column_errors(
        WaitingListError,
        WaitingListEntry,
        {"name": name.strip(), "email": email.strip()},
    ):
        raise error
    if not 1 <= quantity <= ticket_type.max_per_order:
        raise WaitingListError(
            _("Ask for between 1 and %(n)s places.") % {"n": ticket_type.max_per_order},
            code="invalid",
            field="quantity",
        )
    remaining = get_seats_for_sale(event, now=now).for_ticket_type(ticket_type)
    if remaining is None or remaining > 0:
        raise WaitingListError(
            _("%(ticket)s is not sold out; you can register now.")
            % {"ticket": ticket_type.name},
            code="not_sold_out",
            field="ticket_type",
        )
    existing = WaitingListEntry.objects.filter(
        ticket_type=ticket_type,
        email__iexact=email.strip(),
        status__in=[WaitingListStatus.WAITING, WaitingListStatus.OFFERED],
    ).first()
    if existing:
        return existing
    entry = WaitingListEntry.objects.create(
        event=event,
        ticket_type=ticket_type,
        name=name.strip(),
        email=email.strip(),
        language=language,
        quantity=quantity,
    )
    log_activity(
        entry, action="waiting_list.joined", event=event, data={"quantity": quantity}
    )
    return entry


def expire_waiting_list_offers(*, now: datetime | None = None) -> int:
    """Close offers whose time ran out, so the next in line can be offered the place."""
    now = now or timezone.now()
    return WaitingListEntry.objects.filter(
        status=WaitingListStatus.OFFERED, offer_expires_at__lte=now
    ).update(status=WaitingListStatus.EXPIRED)


def offer_waiting_list_places(*, now: datetime | None = None) -> int:
    """Offer freed seats to the people in line, first come first served; the count.

    Strict order per ticket type: when the next person wants more places than
    are free, nobody behind them is offered any. Each offer reserves its places
    until `offer_expires_at` (the event's offer hours) and sends the offer e-mail.
    """
    now = now or timezone.now()
    ticket_type_ids = (
        WaitingListEntry.objects.filter(status=WaitingListStatus.WAITING)
        .values_list("ticket_type", flat=True)
        .distinct()
        .order_by("ticket_type")
    )
    offered = 0
    for ticket_type in TicketType.objects.filter(
        pk__in=list(ticket_type_ids)
    ).select_related("event"):
        try:
            offered += _offer_for(ticket_type, now=now)
        except OperationalError as exc:
            if not is_lock_timeout(exc):
                raise
    return offered


def _offer_for(ticket_type: TicketType, *, now: datetime) -> int:
    event = ticket_type.event
    offered = 0
    with transaction.atomic():
        lock_capacity(
            event, ticket_type_ids={ticket_type.pk}, extra_ids=set(), voucher_id=None
        )
        free = get_seats_for_sale(event, now=now).for_ticket_type(ticket_type)
        waiting = WaitingListEntry.objects.filter(
            ticket_type=ticket_type, status=WaitingListStatus.WAITING
        ).order_by("created_at", "pk")
        for entry in waiting:
            if free is not None and entry.quantity > free:
                break
            entry.status = WaitingListStatus.OFFERED
            entry.offered_at = now
            entry.offer_expires_at = now + timedelta(
                hours=event.waiting_list_offer_hours
            )
            entry.save(update_fields=["status", "offered_at", "offer_expires_at"])
            enqueue_message(
                "email.waiting_list_offer",
                payload={"entry": entry.pk},
                key=f"waiting_list_offer:{entry.pk}",
            )
            log_activity(entry, action="waiting_list.offered", event=event)
            offered += 1
            if free is not None:
                free -= entry.quantity
    return offered


def find_offer(token: str, *, now: datetime | None = None) -> WaitingListEntry:
    """The open offer a reservation link is for, or WaitingListError."""
    now = now or timezone.now()
    entry = (
        WaitingListEntry.objects.select_related("event", "ticket_type")
        .filter(token=token or "")
        .first()
    )
    if entry is None:
        raise WaitingListError(_("This link is not valid."), code="unknown_token")
    if entry.status != WaitingListStatus.OFFERED or entry.offer_expires_at <= now:
        raise WaitingListError(
            _("This offer is no longer open."),
            code="offer_expired",
            field="waiting_list_token",
        )
    return entry


# --- Offers of ticket types sold only with a code -----------------------------------
#
# Anyone may join the waiting list of a members-only ticket type (the public
# table lists it), so an offer does not make its holder a member, nor unlock a
# voucher's hidden ticket type by itself: that would sell member prices and
# invitation-only places to whoever joined. The offer page asks for the code
# instead, checks it as checkout would, and carries it into the checkout
# with the reserved places.


def offer_code_needed(entry: WaitingListEntry) -> str:
    """What the offered ticket type needs at checkout: "voucher" (hidden unless a
    voucher unlocks it), "member" (members only) or ""."""
    if entry.ticket_type.hidden_unless_voucher:
        return "voucher"
    if entry.ticket_type.members_only:
        return "member"
    return ""


def check_offer_code(
    entry: WaitingListEntry, code: str, *, now: datetime | None = None
) -> tuple[str, str]:
    """(voucher code, member code) that let the offer be completed at checkout.

    Raises WaitingListError on the field `code`: `required`, the voucher's or
    member code's own reason (`voucher_unknown`, `member_code_expired`, ...),
    or `voucher_not_applicable` for a voucher that does not unlock the
    offered ticket type.
    """
    now = now or timezone.now()
    needed = offer_code_needed(entry)
    code = (code or "").strip()
    if not needed:
        return "", ""
    if not code:
        raise WaitingListError(
            _("Enter your voucher code.")
            if needed == "voucher"
            else _("Enter your member code."),
            code="required",
            field="code",
        )
    try:
        if needed == "voucher":
            voucher = pricing.find_voucher(entry.event, code, now=now)
        else:
            pricing.find_member_organisation(entry.event, code, now=now)
    except OrderError as exc:
        raise WaitingListError(exc.message, code=exc.code, field="code") from exc
    if needed == "member":
        return "", code
    if not pricing.is_ticket_type_visible(entry.ticket_type, voucher=voucher):
        raise WaitingListError(
            _("This voucher does not unlock %(ticket)s.")
            % {"ticket": entry.ticket_type.name},
            code="voucher_not_applicable",
            field="code",
        )
    return code, ""


# --- Staff actions from the admin ---------------------------------------


def offer_waiting_list_entry(
    entry: WaitingListEntry, *, by, now: datetime | None = None
) -> WaitingListEntry:
    """Staff offer the places to this person now, ahead of the line.

    The places must be free now (seats for sale, less other open offers);
    otherwise WaitingListError `not_enough_places`. Like the loop's offers, it
    reserves them until the event's offer hours run out and sends the offer
    e-mail. Logged as `waiting_list.offered` with the staff user.
    """
    now = now or timezone.now()
    if entry.status != WaitingListStatus.WAITING:
        raise WaitingListError(
            _("Only someone still waiting can be offered places."),
            code="invalid_status",
        )
    event = entry.event
    try:
        with transaction.atomic():
            lock_capacity(
                event,
                ticket_type_ids={entry.ticket_type_id},
                extra_ids=set(),
                voucher_id=None,
            )
            locked = WaitingListEntry.objects.select_for_update().get(pk=entry.pk)
            if locked.status != WaitingListStatus.WAITING:
                raise WaitingListError(
                    _("Only someone still waiting can be offered places."),
                    code="invalid_status",
                )
            free = get_seats_for_sale(event, now=now).for_ticket_type(entry.ticket_type)
            if free is not None and free < locked.quantity:
                raise WaitingListError(
                    _("Only %(free)s places of %(ticket)s are free now.")
                    % {"free": free, "ticket": entry.ticket_type.name},
                    code="not_enough_places",
                )
            locked.status = WaitingListStatus.OFFERED
            locked.offered_at = now
            locked.offer_expires_at = now + timedelta(
                hours=event.waiting_list_offer_hours
            )
            locked.save(update_fields=["status", "offered_at", "offer_expires_at"])
            enqueue_message(
                "email.waiting_list_offer",
                payload={"entry": locked.pk},
                key=f"waiting_list_offer:{locked.pk}",
            )
            log_activity(
                locked,
                action="waiting_list.offered",
                actor=by,
                event=event,
                data={"by_staff": True, "quantity": locked.quantity},
            )
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise WaitingListError(
                _("The system is busy; please try again."), code="busy"
            ) from exc
        raise
    entry.status = locked.status
    entry.offered_at = locked.offered_at
    entry.offer_expires_at = locked.offer_expires_at
    return entry


def cancel_waiting_list_entry(
    entry: WaitingListEntry, *, by, reason: str = ""
) -> WaitingListEntry:
    """Take someone off the waiting list (asked by them, or a duplicate).

    An open offer is withdrawn too, so its places go to the next in line at
    the loop's next round. Logged as `waiting_list.canceled` with the reason.
    """
    if entry.status not in {WaitingListStatus.WAITING, WaitingListStatus.OFFERED}:
        raise WaitingListError(
            _("Only a waiting or offered entry can be canceled."),
            code="invalid_status",
        )
    with transaction.atomic():
        updated = WaitingListEntry.objects.filter(
            pk=entry.pk,
            status__in=[WaitingListStatus.WAITING, WaitingListStatus.OFFERED],
        ).update(status=WaitingListStatus.CANCELED)
        if not updated:
            raise WaitingListError(
                _("Only a waiting or offered entry can be canceled."),
                code="invalid_status",
            )
        log_activity(
            entry,
            action="waiting_list.canceled",
            actor=by,
            event=entry.event,
            data={"from": entry.status, "reason": reason},
        )
    entry.status = WaitingListStatus.CANCELED
    return entry
