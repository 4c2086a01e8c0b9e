from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from registration.consent import services as consent
from registration.errors import ConsentError, ConsentInvalid, OrderInvalid
from registration.models import (
    ActivityLog,
    Attendee,
    GuardianConsent,
    OrderStatus,
    PaymentMethod,
    YouthDetails,
)
from registration.orders import services as orders
from registration.orders.services import YouthData
from registration.travel.services import travel
from tests.factories import EventFactory, TicketTypeFactory
from tests.factories.registration_more import ConsentTextFactory
from tests.registration.conftest import attendee, buyer


@pytest.fixture
def summit(db):
    # 10 July 2027, 01:00 in Tokyo is still 9 July in UTC: the local date counts.
    starts = datetime(2027, 7, 9, 16, 0, tzinfo=UTC)
    return EventFactory(
        name="Youth Leadership Summit",
        kind="youth_summit",
        time_zone="Asia/Tokyo",
        starts_at=starts,
        ends_at=starts + timedelta(days=4),
        registration_opens_at=timezone.now() - timedelta(days=1),
        registration_closes_at=starts,
    )


@pytest.fixture
def youth_ticket(summit):
    return TicketTypeFactory(
        event=summit,
        name="Youth delegate",
        min_age=14,
        max_age=18,
        requires_guardian_consent=True,
    )


def youth(born, **overrides):
    data = {
        "date_of_birth": born,
        "guardian_name": "Grace Guardian",
        "guardian_email": "grace@example.org",
        "guardian_phone": "+1 202 555 0100",
    }
    data.update(overrides)
    return YouthData(**data)


def place_youth(summit, ticket, born, **youth_overrides):
    return orders.place_order(
        summit,
        buyer=buyer(),
        attendees=[attendee(ticket, youth=youth(born, **youth_overrides))],
        payment_method=PaymentMethod.INVOICE,
    )


def test_age_on_counts_completed_years():
    assert consent.age_on(date(2013, 7, 10), date(2027, 7, 10)) == 14
    assert consent.age_on(date(2013, 7, 11), date(2027, 7, 10)) == 13
    assert consent.age_on(date(2012, 2, 29), date(2027, 2, 28)) == 14
    assert consent.age_on(date(2012, 2, 29), date(2027, 3, 1)) == 15


def test_turning_14_on_the_first_day_in_the_event_time_zone_is_in(summit, youth_ticket):
    order = place_youth(summit, youth_ticket, date(2013, 7, 10))
    assert order.attendees.get().youth.date_of_birth == date(2013, 7, 10)


def test_turning_14_the_day_after_the_first_day_is_out(summit, youth_ticket):
    with pytest.raises(OrderInvalid) as raised:
        place_youth(summit, youth_ticket, date(2013, 7, 11))
    [error] = raised.value.errors
    assert (error.field, error.code) == ("attendees.0.youth.date_of_birth", "too_young")
    assert error.message == (
        "Youth delegate is for ages 14 and up; this date of birth gives 13 on the first "
        "day of the event."
    )


def test_turning_19_the_day_before_the_first_day_is_out(summit, youth_ticket):
    with pytest.raises(OrderInvalid) as raised:
        place_youth(summit, youth_ticket, date(2008, 7, 9))
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("attendees.0.youth.date_of_birth", "too_old")
    ]


def test_turning_19_on_the_first_day_is_out_and_18_the_day_after_is_in(
    summit, youth_ticket
):
    with pytest.raises(OrderInvalid):
        place_youth(summit, youth_ticket, date(2008, 7, 10))
    assert place_youth(summit, youth_ticket, date(2008, 7, 11)).pk


def test_youth_ticket_needs_date_of_birth_and_guardian(summit, youth_ticket):
    with pytest.raises(OrderInvalid) as raised:
        orders.place_order(
            summit,
            buyer=buyer(),
            attendees=[attendee(youth_ticket)],
            payment_method=PaymentMethod.INVOICE,
        )
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("attendees.0.youth.date_of_birth", "required"),
        ("attendees.0.youth.guardian_name", "required"),
        ("attendees.0.youth.guardian_email", "required"),
        ("attendees.0.youth.guardian_phone", "required"),
    ]


