"""An order placed to be paid by invoice is invoiced as it is placed
(payments/receivers.py answering orders.signals.order_placed), through the API
as through the web checkout, once."""

from decimal import Decimal

import pytest
from django.utils import timezone

from registration.models import (
    DocumentCounter,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    OutboxMessage,
    VoucherKind,
)
from tests.factories import EventFactory, TicketTypeFactory, VoucherFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(db):
    return EventFactory(slug="conference", name="Annual Conference")


@pytest.fixture
def delegate(event):
    return TicketTypeFactory(
        event=event, name="Delegate", price=Decimal("450.00"), capacity=2
    )


def api_body(ticket_type, **buyer):
    return {
        "buyer": {
            "name": "Claire Dubois",
            "email": "protocol@toulouse.example",
            "organisation": "City of Toulouse",
            "address": "1 Place du Capitole\n31000 Toulouse",
            "tax_id": "FR12345678901",
            **buyer,
        },
        "attendees": [
            {"ticket_type": ticket_type.pk, "given_name": "Claire", "country": "FR"}
        ],
        "payment_method": "invoice",
    }


def invoice_mails() -> list[tuple[dict, str]]:
    return list(
        OutboxMessage.objects.filter(kind="email.invoice_issued")
        .order_by("pk")
        .values_list("payload", "key")
    )


def test_an_invoice_order_placed_through_the_api_is_invoiced_once(api, event, delegate):
    year = timezone.localtime(timezone.now(), event.tz).year

    first = api.post(
        "/api/v1/events/conference/orders/", api_body(delegate), format="json"
    )
    second = api.post(
        "/api/v1/events/conference/orders/",
        api_body(delegate, organisation="", name="Mairie de Lyon", address=""),
        format="json",
    )

    assert (first.status_code, second.status_code) == (201, 201)
    orders = list(Order.objects.order_by("pk"))
    assert [order.code for order in orders] == [
        first.json()["code"],
        second.json()["code"],
    ]
    invoices = list(Invoice.objects.order_by("sequence"))
    assert [
        (
            invoice.order_id,
            invoice.number,
            invoice.status,
            invoice.billing_name,
            invoice.billing_address,
            invoice.tax_id,
            invoice.total,
        )
        for invoice in invoices
    ] == [
        (
            orders[0].pk,
            f"{year}-00001",
            InvoiceStatus.ISSUED,
            "City of Toulouse",
            "1 Place du Capitole\n31000 Toulouse",
            "FR12345678901",
            Decimal("450.00"),
        ),
        # No address given: the invoice is addressed to the buyer as they are.
        (
            orders[1].pk,
            f"{year}-00002",
            InvoiceStatus.ISSUED,
            "Mairie de Lyon",
            "",
            "FR12345678901",
            Decimal("450.00"),
        ),
    ]
    assert (
        invoices[0].due_on == timezone.localtime(orders[0].expires_at, event.tz).date()
    )
    assert invoice_mails() == [
        ({"invoice": invoice.pk}, f"invoice_issued:{invoice.pk}")
        for invoice in invoices
    ]
    assert DocumentCounter.objects.get(series="invoice", year=year).last_number == 2


def test_an_order_refused_by_the_api_uses_up_no_invoice_number(api, event, delegate):
    year = timezone.localtime(timezone.now(), event.tz).year
    api.post("/api/v1/events/conference/orders/", api_body(delegate), format="json")
    api.post("/api/v1/events/conference/orders/", api_body(delegate), format="json")

    sold_out = api.post(
        "/api/v1/events/conference/orders/", api_body(delegate), format="json"
    )

    assert sold_out.status_code == 409
    assert list(
        Invoice.objects.order_by("sequence").values_list("number", flat=True)
    ) == [
        f"{year}-00001",
        f"{year}-00002",
    ]
    assert len(invoice_mails()) == 2


def test_a_free_order_placed_through_the_api_gets_no_invoice(api, event, delegate):
    VoucherFactory(
        event=event, code="FREE", kind=VoucherKind.PERCENT, value=Decimal("100")
    )
    body = {**api_body(delegate), "voucher_code": "FREE"}

    response = api.post("/api/v1/events/conference/orders/", body, format="json")

    assert response.status_code == 201
    assert Order.objects.get().status == OrderStatus.PAID
    assert Invoice.objects.count() == 0
    assert invoice_mails() == []


def test_the_web_checkout_still_issues_exactly_one_invoice(client, event, delegate):
    year = timezone.localtime(timezone.now(), event.tz).year
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    client.post(
        "/register/conference/attendees/",
        {
            "buyer.name": "City of Toulouse",
            "buyer.email": "protocol@toulouse.example",
            "buyer.language": "en",
            "payment_method": "invoice",
            "attendees.0.given_name": "Claire",
            "attendees.0.country": "FR",
        },
    )

    client.post(
        "/register/conference/review/",
        {
            "expected_total": "450.00",
            "billing_name": "City of Toulouse",
            "billing_address": "1 Place du Capitole\n31000 Toulouse",
            "billing_po_number": "PO-77",
            "privacy": "yes",
        },
    )

    order = Order.objects.get()
    invoice = Invoice.objects.get()
    assert (invoice.order, invoice.number, invoice.po_number) == (
        order,
        f"{year}-00001",
        "PO-77",
    )
    assert invoice_mails() == [
        ({"invoice": invoice.pk}, f"invoice_issued:{invoice.pk}")
    ]
    assert DocumentCounter.objects.get(series="invoice", year=year).last_number == 1
