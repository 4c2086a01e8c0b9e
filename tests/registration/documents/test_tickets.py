"""Tickets: issued only when they can be honoured, with the event's own dates and the QR."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from registration.documents.services import tickets
from registration.models import (
    AttendeeExtra,
    ConsentText,
    GuardianConsent,
    OrderStatus,
    YouthDetails,
)
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    ExtraFactory,
    TicketTypeFactory,
)
from tests.pdf_tools import flat_text, page_images, qr_codes, weasyprint_warnings

pytestmark = pytest.mark.django_db


def youth_attendee(*, signed: bool):
    ticket_type = TicketTypeFactory(
        name="Youth delegate", min_age=14, max_age=18, requires_guardian_consent=True
    )
    attendee = AttendeeFactory(order__event=ticket_type.event, ticket_type=ticket_type)
    youth = YouthDetails.objects.create(
        attendee=attendee,
        date_of_birth="2011-03-09",
        guardian_name="Ana Park",
        guardian_email="ana@example.org",
        guardian_phone="+1 202 555 0100",
    )
    if signed:
        text = ConsentText.objects.create(
            event=ticket_type.event, version=1, title="Consent", body="..."
        )
        GuardianConsent.objects.create(
            youth=youth,
            consent_text=text,
            signed_name="Ana Park",
            signed_at=timezone.now(),
        )
    return type(attendee).objects.get(pk=attendee.pk)


def test_paid_order_ticket_is_issuable():
    attendee = AttendeeFactory(order__status=OrderStatus.PAID)

    assert tickets.ticket_issuable(attendee) is True
    assert tickets.ticket_refusal(attendee) is None


@pytest.mark.parametrize(
    ("status", "refusal"),
    [
        (OrderStatus.PENDING, "unpaid"),
        (OrderStatus.AWAITING_APPROVAL, "unpaid"),
        (OrderStatus.EXPIRED, "canceled"),
        (OrderStatus.CANCELED, "canceled"),
    ],
)
def test_ticket_is_not_issuable_while_the_order_is_not_paid(status, refusal):
    attendee = AttendeeFactory(order__status=status)

    assert tickets.ticket_issuable(attendee) is False
    assert tickets.ticket_refusal(attendee) == refusal


def test_render_ticket_refuses_an_unpaid_order():
    attendee = AttendeeFactory(order__status=OrderStatus.PENDING)

    with pytest.raises(tickets.TicketNotIssuable) as refused:
        tickets.render_ticket(attendee)

    assert refused.value.code == "unpaid"


def test_youth_ticket_waits_for_the_guardians_consent():
    assert tickets.ticket_refusal(youth_attendee(signed=False)) == "consent_missing"
    assert tickets.ticket_refusal(youth_attendee(signed=True)) is None


def test_event_dates_are_the_days_in_the_events_time_zone():
    # 02:00 UTC on 18 July is still 17 July in New York.
    event = EventFactory.build(
        starts_at=datetime(2027, 7, 15, 13, tzinfo=UTC),
        ends_at=datetime(2027, 7, 18, 2, tzinfo=UTC),
        time_zone="America/New_York",
    )
    across = EventFactory.build(
        starts_at=datetime(2027, 6, 30, 13, tzinfo=UTC),
        ends_at=datetime(2027, 7, 2, 20, tzinfo=UTC),
    )

    assert tickets.event_dates(event) == "15–17 July 2027"
    assert tickets.event_dates(across) == "30 June – 2 July 2027"


def test_ticket_pdf_shows_event_times_name_type_extras_and_a_scannable_qr():
    event = EventFactory(
        name="Youth Leadership Summit",
        starts_at=datetime(2027, 7, 15, 13, tzinfo=UTC),
        ends_at=datetime(2027, 7, 17, 21, tzinfo=UTC),
        time_zone="America/New_York",
        venue="Grand Hyatt",
        city="Washington",
    )
    ticket_type = TicketTypeFactory(event=event, name="Youth delegate")
    attendee = AttendeeFactory(
        order__event=event, ticket_type=ticket_type, badge_name="محمد عبد الله"
    )
    AttendeeExtra.objects.create(
        attendee=attendee, extra=ExtraFactory(event=event, name="Gala dinner")
    )

    with weasyprint_warnings() as warnings:
        pdf = tickets.render_ticket(attendee)

    text = flat_text(pdf)
    for expected in (
        "Youth Leadership Summit",
        "15–17 July 2027",
        "Thursday 15 July 2027, 09:00",
        "Saturday 17 July 2027, 17:00",
        "America/New_York",
        "Grand Hyatt, Washington, United States of America",
        "محمد عبد الله",
        "Youth delegate",
        "Gala dinner",
        attendee.order.code,
    ):
        assert expected in text
    assert warnings == []
    assert qr_codes(page_images(pdf, dpi=150)[0]) == [attendee.secret]


@pytest.mark.parametrize(
    "name",
    [
        "Ana 🌍 Pérez",
        "👩🏽\u200d🚀 Maya",
        "Mere 🇫🇯",
        "Zoë ★ ♥ ☮ → ∞",
        "李明 ✈",
    ],
)
def test_ticket_prints_emoji_and_symbols_in_names_and_still_scans(name):
    attendee = AttendeeFactory(order__status=OrderStatus.PAID, badge_name=name)

    with weasyprint_warnings() as warnings:
        pdf = tickets.render_ticket(attendee)

    assert warnings == []
    assert name in flat_text(pdf)
    assert qr_codes(page_images(pdf, dpi=150)[0]) == [attendee.secret]
