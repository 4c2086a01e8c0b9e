"""The web checkout, step by step, without JavaScript."""

from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup

from registration.models import Invoice, Order, OrderStatus, QuestionKind, TicketType
from registration.privacy.services import PRIVACY_NOTICE_VERSION
from tests.factories import (
    EventFactory,
    ExtraFactory,
    QuestionFactory,
    TicketTypeFactory,
    VoucherFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(slug="conference", name="Annual Conference")


@pytest.fixture
def delegate(event):
    return TicketTypeFactory(
        event=event, name="Delegate", price=Decimal("450.00"), capacity=5
    )


def attendee_post(index=0, **overrides):
    data = {
        f"attendees.{index}.given_name": "Claire",
        f"attendees.{index}.family_name": "Dubois",
        f"attendees.{index}.email": "claire@example.org",
        f"attendees.{index}.country": "FR",
    }
    data.update({f"attendees.{index}.{k}": v for k, v in overrides.items()})
    return data


BILLING = {
    "billing_name": "City of Toulouse",
    "billing_address": "1 Place du Capitole\n31000 Toulouse",
    "billing_tax_id": "FR12345678901",
    "billing_po_number": "PO-77",
    "billing_email": "finance@toulouse.example",
    "privacy": "yes",
}

BUYER = {
    "buyer.name": "City of Toulouse",
    "buyer.email": "protocol@toulouse.example",
    "buyer.language": "en",
    "payment_method": "invoice",
}


def test_full_checkout_places_the_order_and_shows_its_page(client, event, delegate):
    gala = ExtraFactory(event=event, name="Gala dinner", price=Decimal("85.00"))
    response = client.post(
        "/register/conference/", {f"ticket_{delegate.pk}": "2", f"extra_{gala.pk}": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/register/conference/attendees/"
    page = client.get("/register/conference/attendees/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="attendee-form"') == 2
    assert f'name="attendees.0.extras" value="{gala.pk}" checked' in html
    assert f'name="attendees.1.extras" value="{gala.pk}">' in html

    data = {
        **BUYER,
        **attendee_post(0, extras=str(gala.pk)),
        **attendee_post(1, given_name="Jean", email=""),
    }
    response = client.post("/register/conference/attendees/", data)
    assert (response.status_code, response["Location"]) == (
        302,
        "/register/conference/review/",
    )
    review = client.get("/register/conference/review/")
    assert 'data-testid="review-total">USD 985.00<' in review.content.decode()
    placed = client.post(
        "/register/conference/review/", {"expected_total": "985.00", **BILLING}
    )
    order = Order.objects.get()
    assert placed["Location"] == f"/orders/{order.code}/{order.secret}/"
    assert (order.status, order.total, order.payment_method) == (
        OrderStatus.PENDING,
        Decimal("985.00"),
        "invoice",
    )
    assert list(order.attendees.values_list("badge_name", flat=True)) == [
        "Claire Dubois",
        "Jean Dubois",
    ]
    page = client.get(placed["Location"])
    assert page.status_code == 200
    assert 'data-testid="order-status">Pending payment<' in page.content.decode()


def test_tickets_step_refuses_no_tickets(client, event, delegate):
    response = client.post("/register/conference/", {f"ticket_{delegate.pk}": "0"})
    assert response.status_code == 400
    assert "Choose at least one ticket." in response.content.decode()


def test_tickets_step_refuses_an_unknown_code(client, event, delegate):
    response = client.post(
        "/register/conference/", {f"ticket_{delegate.pk}": "1", "voucher": "NOPE"}
    )
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    field = soup.find(id="voucher")
    assert (field["value"], field["aria-invalid"], field["aria-describedby"]) == (
        "NOPE",
        "true",
        "voucher-error voucher-help",
    )
    assert "neither a voucher nor a member code" in soup.find(id="voucher-error").text


def test_attendee_errors_name_the_field_and_keep_what_was_entered(
    client, event, delegate
):
    diet = QuestionFactory(
        event=event,
        label="Diet",
        kind=QuestionKind.CHOICE,
        choices="None\nVegan",
        required=True,
    )
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    data = {
        **BUYER,
        "buyer.email": "not-an-address",
        **attendee_post(0, organisation="Mairie de Toulouse"),
    }
    response = client.post("/register/conference/attendees/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="f-buyer-email-error">Enter a valid e-mail address.<' in html
    assert f'id="f-attendees-0-answers-{diet.pk}"' in html
    assert "This question must be answered." in html
    assert 'value="Mairie de Toulouse"' in html
    assert 'value="City of Toulouse"' in html
    assert 'value="not-an-address"' in html


def test_youth_ticket_asks_for_date_of_birth_and_checks_the_age(client):
    summit = EventFactory(slug="summit")
    youth = TicketTypeFactory(
        event=summit, min_age=14, max_age=18, requires_guardian_consent=True
    )
    client.post("/register/summit/", {f"ticket_{youth.pk}": "1"})
    data = {
        **BUYER,
        **attendee_post(
            0,
            **{
                "youth.date_of_birth": "2000-01-01",
                "youth.guardian_name": "Marie",
                "youth.guardian_email": "marie@example.org",
                "youth.guardian_phone": "1",
            },
        ),
    }
    response = client.post("/register/summit/attendees/", data)
    assert response.status_code == 400
    assert 'id="f-attendees-0-youth-date_of_birth-error">' in response.content.decode()
    born = date(summit.local_start_date().year - 15, 6, 1).isoformat()
    data["attendees.0.youth.date_of_birth"] = born
    assert client.post("/register/summit/attendees/", data).status_code == 302


def test_review_asks_again_when_the_price_changed(client, event, delegate):
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    client.post("/register/conference/attendees/", {**BUYER, **attendee_post()})
    TicketType.objects.filter(pk=delegate.pk).update(price=Decimal("500.00"))
    response = client.post(
        "/register/conference/review/", {"expected_total": "450.00", **BILLING}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "The total is now USD 500.00; please confirm it." in html
    assert 'name="expected_total" value="500.00"' in html
    assert Order.objects.count() == 0
    assert (
        client.post(
            "/register/conference/review/", {"expected_total": "500.00", **BILLING}
        ).status_code
        == 302
    )


def test_review_reports_sold_out_at_placement(client, event, delegate):
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    client.post("/register/conference/attendees/", {**BUYER, **attendee_post()})
    TicketType.objects.filter(pk=delegate.pk).update(capacity=0)
    response = client.post(
        "/register/conference/review/", {"expected_total": "450.00", **BILLING}
    )
    assert response.status_code == 409
    assert "Delegate is sold out." in response.content.decode()


def test_voucher_code_on_the_tickets_step_prices_the_review(client, event, delegate):
    VoucherFactory(event=event, code="HALF", value=Decimal("50"))
    client.post(
        "/register/conference/", {f"ticket_{delegate.pk}": "1", "voucher": "half"}
    )
    client.post("/register/conference/attendees/", {**BUYER, **attendee_post()})
    review = client.get("/register/conference/review/").content.decode()
    assert 'data-testid="review-total">USD 225.00<' in review


def test_steps_without_a_selection_go_back_to_tickets(client, event):
    assert (
        client.get("/register/conference/attendees/")["Location"]
        == "/register/conference/"
    )
    assert (
        client.get("/register/conference/review/")["Location"]
        == "/register/conference/"
    )


def test_invoice_checkout_issues_the_invoice_to_the_billing_details(
    client, event, delegate
):
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    client.post("/register/conference/attendees/", {**BUYER, **attendee_post(0)})
    review = client.get("/register/conference/review/").content.decode()
    assert 'name="billing_name" value="City of Toulouse"' in review
    assert 'name="billing_email" value="protocol@toulouse.example"' in review

    placed = client.post(
        "/register/conference/review/", {"expected_total": "450.00", **BILLING}
    )

    order = Order.objects.get()
    assert placed["Location"] == f"/orders/{order.code}/{order.secret}/"
    invoice = Invoice.objects.get(order=order)
    assert (
        invoice.billing_name,
        invoice.billing_address,
        invoice.tax_id,
        invoice.po_number,
        invoice.total,
    ) == (
        "City of Toulouse",
        "1 Place du Capitole\n31000 Toulouse",
        "FR12345678901",
        "PO-77",
        Decimal("450.00"),
    )
    assert order.billing.email == "finance@toulouse.example"


def test_billing_errors_name_the_field_keep_the_input_and_place_nothing(
    client, event, delegate
):
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    client.post("/register/conference/attendees/", {**BUYER, **attendee_post(0)})

    response = client.post(
        "/register/conference/review/",
        {
            **BILLING,
            "expected_total": "450.00",
            "billing_address": "",
            "billing_email": "nope",
        },
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="f-billing_address-error">Enter the billing address.<' in html
    assert 'id="f-billing_email-error">Enter a valid e-mail address.<' in html
    assert 'name="billing_po_number" value="PO-77"' in html
    assert 'name="billing_email" value="nope"' in html
    assert Order.objects.count() == 0


def test_card_checkout_lands_on_the_order_page_with_the_pay_button(
    client, settings, event, delegate
):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    client.post(
        "/register/conference/attendees/",
        {**BUYER, "payment_method": "card", **attendee_post(0)},
    )
    review = client.get("/register/conference/review/").content.decode()
    assert 'data-testid="billing-form"' not in review

    placed = client.post(
        "/register/conference/review/", {"expected_total": "450.00", "privacy": "yes"}
    )

    order = Order.objects.get()
    assert placed["Location"] == f"/orders/{order.code}/{order.secret}/"
    assert Invoice.objects.count() == 0
    page = client.get(placed["Location"]).content.decode()
    assert f'action="/payments/{order.code}/{order.secret}/pay/"' in page


def test_tickets_step_error_keeps_the_quantities_and_the_code(client, event, delegate):
    gala = ExtraFactory(event=event, name="Gala dinner", price=Decimal("85.00"))
    response = client.post(
        "/register/conference/",
        {f"ticket_{delegate.pk}": "2", f"extra_{gala.pk}": "1", "voucher": "NOPE"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'name="ticket_{delegate.pk}" value="2"' in html
    assert f'name="extra_{gala.pk}" value="1"' in html
    assert 'name="voucher" value="NOPE"' in html
    fresh = client.get("/register/conference/").content.decode()
    assert f'name="ticket_{delegate.pk}" value="0"' in fresh
    assert 'name="voucher" value=""' in fresh


def test_without_stripe_keys_card_is_not_offered_and_is_refused(
    client, settings, event, delegate
):
    settings.STRIPE_SECRET_KEY = ""
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})

    form = client.get("/register/conference/attendees/").content.decode()
    refused = client.post(
        "/register/conference/attendees/",
        {**BUYER, "payment_method": "card", **attendee_post(0)},
    )

    assert 'value="card"' not in form
    assert 'value="invoice"' in form
    assert refused.status_code == 400
    assert "Choose one of the payment methods shown." in refused.content.decode()
    assert Order.objects.count() == 0


def test_placing_needs_the_privacy_notice_agreed_and_records_it(
    client, event, delegate
):
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    client.post(
        "/register/conference/attendees/",
        {**BUYER, "payment_method": "card", **attendee_post(0)},
    )
    review = client.get("/register/conference/review/").content.decode()
    assert 'href="/privacy/"' in review

    refused = client.post("/register/conference/review/", {"expected_total": "450.00"})

    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="f-privacy-error"' in html
    assert 'aria-describedby="f-privacy-error"' in html
    assert Order.objects.count() == 0

    placed = client.post(
        "/register/conference/review/", {"expected_total": "450.00", "privacy": "yes"}
    )

    assert placed.status_code == 302
    order = Order.objects.get()
    assert order.privacy_accepted_at is not None
    assert order.privacy_notice_version == PRIVACY_NOTICE_VERSION


def test_privacy_notice_page_names_the_retention_periods(client, settings):
    settings.YOUTH_RETENTION_DAYS = 45
    settings.VISA_RETENTION_DAYS = 20

    html = client.get("/privacy/").content.decode()

    assert "45 days after the event" in html
    assert "20 days after the event" in html
    assert PRIVACY_NOTICE_VERSION in html


def test_spanish_review_carries_the_total_unlocalised_and_places_the_order(
    client, event, delegate
):
    # In Spanish the page shows "450,00"; the hidden total it posts back must
    # stay machine-readable, or every Spanish order is "price changed".
    client.post("/es/register/conference/", {f"ticket_{delegate.pk}": "1"})
    client.post(
        "/es/register/conference/attendees/",
        {**BUYER, "buyer.language": "es", **attendee_post(0)},
    )
    review = client.get("/es/register/conference/review/").content.decode()
    assert 'name="expected_total" value="450.00"' in review

    placed = client.post(
        "/es/register/conference/review/", {"expected_total": "450.00", **BILLING}
    )

    assert placed.status_code == 302
    assert Order.objects.get().language == "es"


def test_checkout_takes_a_badge_name_in_another_script_and_its_transliteration(
    client, event, delegate
):
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    form = client.get("/register/conference/attendees/").content.decode()
    assert 'name="attendees.0.badge_name_latin"' in form
    data = {
        **BUYER,
        **attendee_post(
            0,
            given_name="Иван",
            family_name="Петров",
            badge_name="Иван Петров",
            badge_name_latin="Ivan Petrov",
        ),
    }
    client.post("/register/conference/attendees/", data)
    client.post("/register/conference/review/", {"expected_total": "450.00", **BILLING})

    person = Order.objects.get().attendees.get()
    assert (person.badge_name, person.badge_name_latin) == (
        "Иван Петров",
        "Ivan Petrov",
    )


def test_a_field_error_is_tied_to_its_field_before_the_help(client, event, delegate):
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    data = {**BUYER, **attendee_post(0, email="not-an-address")}
    response = client.post("/register/conference/attendees/", data)
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    field = soup.find(id="f-attendees-0-email")
    assert (field["aria-invalid"], field["aria-describedby"]) == (
        "true",
        "f-attendees-0-email-error f-attendees-0-email-help",
    )
    assert soup.find(id="f-attendees-0-email-error").text == (
        "Enter a valid e-mail address."
    )
    summary = soup.find(attrs={"data-error-summary": True})
    assert (summary["role"], summary["tabindex"]) == ("alert", "-1")
    assert soup.title.text.startswith("Error: Attendees · Annual Conference")
