from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registration.models import (
    Attendee,
    CreditNote,
    Invoice,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from registration.orders.services import (
    AttendeeData,
    BuyerData,
    mark_order_paid,
    place_order,
)
from registration.payments import services as payments
from tests.factories import EventFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    event = EventFactory(slug="conference", name="Annual Conference")
    ticket = TicketTypeFactory(event=event, name="Delegate", price=Decimal("450.00"))
    return place_order(
        event,
        buyer=BuyerData(name="Ada Buyer", email="ada@example.org"),
        attendees=[
            AttendeeData(ticket_type=ticket.pk, given_name="Mina", family_name="Park")
        ],
        payment_method=PaymentMethod.INVOICE,
        # Placed to be paid by invoice: invoiced as it is placed.
        billing=BILLING,
    )


def url(order, suffix=""):
    return f"/orders/{order.code}/{order.secret}/{suffix}"


def test_order_page_shows_status_attendees_and_next_step(client, order):
    response = client.get(url(order))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert 'data-testid="order-status">Pending payment<' in html
    assert "Please pay the invoice of USD 450.00 by" in html
    assert html.count('data-testid="order-attendee"') == 1
    assert "Mina Park" in html


def test_wrong_or_truncated_secret_is_404(client, order):
    assert client.get(f"/orders/{order.code}/{order.secret[:-1]}/").status_code == 404
    assert (
        client.get(f"/orders/{order.code}/{'X' * len(order.secret)}/").status_code
        == 404
    )
    assert client.get(f"/orders/ZZZZZZ/{order.secret}/").status_code == 404


def test_buyer_edits_attendee_details_until_the_cut_off(client, order):
    person = order.attendees.get()
    edit = url(order, f"attendees/{person.pk}/")
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        {
            "given_name": "Min-a",
            "family_name": "Park",
            "badge_name": "",
            "email": "mina@example.org",
            "language": "fr",
            "country": "kr",
        },
    )
    assert response["Location"] == url(order)
    person = Attendee.objects.get(pk=person.pk)
    assert (person.badge_name, person.email, person.language, person.country.code) == (
        "Min-a Park",
        "mina@example.org",
        "fr",
        "KR",
    )
    order.event.attendee_edit_until = timezone.now() - timedelta(minutes=1)
    order.event.save()
    assert client.post(edit, {"given_name": "Late"})["Location"] == url(order)
    assert Attendee.objects.get(pk=person.pk).given_name == "Min-a"


