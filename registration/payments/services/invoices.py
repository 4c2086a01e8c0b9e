"""Invoices: billing details, issuing at placement or on request, credit notes,
payment by bank transfer, and reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.columns import column_errors
from registration.models import (
    BillingDetails,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentProvider,
    PaymentStatus,
    Refund,
)
from registration.money import (
    format_money,
    round_money,
)
from registration.orders.services import (
    action_refusal,
    mark_order_paid,
    transition_order,
)
from registration.outbox.services import enqueue_message
from registration.payments.numbering import next_document_number
from registration.payments.services.amounts import _limit_lock_wait
from registration.payments.services.rules import (
    INVOICE_REMINDER_AFTER,
    INVOICE_REMINDER_BEFORE,
    PaymentError,
    PaymentInvalid,
    _move_invoice,
)


@dataclass
class BillingData:
    name: str
    address: str
    tax_id: str = ""
    po_number: str = ""
    email: str = ""


def _local_date(moment: datetime, order: Order) -> date:
    return timezone.localtime(moment, order.event.tz).date()


def _invoice_lines(order: Order) -> list[dict]:
    lines = []
    attendees = order.attendees.select_related("ticket_type").prefetch_related(
        "attendeeextra_set__extra"
    )
    for attendee in attendees:
        person = attendee.badge_name or attendee.given_name
        lines.append(
            {
                "description": f"{attendee.ticket_type.name} – {person}",
                "amount": str(attendee.price),
            }
        )
        for bought in attendee.attendeeextra_set.all():
            lines.append(
                {
                    "description": f"{bought.extra.name} – {person}",
                    "amount": str(bought.price),
                }
            )
    return lines


def check_billing(billing: BillingData) -> None:
    """Raise PaymentInvalid (fields `billing.name`, ...) unless `billing` can be invoiced."""
    if errors := _billing_errors(billing):
        raise PaymentInvalid(errors)


def _billing_errors(billing: BillingData) -> list[PaymentError]:
    errors = []
    if not billing.name.strip():
        errors.append(
            PaymentError(
                _("Enter the name to invoice."), code="required", field="billing.name"
            )
        )
    if not billing.address.strip():
        errors.append(
            PaymentError(
                _("Enter the billing address."),
                code="required",
                field="billing.address",
            )
        )
    if billing.email.strip():
        try:
            validate_email(billing.email.strip())
        except ValidationError:
            errors.append(
                PaymentError(
                    _("Enter a valid e-mail address."),
                    code="invalid",
                    field="billing.email",
                )
            )
    # The same columns hold a delegation's billing details (billing_name, ...).
    errors += column_errors(
        PaymentError,
        BillingDetails,
        {
            name: getattr(billing, name).strip()
            for name in ("name", "address", "tax_id", "po_number", "email")
        },
        prefix="billing.",
    )
    return errors


def request_invoice(
    order: Order, *, billing: BillingData, by=None, now: datetime | None = None
) -> Invoice:
    """Issue the invoice of a pending order to an organisation or municipality.

    Stores the billing details and issues an invoice numbered per year without
    gaps, due when the order's hold ends; the buyer gets it by e-mail. Raises
    PaymentInvalid (named fields) or PaymentError (`not_payable`, `already_invoiced`).
    """
    now = now or timezone.now()
    check_billing(billing)
    with transaction.atomic():
        _limit_lock_wait()
        order = (
            Order.objects.select_for_update().select_related("event").get(pk=order.pk)
        )
        return _invoice_order(order, billing=billing, by=by, now=now)


def buyer_billing(order: Order) -> BillingData:
    """The invoice's addressee taken from the order's buyer: their organisation
    (or name), address, tax id and e-mail."""
    return BillingData(
        name=order.buyer_organisation or order.buyer_name,
        address=order.buyer_address,
        tax_id=order.buyer_tax_id,
        email=order.buyer_email,
    )


def invoice_placed_order(
    order: Order,
    *,
    billing: BillingData | None,
    by=None,
    now: datetime | None = None,
) -> Invoice | None:
    """Issue the invoice of an order just placed to be paid by invoice; None
    when there is none to issue (free, paid, awaiting approval, card).

    Inside the placement transaction (payments/receivers.py), whatever placed
    the order: the web checkout, the API, a delegation. `billing` is the
    addressee the buyer gave (checked: PaymentInvalid with `billing.name`,
    ...); without it the invoice goes to the buyer as the order records them
    (`buyer_billing`), an address the buyer left out staying empty.
    """
    if (
        order.status != OrderStatus.PENDING
        or order.payment_method != PaymentMethod.INVOICE
        or order.total <= 0
    ):
        return None
    if billing is None:
        billing = buyer_billing(order)
    else:
        check_billing(billing)
    return _invoice_order(order, billing=billing, by=by, now=now or timezone.now())


def _invoice_order(order: Order, *, billing: BillingData, by, now: datetime) -> Invoice:
    """Store the billing details and issue the invoice; inside a transaction,
    with the order locked (or just written)."""
    if order.status not in {OrderStatus.PENDING, OrderStatus.PAID} or order.total <= 0:
        raise PaymentError(_("This order cannot be invoiced."), code="not_payable")
    # An order on a delegation's combined invoice is invoiced already too.
    if (
        Invoice.objects.filter(order=order).exists()
        or order.delegation_invoices.exists()
    ):
        raise PaymentError(
            _("This order has an invoice already."), code="already_invoiced"
        )
    details, _created = BillingDetails.objects.update_or_create(
        order=order,
        defaults={
            "name": billing.name.strip(),
            "address": billing.address.strip(),
            "tax_id": billing.tax_id.strip(),
            "po_number": billing.po_number.strip(),
            "email": billing.email.strip(),
        },
    )
    invoice = _issue_invoice(order, details, now=now)
    log_activity(
        order,
        action="invoice.issued",
        actor=by,
        event=order.event,
        data={"invoice": invoice.number, "total": str(invoice.total)},
    )
    enqueue_message(
        "email.invoice_issued",
        payload={"invoice": invoice.pk},
        key=f"invoice_issued:{invoice.pk}",
    )
    return invoice


def _issue_invoice(
    order: Order, details: BillingDetails, *, now: datetime, paid: bool | None = None
) -> Invoice:
    """The order's next invoice, for its total and lines; `paid` (default: the
    order is paid) issues it settled."""
    if paid is None:
        paid = order.status == OrderStatus.PAID
    issued_on = _local_date(now, order)
    numbered = next_document_number("invoice", issued_on.year)
    if order.status == OrderStatus.PENDING and order.expires_at:
        due_on = _local_date(order.expires_at, order)
    else:
        due_on = issued_on + timedelta(days=order.event.payment_term_days)
    return Invoice.objects.create(
        order=order,
        number=numbered.number,
        year=numbered.year,
        sequence=numbered.sequence,
        issued_on=issued_on,
        due_on=due_on,
        billing_name=details.name,
        billing_address=details.address,
        tax_id=details.tax_id,
        po_number=details.po_number,
        currency=order.currency,
        total=order.total,
        lines=_invoice_lines(order),
        status=InvoiceStatus.PAID if paid else InvoiceStatus.ISSUED,
        paid_at=now if paid else None,
    )


def _issue_credit_note(
    invoice: Invoice,
    *,
    amount: Decimal,
    reason: str,
    now: datetime,
    closes: bool = False,
    refund: Refund | None = None,
) -> CreditNote:
    """The next credit note of the year (gap-free) over `amount`; the buyer gets
    it by e-mail. `closes` (a cancellation) marks the invoice credited whatever
    the amount; otherwise it is once the notes reach its total. Inside a
    transaction, with the invoice locked."""
    order = invoice.order
    issued_on = _local_date(now, order)
    numbered = next_document_number("credit_note", issued_on.year)
    note = CreditNote.objects.create(
        invoice=invoice,
        number=numbered.number,
        year=numbered.year,
        sequence=numbered.sequence,
        issued_on=issued_on,
        amount=max(amount, Decimal("0")),
        currency=invoice.currency,
        reason=reason,
    )
    if closes or credited_amount(invoice) >= invoice.total:
        _move_invoice(invoice, InvoiceStatus.CREDITED)
        invoice.status = InvoiceStatus.CREDITED
        invoice.save(update_fields=["status"])
    log_activity(
        order,
        action="invoice.credited",
        event=order.event,
        data={
            "invoice": invoice.number,
            "credit_note": note.number,
            "amount": str(note.amount),
            "refund": refund.pk if refund else None,
        },
    )
    enqueue_message(
        "email.credit_note_issued",
        payload={"credit_note": note.pk},
        key=f"credit_note_issued:{note.pk}",
    )
    return note


def _settle_invoice(order: Order, *, reference: str, now: datetime) -> None:
    invoice = (
        Invoice.objects.select_for_update()
        .filter(order=order, status=InvoiceStatus.ISSUED)
        .first()
    )
    if invoice is not None:
        _move_invoice(invoice, InvoiceStatus.PAID)
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = now
        invoice.paid_reference = reference[:200]
        invoice.save(update_fields=["status", "paid_at", "paid_reference"])


def mark_paid_by_transfer(
    order: Order,
    *,
    reference: str,
    by,
    amount: Decimal | None = None,
    now: datetime | None = None,
) -> Payment:
    """Staff record a bank transfer with its reference: the order and its invoice are paid.

    An expired order is paid only if its seats are still free (SoldOut
    otherwise, and nothing is recorded). Raises PaymentError (`required`,
    `not_payable`, `amount_mismatch`).
    """
    now = now or timezone.now()
    reference = reference.strip()
    if not reference:
        raise PaymentError(
            _("Enter the bank reference."), code="required", field="reference"
        )
    with transaction.atomic():
        _limit_lock_wait()
        order = Order.objects.select_related("event").get(pk=order.pk)
        if refusal := action_refusal(order, "mark_paid"):
            raise PaymentError(refusal.message, code=refusal.code)
        if amount is not None and round_money(amount, order.currency) != order.total:
            raise PaymentError(
                _("The order's total is %(total)s.")
                % {"total": format_money(order.total, order.currency)},
                code="amount_mismatch",
                field="amount",
            )
        if (
            order.status == OrderStatus.PENDING
            and order.expires_at
            and order.expires_at <= now
        ):
            transition_order(
                order,
                to=OrderStatus.EXPIRED,
                by=by,
                reason="hold ended before the transfer was recorded",
            )
        payment = Payment.objects.create(
            order=order,
            provider=PaymentProvider.BANK_TRANSFER,
            status=PaymentStatus.SUCCEEDED,
            amount=order.total,
            currency=order.currency,
            reference=reference[:200],
            confirmed_at=now,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        log_activity(
            order,
            action="payment.recorded",
            actor=by,
            event=order.event,
            data={
                "payment": payment.pk,
                "reference": reference,
                "amount": str(order.total),
            },
        )
        mark_order_paid(order, by=by, reason=f"bank transfer {reference}", now=now)
        _settle_invoice(order, reference=reference, now=now)
    return payment


def send_invoice_reminders(*, now: datetime | None = None) -> int:
    """Remind buyers of unpaid invoices before and after the due date; the number queued.

    One reminder before (INVOICE_REMINDER_BEFORE) and one after
    (INVOICE_REMINDER_AFTER) the due date, each once (outbox key).
    """
    now = now or timezone.now()
    horizon = (now + INVOICE_REMINDER_BEFORE).date() + timedelta(days=1)
    invoices = Invoice.objects.select_related("order__event").filter(
        status=InvoiceStatus.ISSUED,
        due_on__lte=horizon,
        order__status__in=[OrderStatus.PENDING, OrderStatus.EXPIRED],
    )
    sent = 0
    for invoice in invoices:
        today = _local_date(now, invoice.order)
        if today >= invoice.due_on + INVOICE_REMINDER_AFTER:
            when = "after"
        elif invoice.due_on - INVOICE_REMINDER_BEFORE <= today <= invoice.due_on:
            when = "before"
        else:
            continue
        if enqueue_message(
            "email.invoice_reminder",
            payload={"invoice": invoice.pk, "when": when},
            key=f"invoice_reminder:{invoice.pk}:{when}",
        ):
            invoice.reminders_sent += 1
            invoice.save(update_fields=["reminders_sent"])
            sent += 1
    return sent


def credited_amount(invoice: Invoice) -> Decimal:
    """What the invoice's credit notes have credited so far."""
    return invoice.credit_notes.aggregate(total=Sum("amount"))["total"] or Decimal("0")
