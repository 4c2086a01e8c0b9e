"""The e-mail that carries a reissued ticket.

Registered with the outbox by name (see registration/outbox/mail.py). Like
every builder it reads the database when the e-mail is sent, so the ticket
always carries the secret that is current at that moment.
"""

from __future__ import annotations

from registration.documents.services.tickets import render_ticket, ticket_refusal
from registration.models import Attendee, OrderStatus
from registration.outbox.mail import Email, attendee_url, register_builders


def ticket_reissued(payload: dict) -> Email | None:
    """The new ticket, to the attendee (or the buyer when the attendee has no address).

    The PDF is attached only while the ticket may be issued; otherwise the
    e-mail says that the old code no longer works and when the ticket comes.
    """
    attendee = (
        Attendee.objects.select_related("order__event", "ticket_type")
        .prefetch_related("extras")
        .filter(pk=payload["attendee"])
        .first()
    )
    if attendee is None or attendee.order.status in {
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
    }:
        return None
    order = attendee.order
    event = order.event
    refusal = ticket_refusal(attendee)
    attachments = []
    if refusal is None:
        attachments.append(
            (
                f"ticket-{order.code}-{attendee.pk}.pdf",
                render_ticket(attendee),
                "application/pdf",
            )
        )
    return Email(
        "ticket_reissued",
        [attendee.email or order.buyer_email],
        attendee.language if attendee.email else order.language,
        {
            "attendee": attendee,
            "recipient_name": attendee.given_name
            if attendee.email
            else order.buyer_name,
            "order": order,
            "event": event,
            "attendee_url": attendee_url(attendee),
            "ticket_attached": refusal is None,
        },
        [event.contact_email] if event.contact_email else [],
        attachments=attachments,
    )


register_builders({"ticket_reissued": ticket_reissued})
