import pytest
from django.utils import timezone

from registration.models import SessionSignup
from registration.programme import services
from tests.factories import AttendeeFactory, OrderFactory
from tests.registration.programme.factories import ProgrammeSessionFactory

pytestmark = pytest.mark.django_db


def test_sessions_list_with_places_left(api, event):
    session = ProgrammeSessionFactory(
        event=event, title="Water", capacity=3, speakers="Ana Ruiz\nLi Wei"
    )
    services.sign_up(AttendeeFactory(order=OrderFactory(event=event)), session)

    response = api.get(f"/api/v1/events/{event.slug}/sessions/")

    assert response.status_code == 200
    [row] = response.json()
    assert (row["id"], row["title"], row["places_left"], row["speakers"]) == (
        session.pk,
        "Water",
        2,
        ["Ana Ruiz", "Li Wei"],
    )
    detail = api.get(f"/api/v1/sessions/{session.pk}/").json()
    assert (detail["event"], detail["capacity"], detail["places_left"]) == (
        event.slug,
        3,
        2,
    )


def test_staff_sign_up_and_remove_through_the_api(api, event):
    session = ProgrammeSessionFactory(event=event, capacity=1)
    attendee = AttendeeFactory(order=OrderFactory(event=event), badge_name="Ana")

    created = api.post(
        f"/api/v1/sessions/{session.pk}/signups/",
        {"attendee": attendee.pk},
        format="json",
    )

    assert created.status_code == 201
    assert created.json()["attendee_name"] == "Ana"
    assert created.json()["by_staff"] is True
    listed = api.get(f"/api/v1/sessions/{session.pk}/signups/").json()
    assert [row["attendee"] for row in listed] == [attendee.pk]

    full = api.post(
        f"/api/v1/sessions/{session.pk}/signups/",
        {"attendee": AttendeeFactory(order=OrderFactory(event=event)).pk},
        format="json",
    )
    assert full.status_code == 409
    assert (full.json()["code"], full.json()["field"]) == ("sold_out", "session")

    removed = api.delete(f"/api/v1/sessions/{session.pk}/signups/{attendee.pk}/")
    assert removed.status_code == 204
    assert SessionSignup.objects.count() == 0


def test_a_refused_sign_up_is_a_400_naming_the_session(api, event):
    first = ProgrammeSessionFactory(event=event, title="Water")
    clash = ProgrammeSessionFactory(
        event=event, title="Trade", starts_at=first.starts_at, ends_at=first.ends_at
    )
    attendee = AttendeeFactory(order=OrderFactory(event=event))
    services.sign_up(attendee, first)

    response = api.post(
        f"/api/v1/sessions/{clash.pk}/signups/",
        {"attendee": attendee.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "session": [
            {
                "code": "overlap",
                "message": "Trade overlaps Water, which you are signed up for.",
            }
        ]
    }
    missing = api.post(
        f"/api/v1/sessions/{clash.pk}/signups/", {"attendee": 999999}, format="json"
    )
    assert missing.status_code == 400


def test_attendance_per_session(api, event):
    session = ProgrammeSessionFactory(event=event, title="Water")
    services.sign_up(AttendeeFactory(order=OrderFactory(event=event)), session)

    response = api.get(f"/api/v1/events/{event.slug}/attendance/")

    assert response.json() == [
        {"session": session.pk, "signed_up": 1, "checked_in": 0, "percent": 0}
    ]


def test_the_api_needs_a_staff_token(client, event):
    session = ProgrammeSessionFactory(event=event, starts_at=timezone.now())

    assert client.get(f"/api/v1/sessions/{session.pk}/").status_code == 401
