"""Tickets: one PDF per attendee with the QR code that admits them.

A ticket is issued only while it can be honoured at the door: the order is
paid (or staff admitted the attendee before payment) and, for youth tickets
that need it, the guardian has signed the consent form. The PDF is attached to
the confirmation e-mail and downloadable from the order page; both ask
`ticket_refusal` first.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from registration.audit.services import log_activity
from registration.documents.services import rendering as documents
from registration.errors import RegistrationError
from registration.models import Attendee, Event, OrderStatus
from registration.orders.services import order_admits_attendees
from registration.outbox import services as outbox
from registration.reader import for_reader, format_with_zone, reader_language
from registration.tokens import new_secret

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class TicketNotIssuable(RegistrationError):
    """The ticket cannot be issued yet; `code` says why (`unpaid`, `consent_missing`, ...)."""

    default_code = "not_issuable"


def event_dates(event: Event) -> str:
    """The event's days in its own time zone: "15–17 July 2027", "30 June – 2 July 2027"."""
    start = timezone.localtime(event.starts_at, event.tz).date()
    end = timezone.localtime(event.ends_at, event.tz).date()
    if start == end:
        return date_format(start, "j F Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{date_format(start, 'j')}–{date_format(end, 'j F Y')}"
    if start.year == end.year:
        return f"{date_format(start, 'j F')} – {date_format(end, 'j F Y')}"
    return f"{date_format(start, 'j F Y')} – {date_format(end, 'j F Y')}"


def ticket_refusal(attendee: Attendee) -> str | None:
    """Why `attendee`'s ticket cannot be issued now, as a code; None when it can.

    - `canceled`: the order was canceled or expired;
    - `unpaid`: the order is not paid (pending, awaiting approval), unless staff
      admitted it before payment (`Order.admit_before_payment`);
    - `consent_missing`: a ticket type that needs guardian consent has none signed.
    """
    order = attendee.order
    if order.status in {OrderStatus.CANCELED, OrderStatus.EXPIRED}:
        return "canceled"
    if not order_admits_attendees(order):
        return "unpaid"
    if attendee.consent_missing:
        return "consent_missing"
    return None


def ticket_issuable(attendee: Attendee) -> bool:
    """True when `attendee`'s ticket may be issued (see `ticket_refusal`)."""
    return ticket_refusal(attendee) is None


_REFUSALS = {
    "canceled": gettext_lazy("This order is canceled; it has no tickets."),
    "unpaid": gettext_lazy("Tickets are issued once the order is paid."),
    "consent_missing": gettext_lazy(
        "The ticket is issued once the guardian has signed the consent form."
    ),
}


def _when(event: Event) -> tuple[str, str]:
    return (
        format_with_zone(event.starts_at, event.tz, "l j F Y, H:i"),
        format_with_zone(event.ends_at, event.tz, "l j F Y, H:i"),
    )


def ticket_context(attendee: Attendee) -> dict:
    """What the ticket shows: event, days and venue in the event's time zone, the person, the QR."""
    order = attendee.order
    event = order.event
    starts, ends = _when(event)
    venue = ", ".join(
        part
        for part in (event.venue, event.address, event.city, event.country.name)
        if part
    )
    name = (
        attendee.badge_name.strip()
        or f"{attendee.given_name} {attendee.family_name}".strip()
    )
    return {
        "event": event,
        "event_dates": event_dates(event),
        "starts": starts,
        "ends": ends,
        "time_zone": event.time_zone,
        "venue": venue,
        "name": name,
        "name_dir": documents.text_direction(name),
        "name_latin": attendee.badge_name_transliteration,
        "full_name": f"{attendee.given_name} {attendee.family_name}".strip(),
        "ticket_type": attendee.ticket_type.name,
        "role": attendee.ticket_type.role_label,
        "colour": attendee.ticket_type.badge_colour,
        "extras": [extra.name for extra in attendee.extras.all()],
        "order_code": order.code,
        "qr": documents.qr_data_uri(attendee.secret),
    }


@functools.cache
def _ticket_stylesheets() -> tuple[str, ...]:
    return (
        render_to_string(
            "documents/tickets/ticket.css", {"font_stack": documents.FONT_STACK}
        ),
    )


def ticket_language(attendee: Attendee) -> str:
    """The ticket's language: the attendee's own, else the buyer's."""
    return reader_language(attendee.language, attendee.order.language)


def render_ticket(attendee: Attendee) -> bytes:
    """The ticket PDF of `attendee` in their language, times in the event's zone.

    Raises TicketNotIssuable while it may not be issued.
    """
    refusal = ticket_refusal(attendee)
    if refusal is not None:
        raise TicketNotIssuable(str(_REFUSALS[refusal]), code=refusal)
    with for_reader(ticket_language(attendee), attendee.order.event.tz):
        html = render_to_string(
            "documents/tickets/ticket.html", ticket_context(attendee)
        )
    return documents.render_pdf(
        html,
        base_url=str(settings.BASE_DIR / "templates" / "documents" / "assets") + "/",
        stylesheets=_ticket_stylesheets(),
    )


def reissue_ticket(attendee: Attendee, *, by: User | None) -> Attendee:
    """Give `attendee` a new QR secret and e-mail them the new ticket.

    The old secret stops working at once: the scanner, the attendee page and
    the ticket link all look the attendee up by the current secret. Side
    effects: an ActivityLog entry `ticket.reissued` (without either secret) and
    an outbox e-mail `email.ticket_reissued` to the attendee (to the buyer when
    the attendee has no address), sent after the commit with the ticket PDF
    attached while the ticket may be issued (see `ticket_refusal`).
    """
    with transaction.atomic():
        locked = Attendee.objects.select_for_update().get(pk=attendee.pk)
        locked.secret = new_secret()
        locked.save(update_fields=["secret"])
        entry = log_activity(
            locked,
            action="ticket.reissued",
            actor=by,
            event=attendee.order.event,
            data={"refusal": ticket_refusal(attendee) or ""},
        )
        outbox.enqueue_message(
            "email.ticket_reissued",
            payload={"attendee": locked.pk},
            key=f"ticket_reissued:{entry.pk}",
        )
    attendee.secret = locked.secret
    return attendee
