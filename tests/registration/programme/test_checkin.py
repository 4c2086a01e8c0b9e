"""A room host's check-in list: tied to a session, it admits the attendees
signed up for it and nobody else; the dashboard counts attendance per session."""

import secrets

import pytest
from rest_framework.test import APIClient

from registration.checkin.services.devices import create_device
from registration.models import CheckInList
from registration.programme import selectors, services
from tests.factories import AttendeeFactory, EventFactory, OrderFactory, UserFactory
from tests.registration.programme.factories import ProgrammeSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(slug="conf")


@pytest.fixture
def session(event):
    return ProgrammeSessionFactory(event=event, title="Water", capacity=10)


@pytest.fixture
def room(event, session):
    return CheckInList.objects.create(event=event, name="Room 201", session=session)


@pytest.fixture
def device_client(event):
    _device, token = create_device(name="Room host", events=[event])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return client


def scan(client, checkin_list, secret):
    return client.post(
        "/api/v1/checkin/redeem/",
        {"list": checkin_list.pk, "nonce": secrets.token_hex(8), "secret": secret},
        format="json",
    )


def person(event):
    return AttendeeFactory(order=OrderFactory(event=event))


def test_a_session_list_admits_only_the_signed_up(device_client, event, session, room):
    signed_up, other = person(event), person(event)
    services.sign_up(signed_up, session)

    assert scan(device_client, room, signed_up.secret).json()["code"] == "ok"
    refused = scan(device_client, room, other.secret).json()
    assert refused["code"] == "not_on_list"
    assert refused["message"] == "This ticket does not admit to Room 201."


def test_a_place_given_up_no_longer_admits(device_client, event, session, room):
    attendee = person(event)
    services.sign_up(attendee, session)
    services.leave_session(attendee, session)

    assert scan(device_client, room, attendee.secret).json()["code"] == "not_on_list"


def test_sync_and_search_mark_who_is_on_a_session_list(
    device_client, event, session, room
):
    signed_up = AttendeeFactory(order=OrderFactory(event=event), given_name="Ana")
    AttendeeFactory(order=OrderFactory(event=event), given_name="Anabel")
    services.sign_up(signed_up, session)

    synced = device_client.get(f"/api/v1/checkin/lists/{room.pk}/sync/").json()
    found = device_client.get(f"/api/v1/checkin/lists/{room.pk}/search/?q=Ana").json()

    assert sorted(
        (row["attendee"]["given_name"], row["standing"]) for row in synced["attendees"]
    ) == [("Ana", "ok"), ("Anabel", "not_on_list")]
    assert sorted(
        (row["attendee"]["given_name"], row["standing"]) for row in found["results"]
    ) == [("Ana", "ok"), ("Anabel", "not_on_list")]


def test_attendance_per_session_counts_admitted_people_once(
    device_client, event, session, room
):
    came, stayed_away = person(event), person(event)
    for attendee in (came, stayed_away):
        services.sign_up(attendee, session)
    other_session = ProgrammeSessionFactory(
        event=event,
        title="Trade",
        starts_at=session.ends_at,
        ends_at=session.ends_at + (session.ends_at - session.starts_at),
    )
    room.allow_reentry = True
    room.save(update_fields=["allow_reentry"])
    scan(device_client, room, came.secret)
    scan(device_client, room, came.secret)

    rows = selectors.session_attendance(event)

    assert [(r.session.title, r.signed_up, r.checked_in, r.percent) for r in rows] == [
        ("Water", 2, 1, 50),
        ("Trade", 0, 0, 0),
    ]
    assert selectors.attended_sessions(came) == [session]
    assert selectors.attended_sessions(stayed_away) == []
    assert other_session.pk


def test_the_dashboard_shows_the_sessions(client, event, session, room):
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(staff)

    response = client.get(f"/admin/checkin_dashboard/?list={room.pk}")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-table="sessions"' in html
    assert "Water" in html
