"""The payment documents as PDF: invoices, credit notes and card receipts."""

from __future__ import annotations

import functools
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from registration.documents.services import rendering as documents
from registration.models import (
    CreditNote,
    Invoice,
    Order,
    Payment,
    PaymentStatus,
    RefundStatus,
)
from registration.money import (
    format_money,
)
from registration.payments.services.invoices import _invoice_lines, _local_date
from registration.payments.services.rules import PaymentError
from registration.reader import for_reader


@functools.cache
def _document_stylesheets() -> tuple[str, ...]:
    return (
        render_to_string(
            "documents/invoices/invoice.css", {"font_stack": documents.FONT_STACK}
        ),
    )


def _render(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
    return documents.render_pdf(
        html,
        base_url=str(settings.BASE_DIR / "templates" / "documents" / "assets") + "/",
        stylesheets=_document_stylesheets(),
    )


def _money_lines(lines: list[dict], currency: str) -> list[dict]:
    return [
        {
            "description": line["description"],
            "amount": format_money(Decimal(line["amount"]), currency),
        }
        for line in lines
    ]


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as issued (from its frozen copy, never from the live order),
    in the buyer's language."""
    order = invoice.order
    with for_reader(order.language, order.event.tz):
        return _render_invoice_pdf(invoice, order)


def _render_invoice_pdf(invoice: Invoice, order: Order) -> bytes:
    return _render(
        "documents/invoices/invoice.html",
        {
            "invoice": invoice,
            "event": order.event,
            "order": order,
            "lines": _money_lines(invoice.lines, invoice.currency),
            "total": format_money(invoice.total, invoice.currency),
        },
    )


def render_credit_note_pdf(note: CreditNote) -> bytes:
    """The credit note, in the buyer's language."""
    invoice = note.invoice
    order = invoice.order
    with for_reader(order.language, order.event.tz):
        return _render_credit_note_pdf(note, invoice)


def _render_credit_note_pdf(note: CreditNote, invoice: Invoice) -> bytes:
    return _render(
        "documents/invoices/credit_note.html",
        {
            "note": note,
            "invoice": invoice,
            "event": invoice.order.event,
            "order": invoice.order,
            "amount": format_money(note.amount, note.currency),
            "invoice_total": format_money(invoice.total, invoice.currency),
        },
    )


def render_receipt_pdf(payment: Payment) -> bytes:
    """The receipt of a succeeded card payment, with what was refunded of it."""
    if payment.status != PaymentStatus.SUCCEEDED:
        raise PaymentError(_("Only received payments have a receipt."), code="unpaid")
    order = payment.order
    with for_reader(order.language, order.event.tz):
        return _render_receipt_pdf(payment, order)


def _render_receipt_pdf(payment: Payment, order: Order) -> bytes:
    refunds = list(payment.refunds.filter(status=RefundStatus.SUCCEEDED))
    refunded = sum((refund.amount for refund in refunds), Decimal("0"))
    return _render(
        "documents/receipts/receipt.html",
        {
            "payment": payment,
            "order": order,
            "event": order.event,
            "lines": _money_lines(_invoice_lines(order), payment.currency),
            "amount": format_money(payment.amount, payment.currency),
            "refunds": [
                {
                    "date": _local_date(refund.created_at, order),
                    "amount": format_money(refund.amount, refund.currency),
                }
                for refund in refunds
            ],
            "refunded": format_money(refunded, payment.currency) if refunds else "",
            "paid_on": _local_date(payment.confirmed_at or payment.created_at, order),
        },
    )
