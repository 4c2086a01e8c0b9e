"""Credit notes for partial refunds of invoiced orders: one per refund that went
through, numbered without gaps, never more in all than the invoice, e-mailed
to the buyer with the PDF."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from registration.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    OutboxMessage,
    Payment,
)
from registration.payments import services as payments
from tests.factories import UserFactory
from tests.registration.payments.conftest import deliver, make_order

pytestmark = pytest.mark.django_db

BILLING = payments.BillingData(
    name="City of Toulouse",
    address="1 Place du Capitole\n31000 Toulouse\nFrance",
    email="finance@toulouse.example",
)


@pytest.fixture
def staff(db):
    return UserFactory(username="finance", is_staff=True, is_superuser=True)


def pdf_text(content: bytes) -> str:
    return PdfReader(io.BytesIO(content)).pages[0].extract_text()


def notes(invoice: Invoice) -> list[tuple[str, Decimal]]:
    return list(
        CreditNote.objects.filter(invoice=invoice)
        .order_by("sequence")
        .values_list("number", "amount")
    )


def test_two_partial_refunds_then_a_cancellation_credit_the_invoice_exactly(
    staff, client, mailoutbox, django_capture_on_commit_callbacks
):
    order = make_order(payment_method="invoice", hold=timedelta(days=14))
    invoice = payments.request_invoice(order, billing=BILLING)
    payments.mark_paid_by_transfer(order, reference="IN-1", by=staff)
    year = timezone.now().year

    with django_capture_on_commit_callbacks(execute=True):
        [first] = payments.refund_order(
            order, amount=Decimal("100.00"), reason="Gala dinner canceled", by=staff
        )
        # A bank refund is credited once it has been sent, not when asked for.
        assert notes(invoice) == []
        payments.mark_refund_sent(first, by=staff, reference="OUT-1")
        [second] = payments.refund_order(
            order, amount=Decimal("50.00"), reason="Site visit full", by=staff
        )
        payments.mark_refund_sent(second, by=staff, reference="OUT-2")

    invoice.refresh_from_db()
    assert notes(invoice) == [
        (f"CN-{year}-00001", Decimal("100.00")),
        (f"CN-{year}-00002", Decimal("50.00")),
    ]
    assert invoice.status == InvoiceStatus.PAID  # still owed in part

    with django_capture_on_commit_callbacks(execute=True):
        _order, [rest] = payments.cancel_order_with_refund(
            order, by=staff, reason="Delegation withdrew"
        )
        payments.mark_refund_sent(rest, by=staff, reference="OUT-3")

    invoice.refresh_from_db()
    assert rest.amount == Decimal("300.00")
    assert notes(invoice) == [
        (f"CN-{year}-00001", Decimal("100.00")),
        (f"CN-{year}-00002", Decimal("50.00")),
        (f"CN-{year}-00003", Decimal("300.00")),
    ]
    assert payments.credited_amount(invoice) == invoice.total == Decimal("450.00")
    assert invoice.status == InvoiceStatus.CREDITED

    # Each credit note went to the invoice address, its PDF attached.
    mails = [m for m in mailoutbox if m.subject.startswith("Credit note")]
    assert [m.subject for m in mails] == [
        f"Credit note CN-{year}-0000{n} for {order.event.name}" for n in (1, 2, 3)
    ]
    assert {tuple(m.to) for m in mails} == {("finance@toulouse.example",)}
    first_mail = mails[0]
    assert (
        f"Please find credit note CN-{year}-00001 of USD 100.00 on invoice "
        f"{invoice.number}." in first_mail.body
    )
    assert "Credited on this invoice so far: USD 150.00 of USD 450.00." in (
        mails[1].body
    )
    [(name, content, mimetype)] = first_mail.attachments
    assert (name, mimetype) == (f"credit-note-CN-{year}-00001.pdf", "application/pdf")
    text = pdf_text(content)
    assert f"Credit note CN-{year}-00001" in text
    assert "USD 100.00" in text  # the refunded amount
    assert "USD 450.00" in text  # the invoice's total
    assert "Partial refund: Gala dinner canceled" in text

    # The buyer's link to each note, and to no other order's.
    note = CreditNote.objects.get(number=f"CN-{year}-00002")
    url = f"/orders/{order.code}/{order.secret}/credit-notes/{note.pk}/"
    assert url in mails[1].body
    assert "USD 50.00" in pdf_text(client.get(url).content)
    other = make_order()
    assert (
        client.get(
            f"/orders/{other.code}/{other.secret}/credit-notes/{note.pk}/"
        ).status_code
        == 404
    )


def test_card_refunds_of_an_invoiced_order_are_credited_up_to_its_total(
    staff, fake_stripe, client
):
    order = make_order()
    payments.start_card_payment(
        order, success_url="https://x.test/ok", cancel_url="https://x.test/no"
    )
    payment = Payment.objects.get(order=order)
    session = fake_stripe.pay(payment.stripe_session_id)
    deliver(client, fake_stripe.event("checkout.session.completed", session))
    invoice = payments.request_invoice(order, billing=BILLING)
    payment.refresh_from_db()
    year = timezone.now().year

    # Staff refund part from the admin (Stripe answers "succeeded" at once) …
    payments.refund_order(order, amount=Decimal("120.00"), reason="Day 3", by=staff)
    # … and someone refunds part in Stripe's dashboard (recorded by the webhook).
    refund = fake_stripe.refund_in_dashboard(payment.stripe_payment_intent_id, 3000)
    deliver(client, fake_stripe.event("charge.refunded", refund))
    # Then everything left.
    payments.refund_order(order, reason="Delegation withdrew", by=staff)

    invoice.refresh_from_db()
    assert notes(invoice) == [
        (f"CN-{year}-00001", Decimal("120.00")),
        (f"CN-{year}-00002", Decimal("30.00")),
        (f"CN-{year}-00003", Decimal("300.00")),
    ]
    assert invoice.status == InvoiceStatus.CREDITED
    assert OutboxMessage.objects.filter(kind="email.credit_note_issued").count() == 3

    # Cancelling now credits nothing more: the invoice is credited in full.
    payments.cancel_order_with_refund(order, by=staff, reason="Closed")
    assert payments.credited_amount(invoice) == Decimal("450.00")
    assert CreditNote.objects.count() == 3
