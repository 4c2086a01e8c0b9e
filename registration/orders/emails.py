"""Every e-mail the system sends, built from templates/emails/ in the recipient's language.

The outbox calls `send_email_message` with a row whose payload holds ids; the
e-mail is built from the database at that moment, so a reminder for consent
that was signed meanwhile is simply not sent. Each e-mail has three templates:
`<name>_subject.txt`, `<name>.txt` and `<name>.html`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from registration.emails_tickets import ticket_reissued
from registration.models import (
    LIVE_ORDER_STATUSES,
    Attendee,
    Order,
    OrderStatus,
    OutboxMessage,
    WaitingListEntry,
    WaitingListStatus,
    YouthDetails,
)
from registration.services.consent import current_consent_text
from registration.services.tickets import render_ticket, ticket_issuable


@dataclass
class Email:
    template: str
    to: list[str]
    language: str
    context: dict = field(default_factory=dict)
    reply_to: list[str] = field(default_factory=list)
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


def absolute_url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, args=args)


def order_url(order: Order) -> str:
    return absolute_url(
        "registration:order", order.code, order.secret, language=order.language
    )


def attendee_url(attendee: Attendee) -> str:
    return absolute_url(
        "registration:attendee", attendee.secret, language=attendee.language
    )


def consent_url(youth: YouthDetails, language: str) -> str:
    return absolute_url("registration:consent", youth.consent_token, language=language)


def _order(pk: int) -> Order:
    return (
        Order.objects.select_related("event", "voucher")
        .prefetch_related(
            "attendees__ticket_type",
            "attendees__attendeeextra_set__extra",
            "attendees__extras",
            "attendees__youth__consent",
        )
        .get(pk=pk)
    )


def _reply_to(order_or_event) -> list[str]:
    event = getattr(order_or_event, "event", order_or_event)
    return [event.contact_email] if event.contact_email else []


def _order_context(order: Order) -> dict:
    return {
        "order": order,
        "event": order.event,
        "attendees": list(order.attendees.all()),
        "order_url": order_url(order),
    }


def ticket_attachments(attendees: list[Attendee]) -> list[tuple[str, bytes, str]]:
    """The ticket PDFs of those `attendees` whose tickets may be issued now."""
    return [
        (
            f"ticket-{attendee.order.code}-{attendee.pk}.pdf",
            render_ticket(attendee),
            "application/pdf",
        )
        for attendee in attendees
        if ticket_issuable(attendee)
    ]


def order_received(payload: dict) -> Email | None:
    order = _order(payload["order"])
    if order.status not in {OrderStatus.PENDING, OrderStatus.AWAITING_APPROVAL}:
        return None
    return Email(
        "order_received",
        [order.buyer_email],
        order.language,
        _order_context(order),
        _reply_to(order),
    )


def order_confirmed(payload: dict) -> Email | None:
    order = _order(payload["order"])
    if order.status != OrderStatus.PAID:
        return None
    from registration.emails_payments import receipt_links

    context = _order_context(order)
    context["receipt_links"] = receipt_links(order)
    attachments = ticket_attachments(context["attendees"])
    context["tickets_attached"] = bool(attachments)
    return Email(
        "order_confirmed",
        [order.buyer_email],
        order.language,
        context,
        _reply_to(order),
        attachments=attachments,
    )


def attendee_notice(payload: dict) -> Email | None:
    attendee = (
        Attendee.objects.select_related("order__event", "ticket_type", "youth__consent")
        .prefetch_related("extras")
        .filter(pk=payload["attendee"])
        .first()
    )
    if (
        attendee is None
        or not attendee.email
        or attendee.order.status != OrderStatus.PAID
    ):
        return None
    attachments = ticket_attachments([attendee])
    return Email(
        "attendee_notice",
        [attendee.email],
        attendee.language,
        {
            "attendee": attendee,
            "order": attendee.order,
            "event": attendee.order.event,
            "attendee_url": attendee_url(attendee),
            "ticket_attached": bool(attachments),
        },
        _reply_to(attendee.order),
        attachments=attachments,
    )


def _consent_email(template: str, payload: dict) -> Email | None:
    youth = (
        YouthDetails.objects.select_related(
            "attendee__order__event", "attendee__ticket_type"
        )
        .filter(pk=payload["youth"], consent__isnull=True)
        .first()
    )
    if youth is None or youth.attendee.order.status not in LIVE_ORDER_STATUSES:
        return None
    order = youth.attendee.order
    consent_text = current_consent_text(order.event)
    return Email(
        template,
        [youth.guardian_email],
        order.language,
        {
            "youth": youth,
            "attendee": youth.attendee,
            "event": order.event,
            "consent_url": consent_url(youth, order.language),
            "consent_title": consent_text.title if consent_text else "",
            "number": payload.get("number", 0),
        },
        _reply_to(order),
    )


def consent_request(payload: dict) -> Email | None:
    return _consent_email("consent_request", payload)


def consent_reminder(payload: dict) -> Email | None:
    return _consent_email("consent_reminder", payload)


def order_approved(payload: dict) -> Email | None:
    order = _order(payload["order"])
    if order.status != OrderStatus.PENDING:
        return None
    return Email(
        "order_approved",
        [order.buyer_email],
        order.language,
        _order_context(order),
        _reply_to(order),
    )


def order_declined(payload: dict) -> Email | None:
    order = _order(payload["order"])
    if order.status != OrderStatus.CANCELED:
        return None
    context = _order_context(order)
    context["reason"] = payload.get("reason", "")
    return Email(
        "order_declined", [order.buyer_email], order.language, context, _reply_to(order)
    )


def expiry_warning(payload: dict) -> Email | None:
    order = _order(payload["order"])
    if order.status != OrderStatus.PENDING:
        return None
    return Email(
        "expiry_warning",
        [order.buyer_email],
        order.language,
        _order_context(order),
        _reply_to(order),
    )


def waiting_list_offer(payload: dict) -> Email | None:
    entry = (
        WaitingListEntry.objects.select_related("event", "ticket_type")
        .filter(pk=payload["entry"], status=WaitingListStatus.OFFERED)
        .first()
    )
    if entry is None:
        return None
    return Email(
        "waiting_list_offer",
        [entry.email],
        entry.language,
        {
            "entry": entry,
            "event": entry.event,
            "offer_url": absolute_url(
                "registration:waiting_list_offer", entry.token, language=entry.language
            ),
        },
        _reply_to(entry.event),
    )


BUILDERS = {
    "order_received": order_received,
    "order_confirmed": order_confirmed,
    "attendee_notice": attendee_notice,
    "consent_request": consent_request,
    "consent_reminder": consent_reminder,
    "order_approved": order_approved,
    "order_declined": order_declined,
    "expiry_warning": expiry_warning,
    "waiting_list_offer": waiting_list_offer,
    "ticket_reissued": ticket_reissued,
}

# Payment e-mails (issue 4): refunds, refunded late payments, invoices, receipts.
from registration.emails_payments import BUILDERS as _PAYMENT_BUILDERS  # noqa: E402

BUILDERS.update(_PAYMENT_BUILDERS)


def render_email(email: Email) -> EmailMultiAlternatives:
    """Subject, text and HTML in the recipient's language and the event's time zone."""
    from django.utils import timezone

    event = email.context.get("event")
    context = {**email.context, "site_url": settings.SITE_URL}
    with (
        translation.override(email.language),
        timezone.override(event.tz if event else timezone.get_current_timezone()),
    ):
        subject = " ".join(
            render_to_string(f"emails/{email.template}_subject.txt", context).split()
        )
        text = render_to_string(f"emails/{email.template}.txt", context)
        html = render_to_string(f"emails/{email.template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=email.reply_to or None,
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mime_type in email.attachments:
        message.attach(filename, content, mime_type)
    return message


def send_email_message(outbox_message: OutboxMessage) -> bool:
    """Build and send the e-mail an outbox row stands for; False if nothing is due any more."""
    builder = BUILDERS[outbox_message.kind.removeprefix("email.")]
    email = builder(outbox_message.payload)
    if email is None:
        return False
    message = render_email(email)
    # The same row always gets the same Message-ID, so a repeat after a crash
    # is recognised as a duplicate by mail systems.
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    message.extra_headers["Message-ID"] = f"<outbox-{outbox_message.pk}@{domain}>"
    message.send()
    return True


# Delegation e-mails (issue 8): the leader's link, the combined invoice.
from registration.emails_delegations import BUILDERS as _DELEGATION_BUILDERS  # noqa: E402

BUILDERS.update(_DELEGATION_BUILDERS)