def test_attendee_edit_errors_name_the_field_and_keep_the_input(client, order):
    person = order.attendees.get()
    response = client.post(
        url(order, f"attendees/{person.pk}/"),
        {
            "given_name": "",
            "email": "nope",
            "language": "en",
            "organisation": "Seoul City Hall",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="f-given_name-error">Enter the given name.<' in html
    assert 'id="f-email-error">Enter a valid e-mail address.<' in html
    assert 'value="Seoul City Hall"' in html


def test_buyer_cancels_an_unpaid_order(client, order):
    response = client.post(url(order, "cancel/"))
    assert response["Location"] == url(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED


def test_attendee_page_by_its_own_secret(client, order):
    person = order.attendees.get()
    response = client.get(f"/attendees/{person.secret}/")
    assert response.status_code == 200
    assert "This registration is not confirmed yet." in response.content.decode()
    assert client.get("/attendees/WRONG/").status_code == 404


BILLING = payments.BillingData(
    name="City of Toulouse", address="1 Place du Capitole, Toulouse"
)


def card_order():
    event = EventFactory(slug="summit", name="Summit")
    ticket = TicketTypeFactory(event=event, name="Delegate", price=Decimal("450.00"))
    return place_order(
        event,
        buyer=BuyerData(name="Ada Buyer", email="ada@example.org"),
        attendees=[
            AttendeeData(ticket_type=ticket.pk, given_name="Mina", family_name="Park")
        ],
        payment_method=PaymentMethod.CARD,
    )


def test_pay_by_card_button_only_when_card_payments_are_on(client, settings):
    order = card_order()
    pay = f"/payments/{order.code}/{order.secret}/pay/"
    settings.STRIPE_SECRET_KEY = ""
    html = client.get(url(order)).content.decode()
    assert 'data-testid="pay-by-card"' not in html
    assert "Card payment opens here once online payments are switched on." in html

    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    html = client.get(url(order)).content.decode()
    assert f'<form method="post" action="{pay}" data-testid="pay-by-card">' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_invoice_order_page_links_the_invoice_and_the_credit_note(client, order):
    invoice = Invoice.objects.get(order=order)
    html = client.get(url(order)).content.decode()
    assert (
        f'<a href="{url(order, "invoice/")}">Invoice {invoice.number} (PDF)</a>' in html
    )
    assert "Credit note" not in html
    client.post(url(order, "cancel/"))
    html = client.get(url(order)).content.decode()
    note = CreditNote.objects.get(invoice=invoice)
    link = url(order, f"credit-notes/{note.pk}/")
    assert f'<a href="{link}">Credit note {note.number} (PDF)</a>' in html


def test_order_page_links_card_receipts(client):
    order = card_order()
    payment = Payment.objects.create(
        order=order,
        provider=PaymentProvider.STRIPE,
        status=PaymentStatus.SUCCEEDED,
        amount=Decimal("450.00"),
        currency="USD",
    )
    html = client.get(url(order)).content.decode()
    assert (
        f'<a href="{url(order, f"receipts/{payment.pk}/")}">Receipt (PDF)</a>' in html
    )


def test_ticket_download_once_paid(client, order):
    person = order.attendees.get()
    ticket = url(order, f"tickets/{person.pk}/")
    assert 'data-testid="ticket-link"' not in client.get(url(order)).content.decode()
    refused = client.get(ticket)
    assert (refused.status_code, refused.content.decode()) == (
        403,
        "Tickets are issued once the order is paid.",
    )

    mark_order_paid(order, by=UserFactory(is_staff=True))
    html = client.get(url(order)).content.decode()
    # The link names its attendee for screen readers (several sit in one table).
    assert (
        f'href="{ticket}" data-testid="ticket-link">Download ticket (PDF)'
        f'<span class="visually-hidden"> · {person.badge_name}</span><'
    ) in html
    response = client.get(ticket)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content[:5] == b"%PDF-"
    assert (
        client.get(f"/orders/{order.code}/WRONG/tickets/{person.pk}/").status_code
        == 404
    )
    assert client.get(url(card_order(), f"tickets/{person.pk}/")).status_code == 404


def test_buyer_cancelling_a_paid_order_gets_a_refund_and_a_credit_note(client, order):
    order.event.buyer_cancellation_until = timezone.now() + timedelta(days=1)
    order.event.save()
    invoice = Invoice.objects.get(order=order)
    payment = payments.mark_paid_by_transfer(
        order, reference="TRF-1", by=UserFactory(is_staff=True)
    )

    response = client.post(url(order, "cancel/"))

    assert response["Location"] == url(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED
    assert list(Refund.objects.values_list("payment", "amount", "status")) == [
        (payment.pk, Decimal("450.00"), RefundStatus.PENDING)
    ]
    assert CreditNote.objects.get(invoice=invoice).amount == Decimal("450.00")


def test_buyer_adds_a_latin_transliteration_to_a_name_in_another_script(client, order):
    person = order.attendees.get()
    edit = url(order, f"attendees/{person.pk}/")
    form = client.get(edit).content.decode()
    assert 'name="badge_name_latin"' in form

    response = client.post(
        edit,
        {
            "given_name": "민아",
            "family_name": "박",
            "badge_name": "박민아",
            "badge_name_latin": "Park Min-a",
            "language": "en",
        },
    )

    assert response["Location"] == url(order)
    person = Attendee.objects.get(pk=person.pk)
    assert (person.badge_name, person.badge_name_latin) == ("박민아", "Park Min-a")
    page = client.get(url(order)).content.decode()
    assert '<span class="small" lang="und-Latn">Park Min-a</span>' in page
