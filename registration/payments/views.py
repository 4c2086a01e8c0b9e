"""Payment pages: Stripe's webhook, the pay button's target, the pages Stripe
sends the buyer back to, and the invoice, credit note and receipt PDFs.

The success page only reads the order: the payment is confirmed by the signed
webhook, never by the redirect (DESIGN invariant 4).
"""

from __future__ import annotations

import logging
import secrets

from django.contrib import messages
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from registration.downloads import file_download
from registration.errors import Busy
from registration.models import (
    OPEN_PAYMENT_STATUSES,
    CreditNote,
    Invoice,
    Order,
    OrderStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
)
from registration.payments import services as payments
from registration.payments import stripe as stripe_api

logger = logging.getLogger(__name__)

# While the webhook has not landed, the success page looks again this often.
REFRESH_SECONDS = 3


def _order_or_404(code: str, secret: str) -> Order:
    order = Order.objects.select_related("event").filter(code=code.upper()).first()
    if order is None or not secrets.compare_digest(order.secret, secret):
        raise Http404
    return order


def _order_page(order: Order) -> str:
    return reverse("registration:order", args=[order.code, order.secret])


# --- Stripe's webhook ---------------------------------------------------------------------


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Verify, store once and apply a Stripe event.

    400: bad signature or a timestamp older than 300 s. 503: a lock wait ran
    out, the database connection was lost, or Stripe could not be asked again
    (Stripe retries). 500: any other
    processing error (Stripe retries). 200 otherwise, unknown types included.
    """
    if not payments.card_payments_enabled():
        return JsonResponse({"error": "card payments are not configured"}, status=503)
    try:
        event = stripe_api.construct_event(
            request.body, request.headers.get("Stripe-Signature")
        )
    except stripe_api.WebhookSignatureError as exc:
        logger.warning("Rejected a Stripe webhook: %s", exc)
        return JsonResponse({"error": "invalid signature"}, status=400)
    try:
        outcome = payments.process_stripe_event(event, source="webhook")
    except (Busy, stripe_api.StripeUnavailable) as exc:
        logger.warning("Stripe event %s deferred: %s", event["id"], exc)
        return JsonResponse({"error": "busy"}, status=503, headers={"Retry-After": "5"})
    except (OperationalError, InterfaceError):
        # The database connection was lost (restart, failover): nothing was
        # applied, and conference.errors answers 503 with Retry-After.
        raise
    except Exception:
        logger.exception("Stripe event %s failed", event["id"])
        return JsonResponse({"error": "processing failed"}, status=500)
    return JsonResponse({"received": event["id"], "outcome": outcome})


# --- Buyer pages --------------------------------------------------------------------------


@require_POST
def pay(request, code: str, secret: str):
    """Start a card payment for the order (or the balance a change left) and send
    the buyer to Stripe Checkout."""
    order = _order_or_404(code, secret)
    # A paid order pays the balance a change left; any other its total.
    if order.status == OrderStatus.PAID:
        refusal = payments.balance_payment_refusal(order)
    else:
        refusal = payments.card_payment_refusal(order)
    if refusal:
        messages.error(request, refusal.message)
        return redirect(_order_page(order))
    base = request.build_absolute_uri("/")[:-1]
    try:
        url = payments.start_card_payment(
            order,
            success_url=base
            + reverse("payments:done", args=[order.code, order.secret]),
            cancel_url=base
            + reverse("payments:canceled", args=[order.code, order.secret]),
        )
    except payments.PaymentError as exc:
        messages.error(request, exc.message)
        return redirect(_order_page(order))
    return redirect(url)


@never_cache
def done(request, code: str, secret: str):
    """Back from Stripe: show the order's state; look again until the webhook lands."""
    order = _order_or_404(code, secret)
    latest = order.payments.filter(provider=PaymentProvider.STRIPE).first()
    waiting = order.status == OrderStatus.PENDING and (
        latest is not None and latest.status in OPEN_PAYMENT_STATUSES
    )
    return render(
        request,
        "registration/payments/done.html",
        {
            "order": order,
            "event": order.event,
            "payment": latest,
            "waiting": waiting,
            "processing": latest is not None
            and latest.status == PaymentStatus.PROCESSING,
            "refresh_seconds": REFRESH_SECONDS if waiting else None,
            "order_url": _order_page(order),
        },
    )


@never_cache
def canceled(request, code: str, secret: str):
    """The buyer left Stripe Checkout without paying: back towards the order page."""
    order = _order_or_404(code, secret)
    return render(
        request,
        "registration/payments/canceled.html",
        {
            "order": order,
            "event": order.event,
            "order_url": _order_page(order),
            "can_retry": payments.can_pay_by_card(order),
        },
    )


def _pdf(content: bytes, filename: str) -> HttpResponse:
    return file_download(
        content, filename=filename, content_type="application/pdf", inline=True
    )


@never_cache
def receipt(request, code: str, secret: str, payment_id: int):
    order = _order_or_404(code, secret)
    payment = Payment.objects.filter(
        order=order, pk=payment_id, status=PaymentStatus.SUCCEEDED
    ).first()
    if payment is None:
        raise Http404
    payment.order = order
    return _pdf(
        payments.render_receipt_pdf(payment), f"receipt-{order.code}-{payment.pk}.pdf"
    )


@never_cache
def invoice(request, code: str, secret: str):
    order = _order_or_404(code, secret)
    found = Invoice.objects.filter(order=order).first()
    if found is None:
        raise Http404
    found.order = order
    return _pdf(payments.render_invoice_pdf(found), f"invoice-{found.number}.pdf")


@never_cache
def credit_note(request, code: str, secret: str, note_id: int | None = None):
    """One credit note of the order (`note_id`), or its latest."""
    order = _order_or_404(code, secret)
    notes = CreditNote.objects.select_related("invoice").filter(invoice__order=order)
    if note_id is not None:
        notes = notes.filter(pk=note_id)
    note = notes.first()
    if note is None:
        raise Http404
    note.invoice.order = order
    return _pdf(payments.render_credit_note_pdf(note), f"credit-note-{note.number}.pdf")
