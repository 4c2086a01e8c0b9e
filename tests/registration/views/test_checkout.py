"""The web checkout, step by step, without JavaScript."""

from datetime import date
from decimal import Decimal

import pytest

from registration.models import Order, OrderStatus, QuestionKind, TicketType
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
    placed = client.post("/register/conference/review/", {"expected_total": "985.00"})
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
    assert "neither a voucher nor a member code" in response.content.decode()


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
    response = client.post("/register/conference/review/", {"expected_total": "450.00"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "The total is now USD 500.00; please confirm it." in html
    assert 'name="expected_total" value="500.00"' in html
    assert Order.objects.count() == 0
    assert (
        client.post(
            "/register/conference/review/", {"expected_total": "500.00"}
        ).status_code
        == 302
    )


def test_review_reports_sold_out_at_placement(client, event, delegate):
    client.post("/register/conference/", {f"ticket_{delegate.pk}": "1"})
    client.post("/register/conference/attendees/", {**BUYER, **attendee_post()})
    TicketType.objects.filter(pk=delegate.pk).update(capacity=0)
    response = client.post("/register/conference/review/", {"expected_total": "450.00"})
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
