"""A Spanish-speaking buyer gets the confirmation and its ticket PDF in Spanish.

Expected texts come from the catalogue (`gettext` under "es"), so the test
does not repeat translations; it also asserts that they are translated.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext

from registration.models import PaymentMethod
from registration.orders import services as orders
from registration.reader import format_with_zone
from tests.factories import EventFactory, TicketTypeFactory
from tests.pdf_tools import flat_text
from tests.registration.conftest import attendee, buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(
        name="Conferencia Anual",
        starts_at=datetime(2027, 7, 15, 13, tzinfo=UTC),
        ends_at=datetime(2027, 7, 17, 21, tzinfo=UTC),
        registration_opens_at=datetime(2026, 1, 1, tzinfo=UTC),
        registration_closes_at=datetime(2027, 7, 1, tzinfo=UTC),
        time_zone="America/New_York",
        venue="Grand Hyatt",
        city="Washington",
        contact_email="events@sister-cities.example",
    )


def spanish(msgid: str, **values) -> str:
    with translation.override("es"):
        translated = gettext(msgid)
    assert translated != msgid, f"no Spanish translation of {msgid!r}"
    return translated % values if values else translated


def test_confirmation_and_ticket_come_out_in_spanish(
    event, django_capture_on_commit_callbacks, mailoutbox
):
    free = TicketTypeFactory(event=event, name="Prensa", price=Decimal("0.00"))
    with django_capture_on_commit_callbacks(execute=True):
        order = orders.place_order(
            event,
            buyer=buyer(name="Lucía Gómez", language="es"),
            attendees=[attendee(free, email="", language="")],
            payment_method=PaymentMethod.FREE,
        )
    [message] = mailoutbox
    with translation.override("es"):
        starts = format_with_zone(event.starts_at, event.tz)

    assert message.subject == spanish(
        "Registration confirmed: %(event)s (%(code)s)",
        event="Conferencia Anual",
        code=order.code,
    )
    assert (
        spanish(
            "Your registration for %(event)s (%(date)s, %(city)s) is confirmed.",
            event="Conferencia Anual",
            date=starts,
            city="Washington",
        )
        in message.body
    )
    assert starts == "15 de julio de 2027 a las 09:00 EDT"
    assert spanish("Dear %(name)s,", name="Lucía Gómez") in message.body

    [(filename, pdf, mime_type)] = message.attachments
    assert filename == f"ticket-{order.code}-{order.attendees.get().pk}.pdf"
    assert mime_type == "application/pdf"
    text = flat_text(pdf)
    # Labels are set in capitals by the stylesheet.
    assert spanish("Ticket").upper() in text
    assert spanish("When").upper() in text
    # The days and times in Spanish, in the event's zone with its abbreviation.
    assert "jueves 15 julio 2027, 09:00 EDT" in text
    assert "15–17 julio 2027" in text
    assert "Show this code at the entrance" not in text
