"""The payment e-mails: refunds, refunded late payments, credit notes, invoices,
invoice reminders and card receipts.

Registered with the outbox by name (see registration/outbox/mail.py); like
every builder, each reads the database when the e-mail is sent.
"""

from __future__ import annotations

from registration.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from registration.money import format_money
from registration.outbox.mail import (
    Email,
    absolute_url,
    order_url,
    register_builders,
    reply_to,
)


def _links(order: Order) -> dict:
    return {
        "order_url": order_url(order),
        "invoice_url": absolute_url(
            "payments:invoice", order.code, order.secret, language=order.language
        ),
    }


def receipt_url(payment: Payment) -> str:
    """The buyer's link to a card payment's receipt PDF."""
    order = payment.order
    return absolute_url(
        "payments:receipt",
        order.code,
        order.secret,
        payment.pk,
        language=order.language,
    )


def receipt_links(order: Order) -> list[str]:
    """Receipt links of an order's card payments (for the confirmation e-mail)."""
    return [
        receipt_url(payment)
        for payment in order.payments.filter(
            provider=PaymentProvider.STRIPE, status=PaymentStatus.SUCCEEDED
        ).select_related("order")
    ]


def _email(template: str, order: Order, context: dict, to: str = "") -> Email:
    return Email(
        template,
        [to or order.buyer_email],
        order.language,
        {"order": order, "event": order.event, **_links(order), **context},
        reply_to(order),
    )


def refund_issued(payload: dict) -> Email | None:
    refund = (
        Refund.objects.select_related("order__event", "payment")
        .filter(pk=payload["refund"], status=RefundStatus.SUCCEEDED)
        .first()
    )
    if refund is None:
        return None
    return _email(
        "refund_issued",
        refund.order,
        {
            "refund": refund,
            "amount": format_money(refund.amount, refund.currency),
            "card": refund.payment.provider == PaymentProvider.STRIPE,
        },
    )


def late_payment_refunded(payload: dict) -> Email | None:
    refund = (
        Refund.objects.select_related("order__event")
        .filter(pk=payload["refund"])
        .exclude(status__in=[RefundStatus.FAILED, RefundStatus.CANCELED])
        .first()
    )
    if refund is None:
        return None
    return _email(
        "late_payment_refunded",
        refund.order,
        {"refund": refund, "amount": format_money(refund.amount, refund.currency)},
    )


def _invoice(pk: int) -> Invoice | None:
    return (
        Invoice.objects.select_related("order__event", "order__billing")
        .filter(pk=pk)
        .first()
    )


def _invoice_to(invoice: Invoice) -> str:
    billing = getattr(invoice.order, "billing", None)
    return (billing.email if billing else "") or invoice.order.buyer_email


def invoice_issued(payload: dict) -> Email | None:
    invoice = _invoice(payload["invoice"])
    if invoice is None or invoice.status == InvoiceStatus.CREDITED:
        return None
    return _email(
        "invoice_issued",
        invoice.order,
        {"invoice": invoice, "total": format_money(invoice.total, invoice.currency)},
        to=_invoice_to(invoice),
    )


def invoice_reminder(payload: dict) -> Email | None:
    invoice = _invoice(payload["invoice"])
    if (
        invoice is None
        or invoice.status != InvoiceStatus.ISSUED
        or invoice.order.status not in {OrderStatus.PENDING, OrderStatus.EXPIRED}
    ):
        return None
    return _email(
        "invoice_reminder",
        invoice.order,
        {
            "invoice": invoice,
            "total": format_money(invoice.total, invoice.currency),
            "overdue": payload.get("when") == "after",
        },
        to=_invoice_to(invoice),
    )


def payment_receipt(payload: dict) -> Email | None:
    payment = (
        Payment.objects.select_related("order__event")
        .filter(pk=payload["payment"], status=PaymentStatus.SUCCEEDED)
        .first()
    )
    if payment is None or payment.order.status != OrderStatus.PAID:
        return None
    return _email(
        "payment_receipt",
        payment.order,
        {
            "payment": payment,
            "amount": format_money(payment.amount, payment.currency),
            "receipt_url": receipt_url(payment),
        },
    )


def credit_note_url(note: CreditNote) -> str:
    """The buyer's link to one credit note's PDF."""
    order = note.invoice.order
    return absolute_url(
        "payments:credit_note_pdf",
        order.code,
        order.secret,
        note.pk,
        language=order.language,
    )


def credit_note_issued(payload: dict) -> Email | None:
    """A credit note (a partial refund's or a cancellation's), its PDF attached."""
    from registration.payments.services import credited_amount, render_credit_note_pdf

    note = (
        CreditNote.objects.select_related(
            "invoice__order__event", "invoice__order__billing"
        )
        .filter(pk=payload["credit_note"])
        .first()
    )
    if note is None:
        return None
    invoice = note.invoice
    email = _email(
        "credit_note_issued",
        invoice.order,
        {
            "note": note,
            "invoice": invoice,
            "amount": format_money(note.amount, note.currency),
            "credited": format_money(credited_amount(invoice), invoice.currency),
            "total": format_money(invoice.total, invoice.currency),
            "credit_note_url": credit_note_url(note),
        },
        to=_invoice_to(invoice),
    )
    email.attachments.append(
        (
            f"credit-note-{note.number}.pdf",
            render_credit_note_pdf(note),
            "application/pdf",
        )
    )
    return email


register_builders(
    {
        "credit_note_issued": credit_note_issued,
        "refund_issued": refund_issued,
        "late_payment_refunded": late_payment_refunded,
        "invoice_issued": invoice_issued,
        "invoice_reminder": invoice_reminder,
        "payment_receipt": payment_receipt,
    }
)
