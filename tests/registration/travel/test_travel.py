"""Travel plans in airport zones, manifests across zones, visa letters, retention."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from registration.models import (
    ActivityLog,
    OrderStatus,
    TravelPlan,
    VisaDetails,
    VisaLetter,
    VisaLetterStatus,
)
from registration.periodic import run_periodic_jobs
from registration.travel.selectors import get_rooming_list, get_travel_manifest
from registration.travel.services import travel
from tests.factories import AttendeeFactory, OrderFactory
from tests.factories.travel import TravelPlanFactory, VisaDetailsFactory
from tests.pdf_tools import flat_text, layout_text, page_count

pytestmark = pytest.mark.django_db


def _attendee(event, delegation=None, *, given="Léa", family="Dubois", status=None):
    order = OrderFactory(event=event, status=status or OrderStatus.PAID)
    return AttendeeFactory(
        order=order, given_name=given, family_name=family, delegation=delegation
    )


def test_times_are_entered_in_the_airport_zone(event):
    attendee = _attendee(event)

    plan = travel.save_travel_plan(
        attendee,
        data={
            "arrival_date": "2027-07-12",
            "arrival_time": "14:05",
            "arrival_airport": "hnl",
            "arrival_carrier": "Hawaiian",
            "arrival_number": "ha 51",
            "departure_date": "2027-07-18",
            "departure_time": "09:30",
            "departure_airport": "IAD",
        },
    )

    assert plan.arrival_airport == "HNL"
    assert plan.arrival_number == "HA 51"
    # 14:05 in Honolulu (UTC−10) is 00:05 UTC the next day.
    assert plan.arrival_at == datetime(2027, 7, 13, 0, 5, tzinfo=UTC)
    # 09:30 at Dulles in July (EDT, UTC−4).
    assert plan.departure_at == datetime(2027, 7, 18, 13, 30, tzinfo=UTC)
    values = travel.travel_form_values(TravelPlan.objects.get(pk=plan.pk))
    assert (values["arrival_date"], values["arrival_time"]) == ("2027-07-12", "14:05")


def test_unknown_airport_and_bad_time_are_field_errors(event):
    attendee = _attendee(event)
    with pytest.raises(travel.TravelInvalid) as caught:
        travel.save_travel_plan(
            attendee,
            data={
                "arrival_date": "2027-07-12",
                "arrival_time": "25:99",
                "arrival_airport": "QQX",
            },
        )
    assert sorted((e.field, e.code) for e in caught.value.errors) == [
        ("arrival_airport", "unknown_airport"),
        ("arrival_time", "invalid"),
    ]
    assert not TravelPlan.objects.exists()


def test_departure_before_arrival_is_refused(event):
    attendee = _attendee(event)
    with pytest.raises(travel.TravelInvalid) as caught:
        travel.save_travel_plan(
            attendee,
            data={
                "arrival_date": "2027-07-12",
                "arrival_time": "10:00",
                "arrival_airport": "IAD",
                "departure_date": "2027-07-12",
                "departure_time": "09:00",
                "departure_airport": "IAD",
            },
        )
    assert [e.code for e in caught.value.errors] == ["departure_before_arrival"]


def _arrive(attendee, when_utc, airport, **extra):
    return TravelPlanFactory(
        attendee=attendee, arrival_at=when_utc, arrival_airport=airport, **extra
    )


def test_manifest_groups_by_local_day_and_sorts_by_instant_across_zones(event):
    # All three land on 10 June 2027 in UTC; locally LAX and HNL are still on 9 June.
    iad = _arrive(
        _attendee(event, given="Ines"), datetime(2027, 6, 10, 13, 0, tzinfo=UTC), "IAD"
    )
    lax = _arrive(
        _attendee(event, given="Luis"), datetime(2027, 6, 10, 6, 30, tzinfo=UTC), "LAX"
    )
    hnl = _arrive(
        _attendee(event, given="Hana"), datetime(2027, 6, 10, 9, 0, tzinfo=UTC), "HNL"
    )
    canceled = _attendee(event, given="Gone", status=OrderStatus.CANCELED)
    _arrive(canceled, datetime(2027, 6, 10, 7, 0, tzinfo=UTC), "IAD")

    days = get_travel_manifest(event)

    assert [day.day for day in days] == [date(2027, 6, 9), date(2027, 6, 10)]
    first, second = days
    assert [(s.airport, s.hour) for s in first.slots] == [("LAX", 23), ("HNL", 23)]
    assert [row.plan for s in first.slots for row in s.rows] == [lax, hnl]
    assert [row.local.strftime("%H:%M %Z") for s in first.slots for row in s.rows] == [
        "23:30 PDT",
        "23:00 HST",
    ]
    assert [(s.airport, s.hour) for s in second.slots] == [("IAD", 9)]
    assert [row.plan for row in second.slots[0].rows] == [iad]


def test_manifest_can_list_pickups_and_departures(event):
    _arrive(_attendee(event), datetime(2027, 6, 10, 13, tzinfo=UTC), "IAD")
    wants = _arrive(
        _attendee(event, given="Pia"),
        datetime(2027, 6, 10, 15, tzinfo=UTC),
        "IAD",
        pickup_needed=True,
        departure_at=datetime(2027, 6, 14, 20, tzinfo=UTC),
        departure_airport="DCA",
    )

    pickups = get_travel_manifest(event, pickup_only=True)
    departures = get_travel_manifest(event, direction="departure")

    assert [row.plan for d in pickups for s in d.slots for row in s.rows] == [wants]
    assert [(d.day, s.airport, s.hour) for d in departures for s in d.slots] == [
        (date(2027, 6, 14), "DCA", 16)
    ]


def test_rooming_list_groups_by_hotel_then_name(event):
    a = TravelPlanFactory(
        attendee=_attendee(event, given="Ana"),
        lodging_kind="hotel",
        lodging_name="Hotel Harrington",
        room_sharing_with="Bea",
    )
    b = TravelPlanFactory(
        attendee=_attendee(event, given="Bea"),
        lodging_kind="hotel",
        lodging_name="Hotel Harrington",
        room_sharing_with="Ana",
    )
    c = TravelPlanFactory(
        attendee=_attendee(event, given="Cem"),
        lodging_kind="host_family",
        lodging_name="The Millers",
    )
    TravelPlanFactory(attendee=_attendee(event, given="Dan"))

    groups = get_rooming_list(event)

    assert [(g.lodging_kind, g.lodging_name, g.plans) for g in groups] == [
        ("host_family", "The Millers", [c]),
        ("hotel", "Hotel Harrington", [a, b]),
    ]


# --- Letters ---------------------------------------------------------------------


def _letter_ready(event, delegation=None, *, status=OrderStatus.PAID, approved=True):
    attendee = _attendee(event, delegation, status=status)
    TravelPlanFactory(
        attendee=attendee,
        visa_letter_needed=True,
        visa_letter_status=VisaLetterStatus.APPROVED
        if approved
        else VisaLetterStatus.REQUESTED,
        arrival_at=datetime(2027, 6, 10, 13, tzinfo=UTC),
        arrival_airport="IAD",
        lodging_name="Hotel Harrington",
    )
    VisaDetailsFactory(attendee=attendee)
    return attendee


def test_no_letter_while_unpaid(event, staff):
    attendee = _letter_ready(event, status=OrderStatus.PENDING)
    with pytest.raises(travel.TravelError) as caught:
        travel.issue_visa_letter(attendee, by=staff)
    assert caught.value.code == "letter_not_allowed"
    assert caught.value.message == "The registration is not paid yet."
    assert not VisaLetter.objects.exists()


def test_no_letter_until_staff_approve(event, staff):
    attendee = _letter_ready(event, approved=False)
    with pytest.raises(travel.TravelError) as caught:
        travel.issue_visa_letter(attendee, by=staff)
    assert caught.value.message == "Staff have not approved the visa letter yet."

    travel.set_visa_letter_status(
        attendee.travel, status=VisaLetterStatus.APPROVED, by=staff
    )
    letter = travel.issue_visa_letter(attendee, by=staff)
    assert letter.number.startswith("SCI-")


def test_an_admitted_unpaid_order_may_have_its_letter(event, staff):
    attendee = _letter_ready(event, status=OrderStatus.PENDING)
    attendee.order.admit_before_payment = True
    attendee.order.save()

    assert travel.issue_visa_letter(attendee, by=staff).number.endswith("-0001")


def test_letter_is_numbered_logged_without_passport_and_reads_right(
    event, delegation, staff
):
    attendee = _letter_ready(event, delegation)
    now = timezone.now()

    letter = travel.issue_visa_letter(attendee, by=staff, now=now)

    year = timezone.localtime(now, event.tz).year
    assert letter.number == f"SCI-{year}-0001"
    attendee.travel.refresh_from_db()
    assert attendee.travel.visa_letter_status == VisaLetterStatus.ISSUED
    entry = ActivityLog.objects.get(action="visa_letter.issued")
    assert entry.data == {"number": letter.number}
    assert "19FV12345" not in str(
        list(ActivityLog.objects.values_list("data", flat=True))
    )
    pdf = travel.render_visa_letters([letter])
    assert page_count(pdf) == 1
    text = layout_text(pdf)
    assert f"{letter.number} {timezone.localtime(now, event.tz):%-d %B %Y}" in text
    assert "Letter of invitation" in text
    assert "Passport number 19FV12345" in text
    assert "Nationality France" in text
    assert "Full name Léa Dubois" in text
    assert "Passport valid until 1 May 2031" in text
    assert "Toulouse delegation" in text
    assert "Annual Conference 2027" in text
    assert "Planned stay 10 June 2027" in text
    assert "Lodging Hotel Harrington" in text
    assert "Travel desk, Sister Cities International" in text


def test_delegation_letters_come_as_one_pdf_for_those_who_qualify(
    event, delegation, staff
):
    first = _letter_ready(event, delegation)
    second = _letter_ready(event, delegation)
    unpaid = _letter_ready(event, delegation, status=OrderStatus.PENDING)

    letters, refused = travel.issue_delegation_letters(delegation, by=staff)

    assert [letter.attendee_id for letter in letters] == sorted([first.pk, second.pk])
    assert refused == {unpaid.pk: "The registration is not paid yet."}
    numbers = [letter.number for letter in letters]
    assert [n[-4:] for n in numbers] == ["0001", "0002"]
    pdf = travel.render_visa_letters(letters)
    text = flat_text(pdf)
    assert numbers[0] in text and numbers[1] in text
    assert page_count(pdf) == 2


def test_passport_must_outlive_the_event(event):
    attendee = _attendee(event)
    last_day = timezone.localtime(event.ends_at, event.tz).date()
    with pytest.raises(travel.TravelInvalid) as caught:
        travel.save_visa_details(
            attendee,
            data={
                "nationality": "fr",
                "passport_number": "19 FV 12345",
                "passport_expiry": last_day.isoformat(),
            },
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("passport_expiry", "passport_expires")
    ]
    details = travel.save_visa_details(
        attendee,
        data={
            "nationality": "fr",
            "passport_number": "19 FV 12345",
            "passport_expiry": (last_day + timedelta(days=1)).isoformat(),
        },
    )
    assert (details.nationality.code, details.passport_number) == ("FR", "19FV12345")


@override_settings(VISA_RETENTION_DAYS=30)
def test_retention_job_purges_passport_details_after_the_event(event):
    old = OrderFactory(
        event__starts_at=timezone.now() - timedelta(days=40),
        event__ends_at=timezone.now() - timedelta(days=31),
    )
    recent = OrderFactory(
        event__starts_at=timezone.now() - timedelta(days=35),
        event__ends_at=timezone.now() - timedelta(days=29),
    )
    gone = VisaDetailsFactory(attendee=AttendeeFactory(order=old))
    kept = VisaDetailsFactory(attendee=AttendeeFactory(order=recent))
    upcoming = VisaDetailsFactory(attendee=_attendee(event))

    counts = run_periodic_jobs()

    assert counts["visa_details_purged"] == 1
    assert sorted(VisaDetails.objects.values_list("pk", flat=True)) == sorted(
        [kept.pk, upcoming.pk]
    )
    assert not VisaDetails.objects.filter(pk=gone.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_letter_numbers_have_no_gaps_under_concurrency(event, staff):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL")
    attendees = [_letter_ready(event) for _ in range(8)]
    errors = []

    def issue(attendee):
        try:
            travel.issue_visa_letter(attendee, by=None)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(a,)) for a in attendees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(
        int(n[-4:]) for n in VisaLetter.objects.values_list("number", flat=True)
    ) == list(range(1, 9))
