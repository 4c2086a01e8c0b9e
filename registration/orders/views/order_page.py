"""The buyer's order page at a secret link, attendee edits, cancellation; the
attendee's own page. A wrong or truncated secret is a plain 404."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_countries import countries

from registration.documents.services.tickets import (
    TicketNotIssuable,
    render_ticket,
    ticket_issuable,
)
from registration.downloads import file_download
from registration.errors import OrderError, OrderInvalid, RegistrationError
from registration.models import (
    Attendee,
    CreditNote,
    Invoice,
    Order,
    PaymentProvider,
    PaymentStatus,
)
from registration.orders.selectors import (
    asks_questions,
    checked_in,
    question_scopes,
)
from registration.orders.services import (
    EDITABLE_ATTENDEE_FIELDS,
    attendee_edit_deadline,
    can_buyer_cancel,
    can_edit_attendees,
    update_attendee,
)
from registration.payments import services as payments


def _order_or_404(code: str, secret: str) -> Order:
    order = (
        Order.objects.select_related("event", "voucher")
        .filter(code=code.upper())
        .first()
    )
    if order is None or not secrets.compare_digest(order.secret, secret):
        raise Http404
    return order


@never_cache
def order_detail(request, code: str, secret: str):
    order = _order_or_404(code, secret)
    attendees = list(
        order.attendees.select_related("ticket_type", "youth__consent")
        .prefetch_related("attendeeextra_set__extra", "answers__question")
        .annotate(is_checked_in=checked_in())
    )
    scopes = question_scopes(order.event)
    for attendee in attendees:
        attendee.ticket_issuable = ticket_issuable(attendee)
        attendee.has_questions = asks_questions(scopes, attendee)
    invoice = Invoice.objects.filter(order=order).first()
    card_refusal = payments.card_payment_refusal(order)
    balance = payments.balance_due(order)
    return render(
        request,
        "registration/orders/order_detail.html",
        {
            "order": order,
            "event": order.event,
            "attendees": attendees,
            "can_edit": can_edit_attendees(order),
            "edit_deadline": attendee_edit_deadline(order.event),
            "can_cancel": can_buyer_cancel(order),
            "card_refusal": card_refusal,
            "can_pay_by_card": card_refusal is None,
            "balance_due": balance,
            "can_pay_balance": balance > 0
            and payments.balance_payment_refusal(order) is None,
            "can_buy_extras": can_edit_attendees(order) and order.event.extras.exists(),
            "receipts": list(
                order.payments.filter(
                    provider=PaymentProvider.STRIPE, status=PaymentStatus.SUCCEEDED
                ).order_by("pk")
            ),
            "invoice": invoice,
            "credit_notes": list(
                CreditNote.objects.filter(invoice=invoice).order_by("sequence")
            )
            if invoice is not None
            else [],
        },
    )


@never_cache
def attendee_ticket(request, code: str, secret: str, attendee_id: int):
    """An attendee's ticket PDF for the buyer; 403 with the reason while it may not be issued."""
    order = _order_or_404(code, secret)
    attendee = (
        Attendee.objects.select_related("ticket_type", "youth__consent")
        .prefetch_related("extras")
        .filter(order=order, pk=attendee_id)
        .first()
    )
    if attendee is None:
        raise Http404
    attendee.order = order
    try:
        content = render_ticket(attendee)
    except TicketNotIssuable as exc:
        return HttpResponse(exc.message, status=403, content_type="text/plain")
    return file_download(
        content,
        filename=f"ticket-{order.code}-{attendee.pk}.pdf",
        content_type="application/pdf",
        inline=True,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def attendee_edit(request, code: str, secret: str, attendee_id: int):
    order = _order_or_404(code, secret)
    attendee = (
        Attendee.objects.select_related("ticket_type")
        .filter(order=order, pk=attendee_id)
        .first()
    )
    if attendee is None:
        raise Http404
    if not can_edit_attendees(order):
        messages.error(request, _("Attendee details can no longer be changed online."))
        return redirect("registration:order", code=order.code, secret=order.secret)
    errors: dict[str, list[str]] = {}
    values = {
        name: str(getattr(attendee, name) or "") for name in EDITABLE_ATTENDEE_FIELDS
    }
    status = 200
    if request.method == "POST":
        values = {
            name: request.POST.get(name, "").strip()
            for name in EDITABLE_ATTENDEE_FIELDS
        }
        try:
            update_attendee(attendee, data=values)
        except OrderInvalid as exc:
            for field, field_errors in exc.by_field().items():
                errors[field] = [error.message for error in field_errors]
            status = 400
        except OrderError as exc:
            messages.error(request, exc.message)
            return redirect("registration:order", code=order.code, secret=order.secret)
        else:
            messages.success(request, _("The attendee's details are saved."))
            return redirect("registration:order", code=order.code, secret=order.secret)
    return render(
        request,
        "registration/orders/attendee_edit.html",
        {
            "order": order,
            "event": order.event,
            "attendee": attendee,
            "values": values,
            "errors": errors,
            "language_choices": settings.LANGUAGES,
            "countries": [(country.code, country.name) for country in countries],
        },
        status=status,
    )


@require_POST
def order_cancel(request, code: str, secret: str):
    order = _order_or_404(code, secret)
    try:
        # Also for unpaid orders: an issued invoice gets its credit note and an
        # open Checkout Session is closed; paid ones get the refund less the fee.
        payments.cancel_order_with_refund(
            order, by=None, reason="canceled by the buyer", as_buyer=True
        )
    except RegistrationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your order is canceled."))
    return redirect("registration:order", code=order.code, secret=order.secret)


@never_cache
def attendee_detail(request, secret: str):
    attendee = (
        Attendee.objects.select_related("order__event", "ticket_type", "youth__consent")
        .annotate(is_checked_in=checked_in())
        .filter(secret=secret)
        .first()
    )
    if attendee is None:
        raise Http404
    event = attendee.order.event
    return render(
        request,
        "registration/orders/attendee_detail.html",
        {
            "attendee": attendee,
            "order": attendee.order,
            "event": event,
            "can_change": can_edit_attendees(attendee.order),
            "deadline": attendee_edit_deadline(event),
            "has_questions": asks_questions(question_scopes(event), attendee),
            "checked_in": attendee.is_checked_in,
            "can_buy_extras": can_edit_attendees(attendee.order)
            and event.extras.exists(),
        },
    )