def test_chaperone_buys_an_adult_ticket_without_youth_details(summit, youth_ticket):
    chaperone = TicketTypeFactory(event=summit, name="Chaperone")
    order = orders.place_order(
        summit,
        buyer=buyer(),
        attendees=[
            attendee(youth_ticket, youth=youth(date(2011, 1, 1))),
            attendee(chaperone, given_name="Carl"),
        ],
        payment_method=PaymentMethod.INVOICE,
    )
    assert YouthDetails.objects.filter(attendee__order=order).count() == 1


def test_youth_order_requests_consent_and_flags_it_missing(
    summit, youth_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_youth(summit, youth_ticket, date(2011, 1, 1))
    person = Attendee.objects.select_related("youth", "ticket_type").get(order=order)
    assert person.consent_missing is True
    assert person.youth.consent_requested_at is not None
    consent_mail = [m for m in mailoutbox if m.to == ["grace@example.org"]]
    assert [m.subject for m in consent_mail] == [
        "Your consent is needed: Mina Park at Youth Leadership Summit"
    ]
    assert f"/consent/{person.youth.consent_token}/" in consent_mail[0].body


def test_sign_guardian_consent_records_who_when_where_and_version(summit, youth_ticket):
    order = place_youth(summit, youth_ticket, date(2011, 1, 1))
    person = order.attendees.get()
    ConsentTextFactory(event=summit, version=1)
    text = ConsentTextFactory(event=summit, version=2)
    found = consent.find_youth_by_consent_token(person.youth.consent_token)
    now = timezone.now()
    signature = consent.sign_guardian_consent(
        found,
        consent_text=text,
        signed_name="Grace Guardian",
        medical_notes="Peanut allergy",
        emergency_contact_name="Grace Guardian",
        emergency_contact_phone="+1 202 555 0100",
        photo_release=True,
        ip_address="203.0.113.7",
        user_agent="Firefox",
        now=now,
    )
    assert (signature.signed_name, signature.signed_at, signature.ip_address) == (
        "Grace Guardian",
        now,
        "203.0.113.7",
    )
    assert (signature.consent_text.version, signature.photo_release) == (2, True)
    details = YouthDetails.objects.get(pk=found.pk)
    assert details.medical_notes == "Peanut allergy"
    assert Attendee.objects.get(pk=person.pk).consent_missing is False
    entry = ActivityLog.objects.get(action="consent.signed")
    assert entry.data == {"consent_text_version": 2, "consent_text_language": "en"}


def test_consent_cannot_be_signed_twice(summit, youth_ticket):
    order = place_youth(summit, youth_ticket, date(2011, 1, 1))
    text = ConsentTextFactory(event=summit)
    details = order.attendees.get().youth
    kwargs = {
        "consent_text": text,
        "signed_name": "G",
        "emergency_contact_name": "G",
        "emergency_contact_phone": "1",
    }
    consent.sign_guardian_consent(details, **kwargs)
    with pytest.raises(ConsentError) as raised:
        consent.sign_guardian_consent(details, **kwargs)
    assert raised.value.code == "already_signed"
    assert GuardianConsent.objects.count() == 1


def test_consent_on_an_outdated_text_is_refused(summit, youth_ticket):
    order = place_youth(summit, youth_ticket, date(2011, 1, 1))
    old = ConsentTextFactory(event=summit, version=1)
    ConsentTextFactory(event=summit, version=2)
    with pytest.raises(ConsentError) as raised:
        consent.sign_guardian_consent(
            order.attendees.get().youth,
            consent_text=old,
            signed_name="G",
            emergency_contact_name="G",
            emergency_contact_phone="1",
        )
    assert raised.value.code == "consent_text_changed"


def test_consent_form_names_missing_fields(summit, youth_ticket):
    order = place_youth(summit, youth_ticket, date(2011, 1, 1))
    text = ConsentTextFactory(event=summit)
    with pytest.raises(ConsentInvalid) as raised:
        consent.sign_guardian_consent(
            order.attendees.get().youth,
            consent_text=text,
            signed_name=" ",
            emergency_contact_name="",
            emergency_contact_phone="",
        )
    assert [(e.field, e.code) for e in raised.value.errors] == [
        ("signed_name", "required"),
        ("emergency_contact_name", "required"),
        ("emergency_contact_phone", "required"),
    ]


def test_consent_link_of_a_canceled_order_is_refused(summit, youth_ticket):
    order = place_youth(summit, youth_ticket, date(2011, 1, 1))
    token = order.attendees.get().youth.consent_token
    orders.cancel_order(order, by=None)
    with pytest.raises(ConsentError) as raised:
        consent.find_youth_by_consent_token(token)
    assert raised.value.code == "order_closed"
    with pytest.raises(ConsentError) as unknown:
        consent.find_youth_by_consent_token("WRONG")
    assert unknown.value.code == "unknown_token"


def test_consent_reminders_go_out_after_3_and_7_days(
    summit, youth_ticket, mailoutbox, django_capture_on_commit_callbacks
):
    order = place_youth(summit, youth_ticket, date(2011, 1, 1))
    details = order.attendees.get().youth
    requested = details.consent_requested_at
    with django_capture_on_commit_callbacks(execute=True):
        assert consent.send_consent_reminders(now=requested + timedelta(days=2)) == 0
        assert consent.send_consent_reminders(now=requested + timedelta(days=3)) == 1
        assert consent.send_consent_reminders(now=requested + timedelta(days=4)) == 0
        assert consent.send_consent_reminders(now=requested + timedelta(days=7)) == 1
        assert consent.send_consent_reminders(now=requested + timedelta(days=30)) == 0
    subjects = [m.subject for m in mailoutbox if m.subject.startswith("Reminder")]
    assert (
        subjects
        == ["Reminder: your consent is needed for Mina Park at Youth Leadership Summit"]
        * 2
    )
    assert YouthDetails.objects.get(pk=details.pk).reminders_sent == 2


def test_no_reminder_once_consent_is_signed_or_the_order_is_canceled(
    summit, youth_ticket
):
    signed = place_youth(summit, youth_ticket, date(2011, 1, 1))
    canceled = place_youth(summit, youth_ticket, date(2011, 1, 1))
    text = ConsentTextFactory(event=summit)
    consent.sign_guardian_consent(
        signed.attendees.get().youth,
        consent_text=text,
        signed_name="G",
        emergency_contact_name="G",
        emergency_contact_phone="1",
    )
    orders.cancel_order(canceled, by=None)
    assert consent.send_consent_reminders(now=timezone.now() + timedelta(days=8)) == 0


def test_consent_missing_is_false_for_tickets_without_consent(summit):
    adult = TicketTypeFactory(event=summit)
    order = orders.place_order(
        summit,
        buyer=buyer(),
        attendees=[attendee(adult)],
        payment_method=PaymentMethod.INVOICE,
    )
    assert order.attendees.get().consent_missing is False
    assert order.status == OrderStatus.PENDING


def test_activity_log_never_holds_youth_medical_guardian_or_passport_values(
    summit, youth_ticket
):
    order = place_youth(summit, youth_ticket, date(2011, 1, 1))
    person = order.attendees.get()
    text = ConsentTextFactory(event=summit, version=1)
    consent.sign_guardian_consent(
        consent.find_youth_by_consent_token(person.youth.consent_token),
        consent_text=text,
        signed_name="Grace Guardian",
        medical_notes="Peanut allergy",
        emergency_contact_name="Uncle Emergency",
        emergency_contact_phone="+1 202 555 0199",
        ip_address="203.0.113.7",
    )
    last_day = timezone.localtime(summit.ends_at, summit.tz).date()
    travel.save_visa_details(
        person,
        data={
            "nationality": "kr",
            "passport_number": "M12345678",
            "passport_expiry": (last_day + timedelta(days=400)).isoformat(),
        },
    )

    logged = " ".join(
        str(data) for data in ActivityLog.objects.values_list("data", flat=True)
    )
    assert ActivityLog.objects.filter(action__startswith="consent").exists()
    assert ActivityLog.objects.filter(action="visa.details_saved").exists()
    for secret in (
        "Peanut allergy",
        "Uncle Emergency",
        "555 0199",
        "2011-01-01",
        "grace@example.org",
        "M12345678",
        str(last_day + timedelta(days=400)),
    ):
        assert secret not in logged
