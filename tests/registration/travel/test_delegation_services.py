"""Delegations: members through the order service, closing with one invoice, the link."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registration.errors import OrderInvalid
from registration.models import (
    ActivityLog,
    DelegationInvoice,
    DelegationStatus,
    Invoice,
    InvoiceStatus,
    OrderStatus,
    OutboxMessage,
    Payment,
    PaymentMethod,
)
from registration.payments import services as payments
from registration.travel.services import delegations
from tests.pdf_tools import flat_text
from tests.registration.travel.conftest import member

pytestmark = pytest.mark.django_db


def test_adding_a_member_places_an_invoice_order_with_the_leader_as_buyer(
    delegation, delegate
):
    order = delegations.add_member(delegation, member=member(delegate))

    attendee = order.attendees.get()
    assert (order.status, order.payment_method, order.total) == (
        OrderStatus.PENDING,
        PaymentMethod.INVOICE,
        Decimal("450.00"),
    )
    assert (order.buyer_name, order.buyer_email, order.buyer_organisation) == (
        "Chloé Martin",
        "leader@toulouse.example",
        "Toulouse delegation",
    )
    assert (attendee.delegation, attendee.city, attendee.country.code) == (
        delegation,
        "Toulouse",
        "FR",
    )
    assert list(
        ActivityLog.objects.filter(action="delegation.member_added").values_list(
            "data", flat=True
        )
    ) == [{"order": order.code}]


def test_each_pays_member_is_the_buyer_and_holds_for_the_payment_term(
    each_pays, delegate
):
    before = timezone.now()
    order = delegations.add_member(
        each_pays, member=member(delegate, email="oksana@kyiv.example")
    )

    order.refresh_from_db()
    assert (order.buyer_email, order.payment_method) == (
        "oksana@kyiv.example",
        PaymentMethod.CARD,
    )
    assert order.expires_at >= before + timedelta(days=14)
    # The order-received e-mail carries the member's order page, where they pay.
    assert list(
        OutboxMessage.objects.filter(kind="email.order_received").values_list(
            "payload", flat=True
        )
    ) == [{"order": order.pk}]


def test_each_pays_member_needs_an_email(each_pays, delegate):
    with pytest.raises(OrderInvalid) as caught:
        delegations.add_member(each_pays, member=member(delegate, email=""))
    assert [(e.field, e.code) for e in caught.value.errors] == [("email", "required")]


def test_member_errors_use_the_member_form_names(delegation, delegate):
    with pytest.raises(OrderInvalid) as caught:
        delegations.add_member(
            delegation, member=member(delegate, given_name="", email="nope")
        )
    assert sorted((e.field, e.code) for e in caught.value.errors) == [
        ("email", "invalid"),
        ("given_name", "required"),
    ]


def test_closing_issues_one_invoice_for_all_held_member_orders(
    delegation, delegate, staff
):
    first = delegations.add_member(delegation, member=member(delegate))
    second = delegations.add_member(
        delegation, member=member(delegate, given_name="Hugo", email="")
    )

    invoice = delegations.close_delegation(
        delegation,
        billing=payments.BillingData(
            name="Ville de Toulouse", address="Place du Capitole\n31000 Toulouse"
        ),
        by=staff,
    )

    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.CLOSED
    assert delegation.billing_name == "Ville de Toulouse"
    assert invoice.total == Decimal("900.00")
    assert sorted(invoice.orders.values_list("pk", flat=True)) == [first.pk, second.pk]
    assert [line["amount"] for line in invoice.lines] == ["450.00", "450.00"]
    assert invoice.number == f"{invoice.issued_on.year}-00001"
    assert invoice.due_on == invoice.issued_on + timedelta(days=14)
    for order in (first, second):
        order.refresh_from_db()
        assert timezone.localtime(order.expires_at, order.event.tz).date() == (
            invoice.due_on
        )
    text = flat_text(delegations.render_delegation_invoice_pdf(invoice))
    assert f"Invoice {invoice.number}" in text
    assert "Ville de Toulouse" in text
    assert f"Delegate – Léa Dubois ({first.code})" in text
    assert "Total due USD 900.00" in text
    assert invoice.delegation.name in text
    assert f"Please quote invoice {invoice.number} with your payment." in text
    assert OutboxMessage.objects.filter(
        kind="email.delegation_invoice_issued", payload={"invoice": invoice.pk}
    ).exists()


def test_invoice_numbers_share_the_order_invoice_series(delegation, delegate):
    lone = delegations.add_member(
        delegation, member=member(delegate, given_name="Lone", email="")
    )
    order_invoice = payments.request_invoice(
        lone, billing=payments.BillingData(name="Someone", address="Street 1")
    )
    delegations.add_member(delegation, member=member(delegate))

    invoice = delegations.close_delegation(delegation)

    assert order_invoice.sequence == 1
    assert invoice.sequence == 2
    # The separately invoiced order is not invoiced twice.
    assert invoice.total == Decimal("450.00")


def test_a_member_added_after_the_close_gets_an_invoice_of_their_own(
    delegation, delegate
):
    delegations.add_member(delegation, member=member(delegate))
    combined = delegations.close_delegation(delegation)

    late = delegations.add_member(
        delegation, member=member(delegate, given_name="Late", email="")
    )

    invoice = Invoice.objects.get(order=late)
    assert (invoice.billing_name, invoice.total) == (
        "Toulouse delegation",
        Decimal("450.00"),
    )
    assert list(combined.orders.all()) != [late]
    assert combined.orders.count() == 1


def test_an_order_on_the_combined_invoice_cannot_be_invoiced_again(
    delegation, delegate
):
    order = delegations.add_member(delegation, member=member(delegate))
    delegations.close_delegation(delegation)

    with pytest.raises(payments.PaymentError) as caught:
        payments.request_invoice(
            order, billing=payments.BillingData(name="X", address="Y")
        )
    assert caught.value.code == "already_invoiced"


def test_closing_needs_a_billing_address(delegation, delegate):
    delegation.billing_address = ""
    delegation.save()
    delegations.add_member(delegation, member=member(delegate))

    with pytest.raises(payments.PaymentInvalid) as caught:
        delegations.close_delegation(delegation)

    assert [e.field for e in caught.value.errors] == ["billing.address"]
    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.OPEN


def test_closing_twice_is_refused(delegation, delegate):
    delegations.close_delegation(delegation)
    with pytest.raises(delegations.DelegationError) as caught:
        delegations.close_delegation(delegation)
    assert caught.value.code == "not_open"
    assert DelegationInvoice.objects.count() == 0


def test_marking_the_combined_invoice_paid_pays_every_order(
    delegation, delegate, staff
):
    orders = [
        delegations.add_member(delegation, member=member(delegate)),
        delegations.add_member(
            delegation, member=member(delegate, given_name="Hugo", email="")
        ),
    ]
    invoice = delegations.close_delegation(delegation)

    delegations.mark_delegation_invoice_paid(invoice, reference="BNP 7781", by=staff)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_reference) == (InvoiceStatus.PAID, "BNP 7781")
    for order in orders:
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [
        Decimal("450.00"),
        Decimal("450.00"),
    ]


def test_sending_the_link_queues_an_email_each_time(delegation, staff):
    delegations.send_leader_link(delegation, by=staff)
    delegations.send_leader_link(delegation, by=staff)

    assert OutboxMessage.objects.filter(kind="email.delegation_link").count() == 2


def test_find_delegation_refuses_a_wrong_or_cut_secret(delegation):
    assert delegations.find_delegation(delegation.secret) == delegation
    assert delegations.find_delegation(delegation.secret[:-1]) is None
    wrong = delegation.secret[:-1] + ("Z" if delegation.secret[-1] != "Z" else "Y")
    assert delegations.find_delegation(wrong) is None
    assert delegations.find_delegation("") is None


def test_leader_link_email_in_the_leaders_language(delegation, staff):
    from django.core import mail

    from registration.outbox.mail import BUILDERS, render_email

    delegation.leader_language = "fr"
    delegation.save()
    email = BUILDERS["delegation_link"]({"delegation": delegation.pk})
    message = render_email(email)

    assert message.to == ["leader@toulouse.example"]
    assert f"http://localhost:8000/fr/delegations/{delegation.secret}/" in message.body
    assert mail.outbox == []


def test_combined_invoice_email_carries_the_pdf(delegation, delegate):
    from registration.outbox.mail import BUILDERS, render_email

    delegations.add_member(delegation, member=member(delegate))
    invoice = delegations.close_delegation(delegation)
    message = render_email(
        BUILDERS["delegation_invoice_issued"]({"invoice": invoice.pk})
    )

    assert message.to == ["leader@toulouse.example"]
    assert [name for name, _content, _type in message.attachments] == [
        f"invoice-{invoice.number}.pdf"
    ]
    assert invoice.number in message.subject
