"""The order e-mails: received, confirmed (with tickets and receipts), the
attendee's notice, approved, declined, the expiry warning, expired (with a link
to register again), revived (the payment link again), and a transferred
ticket's two e-mails (the new holder's ticket, the old holder's notice), and
a change of the order (to the buyer, and to each attendee it touched).

Registered with the outbox by name (see registration/outbox/mail.py); each
builder reads the database when the e-mail is sent.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from registration.documents.services.tickets import render_ticket, ticket_issuable
from registration.models import (
    LIVE_ORDER_STATUSES,
    ActivityLog,
    Attendee,
    Order,
    OrderChange,
    OrderChangeStatus,
    OrderStatus,
    PaymentStatus,
)
from registration.orders.services import stored_lines
from registration.outbox.mail import (
    Email,
    attendee_url,
    order_url,
    register_builders,
    registration_url,
    reply_to,
)
from registration.payments.emails import receipt_links


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
        reply_to(order),
    )


def order_confirmed(payload: dict) -> Email | None:
    order = _order(payload["order"])
    if order.status != OrderStatus.PAID:
        return None
    context = _order_context(order)
    context["receipt_links"] = receipt_links(order)
    attachments = ticket_attachments(context["attendees"])
    context["tickets_attached"] = bool(attachments)
    return Email(
        "order_confirmed",
        [order.buyer_email],
        order.language,
        context,
        reply_to(order),
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
        reply_to(attendee.order),
        attachments=attachments,
    )


def order_approved(payload: dict) -> Email | None:
    order = _order(payload["order"])
    if order.status != OrderStatus.PENDING:
        return None
    return Email(
        "order_approved",
        [order.buyer_email],
        order.language,
        _order_context(order),
        reply_to(order),
    )


def order_declined(payload: dict) -> Email | None:
    order = _order(payload["order"])
    if order.status != OrderStatus.CANCELED:
        return None
    context = _order_context(order)
    context["reason"] = payload.get("reason", "")
    return Email(
        "order_declined", [order.buyer_email], order.language, context, reply_to(order)
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
        reply_to(order),
    )


def order_expired(payload: dict) -> Email | None:
    """The hold ran out unpaid. Not sent once the order moved on (paid late,
    revived, canceled), nor when money came in late: the refund e-mail says it."""
    order = _order(payload["order"])
    if (
        order.status != OrderStatus.EXPIRED
        or order.payments.filter(status=PaymentStatus.SUCCEEDED).exists()
    ):
        return None
    context = _order_context(order)
    registration_open = order.event.registration_closes_at > timezone.now()
    context["register_url"] = (
        registration_url(order.event, order.language) if registration_open else ""
    )
    return Email(
        "order_expired",
        [order.buyer_email],
        order.language,
        context,
        reply_to(order),
    )


def order_revived(payload: dict) -> Email | None:
    order = _order(payload["order"])
    if order.status != OrderStatus.PENDING:
        return None
    return Email(
        "order_revived",
        [order.buyer_email],
        order.language,
        _order_context(order),
        reply_to(order),
    )


def _transferred(payload: dict) -> tuple[Attendee, dict] | None:
    """The attendee of a transfer and the log entry's data, while the order is live."""
    attendee = (
        Attendee.objects.select_related("order__event", "ticket_type", "youth__consent")
        .prefetch_related("extras")
        .filter(pk=payload["attendee"])
        .first()
    )
    entry = ActivityLog.objects.filter(
        pk=payload["entry"], action="ticket.transferred"
    ).first()
    if (
        attendee is None
        or entry is None
        or entry.data.get("erased")  # the attendee was erased meanwhile
        or attendee.order.status not in LIVE_ORDER_STATUSES
    ):
        return None
    return attendee, entry.data


def ticket_transferred(payload: dict) -> Email | None:
    """The new holder's ticket (attached while it may be issued) and their link.

    Not sent when the ticket was transferred again meanwhile: the e-mail would
    reach the holder of the log entry, who no longer holds it.
    """
    found = _transferred(payload)
    if found is None:
        return None
    attendee, data = found
    if attendee.email != data["new"]["email"]:
        return None
    attachments = ticket_attachments([attendee])
    return Email(
        "ticket_transferred",
        [attendee.email],
        attendee.language,
        {
            "attendee": attendee,
            "order": attendee.order,
            "event": attendee.order.event,
            "attendee_url": attendee_url(attendee),
            "ticket_attached": bool(attachments),
            "consent_missing": attendee.consent_missing,
        },
        reply_to(attendee.order),
        attachments=attachments,
    )


def ticket_transfer_notice(payload: dict) -> Email | None:
    """The old holder is told, in their language, that their ticket went to someone
    else and that their QR code and link no longer work. Their name and address
    come from the log entry of the transfer (the attendee row holds the new ones)."""
    found = _transferred(payload)
    if found is None:
        return None
    attendee, data = found
    old = data["old"]
    if not old.get("email"):
        return None
    return Email(
        "ticket_transfer_notice",
        [old["email"]],
        old.get("language") or attendee.order.language,
        {
            "old_name": old.get("given_name") or old.get("badge_name", ""),
            "attendee": attendee,
            "order": attendee.order,
            "event": attendee.order.event,
            "by_staff": bool(data.get("as_staff")),
        },
        reply_to(attendee.order),
    )


def _change(pk: int) -> OrderChange | None:
    return (
        OrderChange.objects.select_related("order__event")
        .filter(pk=pk, status=OrderChangeStatus.APPLIED)
        .first()
    )


def order_changed(payload: dict) -> Email | None:
    """What a change of the order did, its new total, and what happens to the
    money: a refund, a new invoice, or the link to pay the balance."""
    change = _change(payload["change"])
    if change is None:
        return None
    order = _order(change.order_id)
    settlement = change.settlement or {}
    context = _order_context(order)
    context.update(
        lines=stored_lines(change),
        reason=change.reason,
        by_staff=change.by_staff,
        old_total=change.old_total,
        new_total=change.new_total,
        refund=Decimal(settlement.get("refund") or 0),
        balance=Decimal(settlement.get("balance") or 0),
        invoice=bool(settlement.get("reinvoiced")),
    )
    return Email(
        "order_changed", [order.buyer_email], order.language, context, reply_to(order)
    )


def attendee_changed(payload: dict) -> Email | None:
    """An attendee hears what a change did to their registration, or that it
    was canceled; not sent to an attendee without an address or erased."""
    change = _change(payload["change"])
    attendee = (
        Attendee.objects.select_related("order__event", "ticket_type")
        .filter(pk=payload["attendee"])
        .first()
    )
    if change is None or attendee is None or not attendee.email:
        return None
    canceled = attendee.order_id != change.order_id
    lines = [line for line in stored_lines(change) if line.attendee_id == attendee.pk]
    return Email(
        "attendee_changed",
        [attendee.email],
        attendee.language,
        {
            "attendee": attendee,
            "order": change.order,
            "event": change.order.event,
            "canceled": canceled,
            "lines": lines,
            "attendee_url": "" if canceled else attendee_url(attendee),
        },
        reply_to(change.order),
    )


register_builders(
    {
        "order_changed": order_changed,
        "attendee_changed": attendee_changed,
        "order_received": order_received,
        "order_confirmed": order_confirmed,
        "attendee_notice": attendee_notice,
        "order_approved": order_approved,
        "order_declined": order_declined,
        "expiry_warning": expiry_warning,
        "order_expired": order_expired,
        "order_revived": order_revived,
        "ticket_transferred": ticket_transferred,
        "ticket_transfer_notice": ticket_transfer_notice,
    }
)
