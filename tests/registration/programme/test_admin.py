import pytest
from django.contrib.auth.models import Permission

from registration.models import ProgrammeSession, SessionSignup
from registration.programme import services
from tests.factories import AttendeeFactory, EventFactory, OrderFactory, UserFactory
from tests.registration.programme.factories import ProgrammeSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def event():
    return EventFactory(time_zone="America/Chicago")


def test_staff_add_a_session_in_the_event_time_zone(client, staff, event):
    response = client.post(
        "/admin/programme_sessions/new/",
        {
            "event": event.pk,
            "kind": "workshop",
            "title": "Water",
            "starts_at": "2027-07-15 09:00",
            "ends_at": "2027-07-15 10:30",
            "capacity": "30",
        },
    )

    assert response.status_code == 302
    session = ProgrammeSession.objects.get()
    assert session.starts_at.isoformat() == "2027-07-15T14:00:00+00:00"
    edit = client.get(f"/admin/programme_sessions/edit/{session.pk}/")
    assert 'value="2027-07-15 09:00"' in edit.content.decode()


def test_a_session_ending_before_it_starts_is_refused(client, staff, event):
    response = client.post(
        "/admin/programme_sessions/new/",
        {
            "event": event.pk,
            "kind": "workshop",
            "title": "Water",
            "starts_at": "2027-07-15 09:00",
            "ends_at": "2027-07-15 08:00",
        },
    )

    assert response.status_code == 200
    assert "A session must end after it starts." in response.content.decode()
    assert ProgrammeSession.objects.count() == 0


def test_staff_assign_move_and_remove_attendees(client, staff, event):
    source = ProgrammeSessionFactory(event=event, title="Water", capacity=1)
    target = ProgrammeSessionFactory(
        event=event,
        title="Trade",
        starts_at=source.ends_at,
        ends_at=source.ends_at + (source.ends_at - source.starts_at),
    )
    attendee = AttendeeFactory(order=OrderFactory(event=event), badge_name="Ana Ruiz")
    url = f"/admin/programme_sessions/signups/{source.pk}/"

    page = client.get(url)
    assert page.status_code == 200
    assert "1 of 1 places left." in page.content.decode()

    client.post(url, {"action": "assign", "attendee": attendee.pk})
    assert list(SessionSignup.objects.values_list("session", "by_staff")) == [
        (source.pk, True)
    ]
    full = client.post(
        url,
        {
            "action": "assign",
            "attendee": AttendeeFactory(order=OrderFactory(event=event)).pk,
        },
        follow=True,
    )
    assert "Water is full; you may join its waiting list." in full.content.decode()

    moved = client.post(
        url,
        {"action": "move", "attendee": attendee.pk, "to_session": target.pk},
        follow=True,
    )
    assert "Ana Ruiz moved to Trade." in moved.content.decode()
    assert list(SessionSignup.objects.values_list("session", flat=True)) == [target.pk]

    services.sign_up(attendee, source)
    client.post(url, {"action": "remove", "attendee": attendee.pk})
    assert list(SessionSignup.objects.values_list("session", flat=True)) == [target.pk]
    assert client.post(url, {"action": "nonsense"}).status_code == 400


def test_signups_need_the_change_permission_to_act(client, event):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(viewer)
    session = ProgrammeSessionFactory(event=event)

    attendee = AttendeeFactory(order=OrderFactory(event=event))

    response = client.post(
        f"/admin/programme_sessions/signups/{session.pk}/",
        {"action": "assign", "attendee": attendee.pk},
    )

    # Wagtail answers a refused permission with a redirect to the dashboard.
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert SessionSignup.objects.count() == 0
