from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.test import APIClient

from registration.models import Order, OrderStatus
from registration.staff.services.api_tokens import create_api_token
from tests.factories import (
    EventFactory,
    QuestionFactory,
    TicketTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(db):
    return EventFactory(slug="conference", name="Annual Conference")


@pytest.fixture
def delegate(event):
    return TicketTypeFactory(
        event=event, name="Delegate", price=Decimal("450.00"), capacity=2
    )


def order_body(ticket_type, **overrides):
    body = {
        "buyer": {"name": "City of Toulouse", "email": "protocol@toulouse.example"},
        "attendees": [
            {
                "ticket_type": ticket_type.pk,
                "given_name": "Claire",
                "family_name": "Dubois",
                "email": "claire@toulouse.example",
                "country": "FR",
            },
        ],
        "payment_method": "invoice",
    }
    body.update(overrides)
    return body


def test_post_order_places_an_invoice_order(api, event, delegate, staff):
    response = api.post(
        "/api/v1/events/conference/orders/", order_body(delegate), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    order = Order.objects.get()
    assert body["code"] == order.code
    assert (body["status"], body["status_display"]) == ("pending", "Pending payment")
    assert (body["total"], body["currency"], body["payment_method"]) == (
        "450.00",
        "USD",
        "invoice",
    )
    assert body["buyer"]["email"] == "protocol@toulouse.example"
    [person] = body["attendees"]
    assert person["badge_name"] == "Claire Dubois"
    assert person["ticket_type"] == {"id": delegate.pk, "name": "Delegate"}
    assert (person["country"], person["consent_missing"], person["youth"]) == (
        "FR",
        False,
        None,
    )
    assert order.created_by == staff


def test_post_order_names_each_invalid_field(api, event, delegate):
    body = order_body(delegate)
    body["buyer"]["email"] = "not-an-email"
    body["attendees"].append({"ticket_type": delegate.pk})
    body["payment_method"] = "card"
    response = api.post("/api/v1/events/conference/orders/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "Some fields are not valid.",
        "errors": {
            "buyer.email": [
                {"code": "invalid", "message": "Enter a valid email address."}
            ],
            "attendees.1.given_name": [
                {"code": "required", "message": "This field is required."}
            ],
            "payment_method": [
                {"code": "invalid_choice", "message": '"card" is not a valid choice.'}
            ],
        },
    }


def test_post_order_reports_rule_errors_by_field(api, event, delegate):
    youth = TicketTypeFactory(event=event, min_age=14, max_age=18)
    question = QuestionFactory(event=event, required=True, label="Diet")
    body = order_body(delegate)
    body["attendees"].append(
        {
            "ticket_type": youth.pk,
            "given_name": "Léa",
            "youth": {"date_of_birth": "2000-01-01"},
            "answers": {str(question.pk): "None"},
        }
    )
    response = api.post("/api/v1/events/conference/orders/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [
        f"attendees.0.answers.{question.pk}",
        "attendees.1.youth.date_of_birth",
    ]
    assert errors["attendees.1.youth.date_of_birth"][0]["code"] == "too_old"


def test_post_order_when_sold_out_answers_409(api, event, delegate):
    body = order_body(delegate)
    body["attendees"] = body["attendees"] * 3
    response = api.post("/api/v1/events/conference/orders/", body, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "code": "sold_out",
        "detail": "Only 2 places are left for Delegate.",
        "field": "attendees",
    }


def test_post_order_with_a_changed_total_answers_409_price_changed(
    api, event, delegate
):
    response = api.post(
        "/api/v1/events/conference/orders/",
        order_body(delegate, expected_total="400.00"),
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "price_changed"
    assert response.json()["total"] == "450.00"


def test_post_order_after_registration_closed_answers_400(api, event, delegate):
    event.registration_closes_at = timezone.now() - timedelta(minutes=1)
    event.save()
    response = api.post(
        "/api/v1/events/conference/orders/", order_body(delegate), format="json"
    )
    assert (response.status_code, response.json()) == (
        400,
        {"code": "registration_closed", "detail": "Registration is closed."},
    )


def test_get_order_shows_consent_flag_and_youth_details_only_with_permission(
    api, event
):
    youth = TicketTypeFactory(
        event=event,
        min_age=14,
        max_age=18,
        price=Decimal("0.00"),
        requires_guardian_consent=True,
    )
    born = date(event.local_start_date().year - 15, 1, 1)
    body = order_body(youth, payment_method="free")
    body["attendees"][0]["youth"] = {
        "date_of_birth": born.isoformat(),
        "guardian_name": "Marie Dubois",
        "guardian_email": "marie@example.org",
        "guardian_phone": "+33 5 00 00 00 00",
    }
    code = api.post("/api/v1/events/conference/orders/", body, format="json").json()[
        "code"
    ]
    full = api.get(f"/api/v1/orders/{code.lower()}/").json()
    [person] = full["attendees"]
    assert full["status"] == "paid"
    assert (person["consent_required"], person["consent_missing"]) == (True, True)
    assert person["youth"] == {
        "date_of_birth": born.isoformat(),
        "guardian_name": "Marie Dubois",
        "guardian_email": "marie@example.org",
        "guardian_phone": "+33 5 00 00 00 00",
        "consent_signed_at": None,
    }
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_order"))
    _token, raw = create_api_token(clerk)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    limited = client.get(f"/api/v1/orders/{code}/").json()
    assert limited["attendees"][0]["youth"] is None
    assert limited["attendees"][0]["consent_missing"] is True


def test_get_order_query_count_does_not_grow_with_attendees(
    api, event, django_assert_num_queries
):
    ticket = TicketTypeFactory(event=event, max_per_order=20)
    body = order_body(ticket)
    body["attendees"] = body["attendees"] * 12
    code = api.post("/api/v1/events/conference/orders/", body, format="json").json()[
        "code"
    ]
    # token+user, order, attendees, extras, answers
    with django_assert_num_queries(5):
        api.get(f"/api/v1/orders/{code}/")


def test_cancel_order_frees_the_seats_and_cannot_be_repeated(api, event, delegate):
    code = api.post(
        "/api/v1/events/conference/orders/", order_body(delegate), format="json"
    ).json()["code"]
    response = api.post(
        f"/api/v1/orders/{code}/cancel/", {"reason": "duplicate"}, format="json"
    )
    assert (response.status_code, response.json()["status"]) == (200, "canceled")
    assert Order.objects.get(code=code).status == OrderStatus.CANCELED
    again = api.post(f"/api/v1/orders/{code}/cancel/", {}, format="json")
    assert again.status_code == 409
    assert again.json() == {
        "code": "invalid_transition",
        "detail": "An order that is Canceled cannot become Canceled.",
        "field": "status",
    }
    assert (
        api.get("/api/v1/events/conference/").json()["ticket_types"][0]["seats_left"]
        == 2
    )


def test_unknown_order_answers_404(api):
    assert api.get("/api/v1/orders/NOPE42/").status_code == 404


def test_privacy_agreement_passed_by_the_integrator_is_recorded(api, event, delegate):
    body = order_body(delegate)
    body["buyer"]["privacy_accepted"] = True
    assert (
        api.post("/api/v1/events/conference/orders/", body, format="json").status_code
        == 201
    )
    without = order_body(delegate)
    assert (
        api.post(
            "/api/v1/events/conference/orders/", without, format="json"
        ).status_code
        == 201
    )

    agreed, silent = Order.objects.order_by("pk")
    assert agreed.privacy_accepted_at is not None and agreed.privacy_notice_version
    assert (silent.privacy_accepted_at, silent.privacy_notice_version) == (None, "")
