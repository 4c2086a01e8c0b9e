"""Invoices: billing details, yearly numbers, credit notes, reminders, mark paid, PDFs."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from registration.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    OutboxMessage,
    Payment,
    PaymentProvider,
    StripeEvent,
)
from registration.payments import services as payments
from tests.factories import UserFactory
from tests.registration.payments.conftest import make_order

pytestmark = pytest.mark.django_db

BILLING = payments.BillingData(
    name="City of Toulouse",
    address="1 Place du Capitole\n31000 Toulouse\nFrance",
    tax_id="FR12345678901",
    po_number="PO-2026-77",
    email="finance@toulouse.example",
)


@pytest.fixture
def staff(db):
    return UserFactory(username="finance", is_staff=True, is_superuser=True)


def invoice_order(**kwargs):
    return make_order(payment_method="invoice", hold=timedelta(days=14), **kwargs)


def test_invoices_are_numbered_per_year_without_gaps(mailoutbox):
    first = payments.request_invoice(invoice_order(), billing=BILLING)
    second = payments.request_invoice(invoice_order(), billing=BILLING)
    year = timezone.now().year

    assert (first.number, second.number) == (f"{year}-00001", f"{year}-00002")
    assert (first.billing_name, first.tax_id, first.po_number) == (
        "City of Toulouse",
        "FR12345678901",
        "PO-2026-77",
    )
    assert (
        first.due_on
        == timezone.localtime(first.order.expires_at, first.order.event.tz).date()
    )
    assert OutboxMessage.objects.filter(kind="email.invoice_issued").count() == 2


def test_a_refused_invoice_does_not_use_up_a_number():
    order = invoice_order()
    with pytest.raises(payments.PaymentInvalid) as error:
        payments.request_invoice(
            order, billing=payments.BillingData(name="", address="", email="no")
        )
    assert [e.field for e in error.value.errors] == [
        "billing.name",
        "billing.address",
        "billing.email",
    ]
    payments.request_invoice(order, billing=BILLING)
    with pytest.raises(payments.PaymentError):
        payments.request_invoice(order, billing=BILLING)

    assert list(Invoice.objects.values_list("sequence", flat=True)) == [1]


def test_an_issued_invoice_is_never_edited():
    invoice = payments.request_invoice(invoice_order(), billing=BILLING)

    invoice.billing_name = "Someone else"
    with pytest.raises(ValueError):
        invoice.save()
    with pytest.raises(ValueError):
        invoice.save(update_fields=["billing_name"])
    assert Invoice.objects.get().billing_name == "City of Toulouse"


def test_staff_mark_an_invoice_paid_with_the_bank_reference(staff):
    invoice = payments.request_invoice(invoice_order(), billing=BILLING)

    payment = payments.mark_paid_by_transfer(
        invoice.order, reference="BNP 2026-11-30 #4411", by=staff
    )

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_reference == "BNP 2026-11-30 #4411"
    assert (payment.provider, payment.amount) == (
        PaymentProvider.BANK_TRANSFER,
        Decimal("450.00"),
    )
    assert Order.objects.get(pk=invoice.order_id).status == OrderStatus.PAID


def test_mark_paid_api(staff):
    from rest_framework.test import APIClient

    from registration.staff.services.api_tokens import create_api_token

    order = invoice_order()
    payments.request_invoice(order, billing=BILLING)
    _token, raw = create_api_token(staff, name="tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    url = f"/api/v1/orders/{order.code}/mark-paid/"

    wrong = api.post(url, {"reference": "X1", "amount": "400.00"}, format="json")
    empty = api.post(url, {}, format="json")
    done = api.post(url, {"reference": "X1", "amount": "450.00"}, format="json")
    again = api.post(url, {"reference": "X1"}, format="json")

    assert (wrong.status_code, wrong.json()["code"]) == (400, "amount_mismatch")
    assert "reference" in empty.json()["errors"]
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["paid"]) == ("paid", "450.00")
    assert (again.status_code, again.json()["code"]) == (400, "not_payable")
    assert (
        api.post("/api/v1/orders/NOPE/mark-paid/", {"reference": "x"}).status_code
        == 404
    )


def test_cancelling_an_invoiced_order_issues_a_credit_note(staff):
    invoice = payments.request_invoice(invoice_order(), billing=BILLING)

    payments.cancel_order_with_refund(
        invoice.order, by=staff, reason="Delegation withdrew"
    )

    note = CreditNote.objects.get()
    invoice.refresh_from_db()
    year = timezone.now().year
    assert (note.number, note.amount, note.invoice) == (
        f"CN-{year}-00001",
        Decimal("450.00"),
        invoice,
    )
    assert invoice.status == InvoiceStatus.CREDITED
    assert invoice.billing_name == "City of Toulouse"


def test_cancelling_a_paid_invoice_order_records_a_bank_refund_to_send(staff):
    invoice = payments.request_invoice(invoice_order(), billing=BILLING)
    payments.mark_paid_by_transfer(invoice.order, reference="R1", by=staff)

    _order, [refund] = payments.cancel_order_with_refund(invoice.order, by=staff)

    assert (refund.amount, refund.status) == (Decimal("450.00"), "pending")
    assert payments.mark_refund_sent(refund, by=staff, reference="OUT-1").status == (
        "succeeded"
    )
    assert CreditNote.objects.get().amount == Decimal("450.00")


def test_reminders_go_before_and_after_the_due_date_once_each():
    invoice = payments.request_invoice(invoice_order(), billing=BILLING)
    OutboxMessage.objects.all().delete()
    due = invoice.due_on

    def at(day):
        return timezone.make_aware(
            timezone.datetime(day.year, day.month, day.day, 12), invoice.order.event.tz
        )

    assert payments.send_invoice_reminders(now=at(due - timedelta(days=9))) == 0
    assert payments.send_invoice_reminders(now=at(due - timedelta(days=3))) == 1
    assert payments.send_invoice_reminders(now=at(due - timedelta(days=2))) == 0
    assert payments.send_invoice_reminders(now=at(due + timedelta(days=4))) == 1
    assert payments.send_invoice_reminders(now=at(due + timedelta(days=5))) == 0
    assert list(
        OutboxMessage.objects.order_by("pk").values_list("payload__when", flat=True)
    ) == ["before", "after"]


def test_invoice_credit_note_and_receipt_pdfs_render(client, fake_stripe, staff):
    import io

    from pypdf import PdfReader

    invoice = payments.request_invoice(invoice_order(), billing=BILLING)
    order = invoice.order
    response = client.get(f"/orders/{order.code}/{order.secret}/invoice/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert invoice.number in text
    assert "FR12345678901" in text
    assert "USD 450.00" in text
    assert (
        client.get(f"/orders/{order.code}/{order.secret}/credit-note/").status_code
        == 404
    )

    payments.cancel_order_with_refund(order, by=staff)
    note = client.get(f"/orders/{order.code}/{order.secret}/credit-note/")
    assert CreditNote.objects.get().number in (
        PdfReader(io.BytesIO(note.content)).pages[0].extract_text()
    )

    card = make_order(currency="JPY", prices=("52000",))
    payment = Payment.objects.create(
        order=card,
        provider=PaymentProvider.STRIPE,
        status="succeeded",
        amount=Decimal("52000"),
        currency="JPY",
        confirmed_at=timezone.now(),
    )
    receipt = client.get(f"/orders/{card.code}/{card.secret}/receipts/{payment.pk}/")
    assert (
        "JPY 52,000" in PdfReader(io.BytesIO(receipt.content)).pages[0].extract_text()
    )
    assert (
        client.get(f"/orders/{card.code}/wrong/receipts/{payment.pk}/").status_code
        == 404
    )


def test_reconcile_applies_a_missed_event_once(fake_stripe, client):
    order = make_order()
    payments.start_card_payment(
        order, success_url="https://x.example/s", cancel_url="https://x.example/c"
    )
    payment = Payment.objects.get(order=order)
    session = fake_stripe.pay(payment.stripe_session_id)
    missed = fake_stripe.event("checkout.session.completed", session)
    fake_stripe.event(
        "checkout.session.completed",
        {"id": "cs_old"},
        created=int((timezone.now() - timedelta(days=5)).timestamp()),
    )

    call_command("reconcile_stripe", "--since", "3d")
    call_command("reconcile_stripe", "--since", "3d")

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    record = StripeEvent.objects.get()
    assert (record.event_id, record.source) == (missed["id"], "reconcile")
    [listing, *_rest] = [r for r in fake_stripe.requests if r.path == "/v1/events"]
    assert listing.params["types"] == sorted(payments.HANDLED_EVENT_TYPES)


def test_admin_screens_list_and_act(client, fake_stripe, staff, settings):
    invoice = payments.request_invoice(invoice_order(), billing=BILLING)
    client.force_login(staff)

    settings.STRIPE_SECRET_KEY = ""
    listing = client.get("/admin/payment_records/")
    assert listing.status_code == 200
    assert "Card payments are off" in listing.content.decode()
    assert client.get("/admin/invoices/").status_code == 200
    assert client.get("/admin/refunds/").status_code == 200
    assert client.get("/admin/stripe_events/").status_code == 200
    assert client.get(f"/admin/invoices/{invoice.pk}/pdf/").status_code == 200

    form = client.post(f"/admin/invoices/{invoice.pk}/mark-paid/", {"reference": ""})
    assert form.status_code == 200
    done = client.post(f"/admin/invoices/{invoice.pk}/mark-paid/", {"reference": "R9"})
    assert done.status_code == 302
    payment = Payment.objects.get()
    assert payment.reference == "R9"

    refund = client.post(
        f"/admin/payment_records/{payment.pk}/refund/",
        {"amount": "50.00", "reason": "Workshop canceled"},
    )
    assert refund.status_code == 302
    assert payment.refunds.get().amount == Decimal("50.00")


def test_invoice_pdf_is_in_the_buyers_language_with_its_money_format(mailoutbox):
    from tests.pdf_tools import flat_text

    order = invoice_order(prices=("1234.50",))
    Order.objects.filter(pk=order.pk).update(language="fr")
    order.refresh_from_db()
    invoice = payments.request_invoice(order, billing=BILLING)

    text = flat_text(payments.render_invoice_pdf(invoice))

    assert "1 234,50 USD" in " ".join(text.replace("\u00a0", " ").split())
    assert "USD 1,234.50" not in text
