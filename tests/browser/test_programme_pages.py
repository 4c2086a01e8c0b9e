"""The programme on the event page and on the attendee's own page, in a real
browser at a desktop and a phone width: the pages fit the screen, their
targets are at least 24 × 24, and an attendee signs up with a click.

Screenshots go to $SCREENSHOT_DIR when it is set (for a human to look at)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registration.models import SessionKind
from registration.programme import services
from tests.browser.test_registration_changes import OVERFLOW, shoot
from tests.browser.test_touch_targets import SMALL_TARGETS
from tests.factories import AttendeeFactory, EventFactory, OrderFactory
from tests.factories.cms import build_site, event_index, event_page
from tests.registration.programme.factories import ProgrammeSessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def programme():
    now = timezone.now()
    event = EventFactory(
        name="Annual Conference 2027",
        slug="conference",
        venue="Capitol Hilton",
        starts_at=(now + timedelta(days=60)).replace(hour=13, minute=0),
    )
    first = event.starts_at
    rows = [
        (
            0,
            1.5,
            SessionKind.PLENARY,
            "Opening plenary: cities as diplomats",
            "Grand Ballroom",
            None,
            "Leroy Allala\nMaría José Ferreira",
        ),
        (
            2,
            1.5,
            SessionKind.WORKSHOP,
            "Water partnerships that last",
            "Room 201",
            40,
            "Dr. Amina Diallo",
        ),
        (
            2,
            1.5,
            SessionKind.WORKSHOP,
            "Youth exchanges: from idea to visa",
            "Room 202",
            1,
            "Kenji Watanabe",
        ),
        (
            25,
            3,
            SessionKind.SITE_VISIT,
            "Site visit: the city's riverfront",
            "Bus at the main entrance",
            45,
            "",
        ),
    ]
    sessions = [
        ProgrammeSessionFactory(
            event=event,
            title=title,
            kind=kind,
            room=room,
            capacity=capacity,
            speakers=speakers,
            starts_at=first + timedelta(hours=offset),
            ends_at=first + timedelta(hours=offset + hours),
            description="How sister cities keep a project going after the visit.",
        )
        for offset, hours, kind, title, room, capacity, speakers in rows
    ]
    services.sign_up(AttendeeFactory(order=OrderFactory(event=event)), sessions[2])
    event_page(event_index(build_site()), event)
    attendee = AttendeeFactory(
        order=OrderFactory(event=event), badge_name="Claire Dubois"
    )
    services.sign_up(attendee, sessions[0])
    return event, attendee, sessions


@pytest.mark.parametrize("width", [1280, 375])
def test_programme_pages_fit_and_sign_up_works(live_server, page, width):
    event, attendee, sessions = programme()
    page.set_viewport_size({"width": width, "height": 900})
    pages = {
        "event-programme": f"{live_server.url}/events/{event.slug}/",
        "attendee-programme": f"{live_server.url}/attendees/{attendee.secret}/",
    }
    for name, url in pages.items():
        page.goto(url)
        assert page.evaluate(OVERFLOW) is False, name
        assert page.evaluate(SMALL_TARGETS, 24) == [], name
        shoot(page, name, width)

    page.locator(f"[data-session='{sessions[1].pk}'] button[value=sign_up]").click()
    page.wait_for_url(f"**/attendees/{attendee.secret}/#programme")
    assert "You are signed up for Water partnerships that last." in page.inner_text(
        "body"
    )
    page.locator(f"[data-session='{sessions[2].pk}'] button[value=wait]").wait_for()
    shoot(page, "attendee-programme-after-sign-up", width)
