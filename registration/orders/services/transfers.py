"""Transferring a ticket to another person after the order is placed.

The attendee row stays (its ticket type, extras, price, order and delegation
are what was sold); the person on it changes. The new holder gets a new QR
secret at once, so the old holder's ticket, QR code and attendee page stop
working in the same commit; the door, which looks a ticket up by its current
secret under the attendee's row lock, then answers `unknown_ticket`.

Answers to the event's questions are kept: the new holder (or whoever made the
transfer) may change them afterwards (`update_answers`). Youth tickets start
their consent again: the old youth details and any guardian signature are
deleted, the new holder's date of birth and guardian are recorded, and the new
guardian is asked to sign; until then the ticket is not issued and the door
answers `consent_missing`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.columns import column_errors
from registration.consent.services import request_guardian_consent
from registration.errors import OrderError, OrderInvalid
from registration.models import (
    LIVE_ORDER_STATUSES,
    Attendee,
    Order,
    YouthDetails,
)
from registration.orders.selectors import checked_in
from registration.orders.services.edits import (
    EDITABLE_ATTENDEE_FIELDS,
    clean_attendee_details,
    raise_change_refusal,
)
from registration.orders.services.requests import (
    YOUTH_TEXT_FIELDS,
    AttendeeData,
    YouthData,
    _texts,
    badge_name_of,
)
from registration.orders.services.validation import _youth_details
from registration.outbox.services import enqueue_message
from registration.tokens import new_secret

# What the ActivityLog keeps of each holder: enough to say who had the ticket
# and to tell the old holder in their language; nothing from YouthDetails.
LOGGED_HOLDER_FIELDS = ("given_name", "family_name", "badge_name", "email", "language")


@dataclass
class TransferData:
    """The new holder of a ticket. E-mail is required (the ticket goes there);
    an empty language takes the order's; `youth` is needed for youth tickets."""

    given_name: str = ""
    family_name: str = ""
    badge_name: str = ""
    badge_name_latin: str = ""
    email: str = ""
    language: str = ""
    organisation: str = ""
    city: str = ""
    country: str = ""
    youth: YouthData | None = None


TRANSFER_FIELDS = tuple(f.name for f in fields(TransferData) if f.name != "youth")


def needs_youth_details(attendee: Attendee) -> bool:
    """True when a transfer of `attendee`'s ticket asks for date of birth and guardian."""
    return attendee.ticket_type.asks_youth_details


def is_checked_in(attendee: Attendee) -> bool:
    """True once any door of the event has admitted the attendee (`checked_in`)."""
    return Attendee.objects.filter(pk=attendee.pk).filter(checked_in()).exists()


def _checked_transfer(
    attendee: Attendee, to: TransferData
) -> tuple[dict[str, str], YouthData | None]:
    """The new holder's details and youth data, checked as at placement."""
    values = {name: str(getattr(to, name) or "").strip() for name in TRANSFER_FIELDS}
    values["language"] = values["language"] or attendee.order.language
    errors: list[OrderError] = []
    try:
        values = clean_attendee_details(values, email_required=True)
    except OrderInvalid as exc:
        errors += exc.errors
    youth = None
    if needs_youth_details(attendee):
        if to.youth is not None:
            errors += column_errors(
                OrderError,
                YouthDetails,
                _texts(to.youth, YOUTH_TEXT_FIELDS),
                prefix="youth.",
            )
        youth = _youth_details(
            AttendeeData(ticket_type=attendee.ticket_type, youth=to.youth),
            attendee.ticket_type,
            event=attendee.order.event,
            path="",
            errors=errors,
        )
    if errors:
        raise OrderInvalid(errors)
    values["badge_name"] = badge_name_of(
        values["badge_name"], values["given_name"], values["family_name"]
    )
    return values, youth


