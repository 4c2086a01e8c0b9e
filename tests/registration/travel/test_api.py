"""API v1: delegations and travel plans; passport details only for the Travel desk."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from registration.models import OrderStatus, TravelPlan, VisaDetails
from registration.staff.services.api_tokens import create_api_token
from registration.travel.services import delegations
from tests.factories import AttendeeFactory, OrderFactory, UserFactory
from tests.factories.travel import TravelPlanFactory, VisaDetailsFactory
from tests.registration.travel.conftest import member

pytestmark = pytest.mark.django_db


def api_for(group_name: str, username: str) -> APIClient:
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    _token, raw = create_api_token(user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def desk_api(db):
    return api_for("Travel desk", "desk")


@pytest.fixture
def manager_api(db):
    return api_for("Registration managers", "manager")


@pytest.fixture
def plan(event, delegation):
    attendee = AttendeeFactory(
        order=OrderFactory(event=event, status=OrderStatus.PAID), delegation=delegation
    )
    VisaDetailsFactory(attendee=attendee)
    return TravelPlanFactory(
        attendee=attendee,
        arrival_at=datetime(2027, 6, 10, 6, 30, tzinfo=UTC),
        arrival_airport="LAX",
        arrival_carrier="Air France",
        arrival_number="AF 66",
        visa_letter_needed=True,
        visa_letter_status="requested",
    )


def test_travel_plans_show_passport_only_to_the_travel_desk(
    event, plan, desk_api, manager_api
):
    for_manager = manager_api.get(f"/api/v1/travel-plans/?event={event.slug}")
    for_desk = desk_api.get(f"/api/v1/travel-plans/?event={event.slug}")

    assert for_manager.status_code == 200
    (row,) = for_manager.json()
    assert "visa" not in row
    assert "19FV12345" not in for_manager.content.decode()
    assert row["arrival"] == {
        "at": "2027-06-09T23:30:00-07:00",
        "airport": "LAX",
        "carrier": "Air France",
        "number": "AF 66",
    }
    (desk_row,) = for_desk.json()
    assert desk_row["visa"] == {
        "nationality": "FR",
        "passport_number": "19FV12345",
        "passport_expiry": "2031-05-01",
        "date_of_birth": "1980-03-14",
    }


def test_travel_plan_list_queries_do_not_grow(event, plan, desk_api):
    with CaptureQueriesContext(connection) as few:
        desk_api.get(f"/api/v1/travel-plans/?event={event.slug}")
    for _ in range(5):
        attendee = AttendeeFactory(order=OrderFactory(event=event))
        VisaDetailsFactory(attendee=attendee)
        TravelPlanFactory(attendee=attendee)
    with CaptureQueriesContext(connection) as many:
        response = desk_api.get(f"/api/v1/travel-plans/?event={event.slug}")
    assert len(response.json()) == 6
    assert len(many) == len(few)


def test_put_travel_in_airport_time_and_unknown_airport_is_a_field_error(
    event, desk_api
):
    attendee = AttendeeFactory(order=OrderFactory(event=event))
    url = f"/api/v1/attendees/{attendee.pk}/travel/"

    bad = desk_api.put(
        url,
        {
            "arrival_airport": "QQX",
            "arrival_date": "2027-06-09",
            "arrival_time": "23:30",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == {
        "arrival_airport": [
            {
                "code": "unknown_airport",
                "message": "QQX is not a known airport or station code.",
            }
        ]
    }

    good = desk_api.put(
        url,
        {
            "arrival_airport": "HNL",
            "arrival_date": "2027-06-09",
            "arrival_time": "23:00",
            "visa": {
                "nationality": "JP",
                "passport_number": "TK1234567",
                "passport_expiry": "2030-01-31",
            },
        },
        format="json",
    )
    assert good.status_code == 200
    assert good.json()["arrival"]["at"] == "2027-06-09T23:00:00-10:00"
    assert TravelPlan.objects.get(attendee=attendee).arrival_at == datetime(
        2027, 6, 10, 9, tzinfo=UTC
    )
    assert VisaDetails.objects.get(attendee=attendee).passport_number == "TK1234567"


def test_manager_may_not_write_passport_details(event, manager_api):
    attendee = AttendeeFactory(order=OrderFactory(event=event))
    response = manager_api.put(
        f"/api/v1/attendees/{attendee.pk}/travel/",
        {"visa": {"nationality": "JP", "passport_number": "X1"}},
        format="json",
    )
    assert response.status_code == 403
    assert not VisaDetails.objects.exists() and not TravelPlan.objects.exists()


def test_delegations_list_and_detail(event, delegation, delegate, manager_api):
    delegations.add_member(delegation, member=member(delegate))

    listing = manager_api.get(f"/api/v1/delegations/?event={event.slug}").json()
    detail = manager_api.get(f"/api/v1/delegations/{delegation.pk}/").json()

    assert [(d["name"], d["member_count"], d["status"]) for d in listing] == [
        ("Toulouse delegation", 1, "open")
    ]
    assert [(m["badge_name"], m["order_status"]) for m in detail["members"]] == [
        ("Léa Dubois", "pending")
    ]
    assert "secret" not in detail


def test_api_refuses_users_without_permission(db, plan):
    editors = api_for("Editors", "editor")
    assert editors.get("/api/v1/travel-plans/").status_code == 403
    assert editors.get("/api/v1/delegations/").status_code == 403


def test_schema_generates_without_warnings(tmp_path):
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
    )
    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/travel-plans/" in schema
    assert "/api/v1/attendees/{attendee_id}/travel/" in schema
