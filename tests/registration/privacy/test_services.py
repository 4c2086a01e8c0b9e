"""Subject access, erasure and retention (registration/privacy/services.py)."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from registration.models import (
    ActivityLog,
    Answer,
    Attendee,
    Order,
    OrderStatus,
    OutboxMessage,
    OutboxStatus,
    TravelPlan,
    VisaDetails,
    YouthDetails,
)
from registration.privacy.services import (
    ERASED_NAME,
    erase_attendee,
    export_attendee_data,
    purge_youth_details,
)
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    QuestionFactory,
    UserFactory,
)
from tests.factories.registration_more import YouthDetailsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def youth():
    event = EventFactory(name="Youth Leadership Summit")
    order = OrderFactory(
        event=event, status=OrderStatus.PAID, total=Decimal("250.00"), buyer_name="Ana"
    )
    attendee = AttendeeFactory(
        order=order, given_name="Léa", family_name="Dubois", city="Lyon", country="FR"
    )
    question = QuestionFactory(event=event, label="Dietary needs")
    Answer.objects.create(attendee=attendee, question=question, value="Vegetarian")
    YouthDetailsFactory(attendee=attendee, medical_notes="Peanut allergy")
    TravelPlan.objects.create(attendee=attendee, arrival_airport="IAD")
    VisaDetails.objects.create(
        attendee=attendee,
        nationality="FR",
        passport_number="19AB12345",
        passport_expiry=date(2031, 1, 1),
    )
    return attendee


def test_export_holds_everything_for_those_allowed(youth):
    data = export_attendee_data(youth, with_youth=True, with_passport=True)
    assert data["attendee"]["given_name"] == "Léa"
    assert data["attendee"]["country"] == "FR"
    assert data["order"]["total"] == "250.00"
    assert data["answers"] == [{"question": "Dietary needs", "answer": "Vegetarian"}]
    assert data["youth"]["medical_notes"] == "Peanut allergy"
    assert data["visa"]["passport_number"] == "19AB12345"
    assert data["travel"]["arrival_airport"] == "IAD"
    assert data["withheld"] == []
    json.dumps(data)  # serialisable as it is


def test_export_withholds_youth_and_passport_data_without_permission(youth):
    data = export_attendee_data(youth, with_youth=False, with_passport=False)
    assert "youth" not in data
    assert "visa" not in data
    assert data["withheld"] == ["youth", "visa"]
    assert "Peanut" not in json.dumps(data)
    assert "19AB12345" not in json.dumps(data)


def test_erasure_anonymises_the_person_and_keeps_the_money(youth):
    old_secret = youth.secret
    staff = UserFactory()
    erase_attendee(youth, by=staff)
    youth.refresh_from_db()
    assert (youth.badge_name, youth.given_name, youth.family_name) == (
        ERASED_NAME,
        ERASED_NAME,
        "",
    )
    assert (youth.email, youth.city, youth.country.code) == ("", "", "")
    assert youth.secret != old_secret
    assert list(youth.answers.values_list("value", flat=True)) == [""]
    assert not YouthDetails.objects.filter(attendee=youth).exists()
    assert not TravelPlan.objects.filter(attendee=youth).exists()
    assert not VisaDetails.objects.filter(attendee=youth).exists()
    order = Order.objects.get(pk=youth.order_id)
    assert (order.status, order.total) == (OrderStatus.PAID, Decimal("250.00"))
    log = ActivityLog.objects.get(action="attendee.erased")
    assert (log.actor, log.object_id, log.data) == (staff, str(youth.pk), {})
    everything_logged = json.dumps(list(ActivityLog.objects.values("data")))
    for value in ("Léa", "Dubois", "Peanut", "19AB12345"):
        assert value not in everything_logged


def test_retention_job_deletes_youth_details_after_the_set_days(settings, youth):
    settings.YOUTH_RETENTION_DAYS = 30
    event = youth.order.event
    ended = event.ends_at
    later_event = EventFactory(
        starts_at=ended + timedelta(days=20), ends_at=ended + timedelta(days=22)
    )
    recent = AttendeeFactory(order=OrderFactory(event=later_event))
    YouthDetailsFactory(attendee=recent)
    assert purge_youth_details(now=ended + timedelta(days=29)) == 0
    assert purge_youth_details(now=ended + timedelta(days=31)) == 1
    assert not YouthDetails.objects.filter(attendee=youth).exists()
    assert Attendee.objects.filter(pk=youth.pk).exists()
    assert YouthDetails.objects.filter(attendee=recent).exists()


def test_retention_job_runs_in_the_periodic_pass(settings, youth):
    from registration.periodic import run_periodic_jobs

    settings.YOUTH_RETENTION_DAYS = 0
    counts = run_periodic_jobs(now=youth.order.event.ends_at + timedelta(days=1))
    assert counts["youth_details_purged"] == 1


def test_erasure_drops_the_personal_values_logged_by_transfers_and_answer_edits(
    django_capture_on_commit_callbacks, mailoutbox
):
    from registration.orders import services as orders

    event = EventFactory(name="Annual Conference")
    attendee = AttendeeFactory(
        order=OrderFactory(event=event, status=OrderStatus.PAID),
        given_name="Mina",
        email="mina@example.org",
    )
    question = QuestionFactory(event=event, label="Dietary needs")
    staff = UserFactory(username="desk", is_staff=True)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        orders.update_answers(attendee, answers={question.pk: "Vegan"}, by=staff)
        orders.transfer_ticket(
            attendee,
            to=orders.TransferData(given_name="Noor", email="noor@example.org"),
            by=staff,
            as_staff=True,
        )
    logged = ActivityLog.objects.filter(
        action__in=["ticket.transferred", "attendee.answers_updated"]
    )
    assert "Mina" in json.dumps(list(logged.values_list("data", flat=True)))

    erase_attendee(Attendee.objects.get(pk=attendee.pk), by=staff)
    for callback in queued:  # the transfer e-mails, delivered after the erasure
        callback()

    kept = json.dumps(list(logged.values_list("data", flat=True)))
    assert logged.count() == 2
    assert not any(name in kept for name in ("Mina", "Noor", "noor@", "Vegan"))
    assert [m.to for m in mailoutbox] == []
    # Skipped as nothing to send, not failed on the values that are gone.
    assert set(
        OutboxMessage.objects.filter(kind__startswith="email.ticket_").values_list(
            "status", flat=True
        )
    ) == {OutboxStatus.DONE}


def test_erasure_drops_the_names_order_changes_recorded():
    from registration.models import ActivityLog, OrderChange
    from registration.orders import services as orders
    from tests.registration.payments.conftest import make_order

    staff = UserFactory(is_staff=True, is_superuser=True)
    order = make_order(prices=("450.00",))
    orders.apply_change(
        order,
        [
            {
                "op": "add_attendee",
                "attendee": {
                    "ticket_type": order.attendees.get().ticket_type_id,
                    "given_name": "Kofi",
                    "family_name": "Mensah",
                    "email": "kofi@example.org",
                },
            }
        ],
        by=staff,
        as_staff=True,
    )
    kofi = order.attendees.get(given_name="Kofi")
    change = OrderChange.objects.get()
    assert "kofi@example.org" not in str(change.operations)
    assert change.lines[0]["person"] == "Kofi Mensah"

    erase_attendee(Attendee.objects.get(pk=kofi.pk), by=staff)

    change.refresh_from_db()
    logged = ActivityLog.objects.get(action="order.changed")
    assert "Kofi" not in str(change.lines) + str(change.operations)
    assert "Kofi" not in str(logged.data)
    assert change.lines[0]["what"] == "add_attendee"