def transfer_ticket(
    attendee: Attendee,
    *,
    to: TransferData,
    by=None,
    as_staff: bool = False,
    now: datetime | None = None,
) -> Attendee:
    """Give `attendee`'s ticket to another person: new details and a new QR secret.

    Buyers, attendees and delegation leaders transfer until the self-service
    cut-off; staff (`as_staff`) while the order is live. Refused with OrderError
    `edit_closed` / `order_closed` (see `change_refusal`), `checked_in` (a door
    admitted the holder already; decided under the attendee's row lock, so a
    scan and a transfer of one ticket never both succeed), or OrderInvalid
    naming each bad field (`given_name`, `email`, `youth.date_of_birth`, ...).

    Side effects, in one transaction: the attendee's details and secret change;
    for youth tickets the old YouthDetails (with any signature) are replaced by
    the new holder's and the new guardian is sent the consent request; the
    ActivityLog entry `ticket.transferred` names the old and new holder (never
    youth details); outbox e-mails `email.ticket_transferred` (the new holder,
    with the ticket when it may be issued) and `email.ticket_transfer_notice`
    (the old holder, when they had an address), each in its reader's language.
    """
    now = now or timezone.now()
    raise_change_refusal(attendee.order, action="transfer", as_staff=as_staff, now=now)
    values, youth = _checked_transfer(attendee, to)
    with transaction.atomic():
        locked = (
            Attendee.objects.select_for_update()
            .select_related("ticket_type")
            .get(pk=attendee.pk)
        )
        order = Order.objects.select_related("event").get(pk=locked.order_id)
        if order.status not in LIVE_ORDER_STATUSES:
            raise_change_refusal(order, action="transfer", as_staff=as_staff, now=now)
        if is_checked_in(locked):
            raise OrderError(
                _(
                    "%(name)s has already been admitted at the door; the ticket "
                    "can no longer be transferred."
                )
                % {"name": locked.badge_name},
                code="checked_in",
            )
        old = {name: getattr(locked, name) for name in LOGGED_HOLDER_FIELDS}
        for name in EDITABLE_ATTENDEE_FIELDS:
            setattr(locked, name, values[name])
        locked.secret = new_secret()
        locked.save(update_fields=[*EDITABLE_ATTENDEE_FIELDS, "secret"])
        superseded = _replace_youth(locked, youth, now=now)
        entry = log_activity(
            locked,
            action="ticket.transferred",
            actor=by,
            event=order.event,
            data={
                "old": old,
                "new": {name: getattr(locked, name) for name in LOGGED_HOLDER_FIELDS},
                "as_staff": as_staff,
                "consent_superseded": superseded,
            },
        )
        enqueue_message(
            "email.ticket_transferred",
            payload={"attendee": locked.pk, "entry": entry.pk},
            key=f"ticket_transferred:{entry.pk}",
        )
        if old["email"]:
            enqueue_message(
                "email.ticket_transfer_notice",
                payload={"attendee": locked.pk, "entry": entry.pk},
                key=f"ticket_transfer_notice:{entry.pk}",
            )
    for name in [*EDITABLE_ATTENDEE_FIELDS, "secret"]:
        setattr(attendee, name, getattr(locked, name))
    attendee._state.fields_cache.pop("youth", None)
    return attendee


def _replace_youth(
    attendee: Attendee, youth: YouthData | None, *, now: datetime
) -> bool:
    """The new holder's youth details in place of the old ones; True when a
    guardian's signature was dropped. The new guardian is asked to sign."""
    old = YouthDetails.objects.filter(attendee=attendee).first()
    superseded = old is not None and old.is_consent_signed
    if old is not None:
        # With it go the signature and the old guardian's consent link; pending
        # reminders for it find nothing to send.
        old.delete()
    if youth is None:
        return superseded
    details = YouthDetails.objects.create(
        attendee=attendee,
        date_of_birth=youth.date_of_birth,
        guardian_name=youth.guardian_name.strip(),
        guardian_email=youth.guardian_email.strip(),
        guardian_phone=youth.guardian_phone.strip(),
    )
    if attendee.ticket_type.requires_guardian_consent:
        request_guardian_consent(details, now=now)
    return superseded
