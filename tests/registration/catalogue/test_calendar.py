""".ics files (registration/catalogue/services/calendar.py, served by
registration/catalogue/views.py): valid RFC 5545."""

from datetime import UTC, datetime

import icalendar
import pytest

from registration.catalogue.services import calendar
from registration.models import AttendeeExtra, OrderStatus
from tests.factories import AttendeeFactory, EventFactory, ExtraFactory
from tests.factories.cms import build_site, event_index, event_page

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def event():
    return EventFactory(
        name="SCI Annual Conference 2027",
        slug="annual-conference-2027",
        starts_at=datetime(2027, 7, 14, 13, tzinfo=UTC),  # 09:00 EDT
        ends_at=datetime(2027, 7, 16, 21, tzinfo=UTC),  # 17:00 EDT
        time_zone="America/New_York",
        venue="Capital Convention Center",
        address="801 Mount Vernon Place NW",
        city="Washington",
    )


def assert_rfc5545_lines(content: bytes) -> None:
    """CRLF line ends, no line over 75 octets, continuation lines start with a space."""
    assert content.endswith(b"\r\n")
    lines = content.split(b"\r\n")[:-1]
    assert b"\n" not in content.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"


def test_event_calendar_is_one_vevent_in_utc(event):
    content = calendar.event_calendar(
        event, url="https://sci.example/register/annual-conference-2027/", now=NOW
    )

    assert_rfc5545_lines(content)
    parsed = icalendar.Calendar.from_ical(content)
    assert parsed["VERSION"] == "2.0"
    assert str(parsed["PRODID"]) == calendar.PRODUCT_ID
    [vevent] = parsed.walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event.pk}@localhost"
    assert vevent.decoded("DTSTAMP") == NOW
    assert vevent.decoded("DTSTART") == datetime(2027, 7, 14, 13, tzinfo=UTC)
    assert vevent.decoded("DTEND") == datetime(2027, 7, 16, 21, tzinfo=UTC)
    assert b"DTSTART:20270714T130000Z\r\n" in content
    assert str(vevent["SUMMARY"]) == "SCI Annual Conference 2027"
    assert str(vevent["LOCATION"]) == (
        "Capital Convention Center, 801 Mount Vernon Place NW, Washington, "
        "United States of America"
    )
    assert str(vevent["DESCRIPTION"]) == (
        "From July 14, 2027, 9 a.m. EDT to July 16, 2027, 5 p.m. EDT"
    )
    assert str(vevent["URL"]) == "https://sci.example/register/annual-conference-2027/"


def test_long_and_non_ascii_text_is_folded_without_splitting_a_character(event):
    event.name = "Conférence annuelle — 姉妹都市国際会議 " * 4
    content = calendar.event_calendar(event, now=NOW)

    assert_rfc5545_lines(content)
    content.decode()  # every folded piece is whole UTF-8
    [vevent] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.name


def test_text_values_escape_commas_semicolons_backslashes_and_newlines():
    assert calendar.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_attendee_programme_has_one_vevent_per_event_day_with_extras(event):
    attendee = AttendeeFactory(
        order__event=event,
        order__status=OrderStatus.PAID,
        badge_name="王小明",
        ticket_type__event=event,
        ticket_type__name="Delegate",
        language="en",
    )
    AttendeeExtra.objects.create(
        attendee=attendee, extra=ExtraFactory(event=event, name="Gala dinner")
    )

    content = calendar.attendee_calendar(attendee, now=NOW)

    assert_rfc5545_lines(content)
    parsed = icalendar.Calendar.from_ical(content)
    days = parsed.walk("VEVENT")
    assert [(day.decoded("DTSTART"), day.decoded("DTEND")) for day in days] == [
        (datetime(2027, 7, d, 13, tzinfo=UTC), datetime(2027, 7, d, 21, tzinfo=UTC))
        for d in (14, 15, 16)
    ]
    assert [str(day["SUMMARY"]) for day in days] == [
        f"SCI Annual Conference 2027, day {n} of 3" for n in (1, 2, 3)
    ]
    assert len({str(day["UID"]) for day in days}) == 3
    assert str(days[1]["DESCRIPTION"]) == (
        "From July 15, 2027, 9 a.m. EDT to July 15, 2027, 5 p.m. EDT\n"
        "Ticket: Delegate\nExtras: Gala dinner\n"
        f"Order: {attendee.order.code}"
    )
    assert str(parsed["X-WR-CALNAME"]) == (
        "SCI Annual Conference 2027: programme of 王小明"
    )


def test_an_event_ending_earlier_in_the_day_than_it_starts_is_one_span(event):
    event.starts_at = datetime(2027, 7, 14, 22, tzinfo=UTC)  # 18:00 EDT
    event.ends_at = datetime(2027, 7, 16, 16, tzinfo=UTC)  # 12:00 EDT

    assert calendar.programme_days(event) == [(event.starts_at, event.ends_at)]


def test_event_page_route_serves_the_calendar(client, event):
    response = client.get("/es/events/annual-conference-2027/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="annual-conference-2027.ics"'
    )
    [vevent] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(vevent["URL"]) == (
        "http://testserver/es/register/annual-conference-2027/"
    )
    # Spanish dates: the month name comes from Django's own Spanish formats.
    assert "14 de julio de 2027 a las 09:00 EDT" in str(vevent["DESCRIPTION"])


def test_unknown_event_calendar_is_404(client):
    assert client.get("/events/nothing-here/calendar.ics").status_code == 404


def test_order_page_serves_each_attendees_programme_and_hides_it_behind_the_secret(
    client, event
):
    attendee = AttendeeFactory(
        order__event=event, order__status=OrderStatus.PAID, ticket_type__event=event
    )
    order = attendee.order
    url = f"/orders/{order.code}/{order.secret}/calendar/{attendee.pk}.ics"

    response = client.get(url)
    page = client.get(f"/orders/{order.code}/{order.secret}/").content.decode()

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private")
    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == 3
    assert f'href="{url}"' in page
    wrong = f"/orders/{order.code}/{order.secret[:-1]}x/calendar/{attendee.pk}.ics"
    assert client.get(wrong).status_code == 404
    other = AttendeeFactory(order__event=event)
    assert (
        client.get(
            f"/orders/{order.code}/{order.secret}/calendar/{other.pk}.ics"
        ).status_code
        == 404
    )


def test_attendee_page_links_the_programme(client, event):
    attendee = AttendeeFactory(
        order__event=event, order__status=OrderStatus.PAID, ticket_type__event=event
    )

    page = client.get(f"/attendees/{attendee.secret}/").content.decode()
    response = client.get(f"/attendees/{attendee.secret}/calendar.ics")

    assert f'href="/attendees/{attendee.secret}/calendar.ics"' in page
    assert response.status_code == 200
    assert b"BEGIN:VEVENT" in response.content


def test_event_page_links_the_calendar(client, event):
    url = event_page(event_index(build_site()), event).url

    page = client.get(url).content.decode()

    assert 'href="/events/annual-conference-2027/calendar.ics"' in page
