from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone

from registration.models import OrderStatus, SessionSignup, SessionWaitlistEntry
from registration.programme import services
from tests.factories import AttendeeFactory, EventFactory, OrderFactory
from tests.registration.programme.factories import ProgrammeSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(slug="summit")


def page(client, attendee):
    return client.get(f"/attendees/{attendee.secret}/")


def test_the_attendee_page_lists_the_sessions_with_their_buttons(client, event):
    open_session = ProgrammeSessionFactory(event=event, title="Water", capacity=3)
    full = ProgrammeSessionFactory(
        event=event,
        title="Trade",
        capacity=1,
        starts_at=open_session.ends_at,
        ends_at=open_session.ends_at + timedelta(hours=1),
    )
    services.sign_up(AttendeeFactory(order=OrderFactory(event=event)), full)
    attendee = AttendeeFactory(order=OrderFactory(event=event))

    response = page(client, attendee)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="own-programme"' in html
    assert "3 places left" in html
    assert 'value="sign_up"' in html
    assert 'value="wait"' in html


def test_an_attendee_signs_up_leaves_and_joins_a_waiting_list(client, event):
    session = ProgrammeSessionFactory(event=event, capacity=1, title="Water")
    attendee = AttendeeFactory(order=OrderFactory(event=event))
    url = f"/attendees/{attendee.secret}/programme/"

    response = client.post(url, {"session": session.pk, "action": "sign_up"})

    assert response.status_code == 302
    assert response["Location"] == f"/attendees/{attendee.secret}/#programme"
    assert SessionSignup.objects.filter(attendee=attendee).count() == 1
    followed = client.get(response["Location"])
    assert "You are signed up for Water." in followed.content.decode()

    client.post(url, {"session": session.pk, "action": "leave"})
    assert SessionSignup.objects.filter(attendee=attendee).count() == 0

    services.sign_up(AttendeeFactory(order=OrderFactory(event=event)), session)
    client.post(url, {"session": session.pk, "action": "wait"})
    assert SessionWaitlistEntry.objects.filter(attendee=attendee).count() == 1


def test_a_refusal_is_shown_on_the_page_and_changes_nothing(client, event):
    session = ProgrammeSessionFactory(event=event, capacity=0, title="Water")
    attendee = AttendeeFactory(order=OrderFactory(event=event))

    response = client.post(
        f"/attendees/{attendee.secret}/programme/",
        {"session": session.pk, "action": "sign_up"},
        follow=True,
    )

    assert "Water is full; you may join its waiting list." in response.content.decode()
    assert SessionSignup.objects.count() == 0


def test_a_session_of_another_event_or_a_wrong_secret_is_refused(client, event):
    other = ProgrammeSessionFactory()
    attendee = AttendeeFactory(order=OrderFactory(event=event))

    response = client.post(
        f"/attendees/{attendee.secret}/programme/",
        {"session": other.pk, "action": "sign_up"},
        follow=True,
    )

    assert "Choose a session of your event." in response.content.decode()
    assert client.post("/attendees/nope/programme/", {}).status_code == 404
    assert client.get(f"/attendees/{attendee.secret}/programme/").status_code == 405


def test_an_unconfirmed_attendee_sees_the_programme_without_buttons(client, event):
    ProgrammeSessionFactory(event=event)
    attendee = AttendeeFactory(
        order=OrderFactory(event=event, status=OrderStatus.AWAITING_APPROVAL)
    )

    html = page(client, attendee).content.decode()

    assert "Sessions open once your registration is confirmed." in html
    assert 'value="sign_up"' not in html


def test_the_attendee_calendar_lists_their_sessions(client, event):
    session = ProgrammeSessionFactory(
        event=event, title="Water", room="Hall B", speakers="Ana Ruiz\nLi Wei"
    )
    ProgrammeSessionFactory(event=event, title="Not mine")
    attendee = AttendeeFactory(order=OrderFactory(event=event))
    services.sign_up(attendee, session)

    response = client.get(f"/attendees/{attendee.secret}/calendar.ics")

    calendar = icalendar.Calendar.from_ical(response.content)
    summaries = [str(v["SUMMARY"]) for v in calendar.walk("VEVENT")]
    assert summaries[-1] == "Water"
    assert "Not mine" not in summaries
    last = calendar.walk("VEVENT")[-1]
    assert last.decoded("DTSTART") == session.starts_at.replace(microsecond=0)
    assert str(last["LOCATION"]).startswith("Room: Hall B")
    assert "Speakers: Ana Ruiz, Li Wei" in str(last["DESCRIPTION"])


def test_a_session_calendar_file_is_in_the_page_language(client, event):
    session = ProgrammeSessionFactory(event=event, title="Water", title_es="Agua")

    response = client.get(f"/es/events/summit/sessions/{session.pk}.ics")

    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    assert [str(v["SUMMARY"]) for v in calendar.walk("VEVENT")] == ["Agua"]
    assert client.get(f"/events/other/sessions/{session.pk}.ics").status_code == 404


def test_the_programme_starts_after_now_hides_buttons_of_started_sessions(
    client, event
):
    ProgrammeSessionFactory(
        event=event,
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    attendee = AttendeeFactory(order=OrderFactory(event=event))

    html = page(client, attendee).content.decode()

    assert 'data-testid="session"' in html
    assert 'value="sign_up"' not in html
