"""POST /api/v1/checkin/redeem/: every answer, nonce replay, re-entry and exits."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from registration.checkin.services.devices import revoke_device
from registration.models import CheckIn, CheckInList, OrderStatus
from registration.orders.models import AttendeeExtra
from tests.factories import (
    DelegationFactory,
    EventFactory,
    ExtraFactory,
    TicketTypeFactory,
)
from tests.registration.checkin.conftest import make_attendee, nonce, scan

pytestmark = pytest.mark.django_db


def test_first_scan_admits_with_name_ticket_extras_delegation_and_flags(
    client, door, delegate, device
):
    delegation = DelegationFactory(event=door.event, name="Toulouse")
    guest = make_attendee(
        delegate,
        badge_name="Amara Okafor",
        given_name="Amara",
        family_name="Okafor",
        delegation=delegation,
        city="Lagos",
        country="NG",
    )
    gala = ExtraFactory(event=door.event, name="Gala dinner")
    AttendeeExtra.objects.create(attendee=guest, extra=gala)

    response = scan(client, door, guest.secret)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["code"] == "ok"
    assert body["message"] == "Welcome, Amara Okafor"
    assert body["attendee"] == {
        "id": guest.pk,
        "name": "Amara Okafor",
        "name_latin": "",
        "given_name": "Amara",
        "family_name": "Okafor",
        "ticket_type": "Delegate",
        "role": "Delegate",
        "colour": "#1F6FB2",
        "extras": ["Gala dinner"],
        "delegation": "Toulouse",
        "city": "Lagos",
        "country": "NG",
        "organisation": "",
        "flags": [],
    }
    assert body["previous"] is None
    assert body["conflict"] is False
    row = CheckIn.objects.get()
    assert (row.attendee, row.result, row.device, row.type) == (
        guest,
        "ok",
        device,
        "entry",
    )


def test_second_scan_is_already_checked_in_with_when_and_where(client, door, guest):
    first = scan(client, door, guest.secret).json()
    second = scan(client, door, guest.secret).json()
    assert second["status"] == "error"
    assert second["code"] == "already_checked_in"
    assert second["previous"] == {
        "when": first["scanned_at"],
        "list": "Main door",
        "device": "Door 1",
    }
    local = timezone.localtime(
        CheckIn.objects.get(result="ok").scanned_at, door.event.tz
    )
    assert (
        second["message"] == f"Already checked in at {local:%H:%M} (Main door, Door 1)."
    )
    assert CheckIn.objects.filter(result="already_checked_in").count() == 1


def test_unknown_code_is_refused_and_logged_with_the_code(client, door):
    body = scan(client, door, "NOT-A-TICKET").json()
    assert (body["status"], body["code"], body["attendee"]) == (
        "error",
        "unknown_ticket",
        None,
    )
    assert body["message"] == "This code matches no ticket."
    row = CheckIn.objects.get()
    assert (row.result, row.raw_code, row.attendee) == (
        "unknown_ticket",
        "NOT-A-TICKET",
        None,
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (OrderStatus.PENDING, "unpaid"),
        (OrderStatus.AWAITING_APPROVAL, "unpaid"),
        (OrderStatus.EXPIRED, "unpaid"),
        (OrderStatus.CANCELED, "canceled"),
    ],
)
def test_unpaid_and_canceled_orders_are_refused(client, door, delegate, status, code):
    guest = make_attendee(delegate, status=status)
    body = scan(client, door, guest.secret).json()
    assert (body["status"], body["code"]) == ("error", code)
    assert CheckIn.objects.get().result == code


def test_pending_order_admitted_before_payment_by_staff_gets_in(client, door, delegate):
    guest = make_attendee(delegate, status=OrderStatus.PENDING)
    guest.order.admit_before_payment = True
    guest.order.save()

    body = scan(client, door, guest.secret).json()

    assert body["status"] == "ok"
    assert CheckIn.objects.get().result == "ok"


def test_youth_without_guardian_consent_is_refused_and_flagged(client, door, event):
    youth = TicketTypeFactory(
        event=event,
        name="Youth delegate",
        min_age=14,
        max_age=18,
        requires_guardian_consent=True,
    )
    guest = make_attendee(youth)
    body = scan(client, door, guest.secret).json()
    assert body["code"] == "consent_missing"
    assert body["attendee"]["flags"] == ["youth", "consent_missing"]
    assert (
        body["message"]
        == "Guardian consent is missing: send the delegate to the help desk."
    )


def test_ticket_of_another_event_is_wrong_event(client, door):
    other = TicketTypeFactory(event=EventFactory(name="Youth Summit"))
    guest = make_attendee(other)
    body = scan(client, door, guest.secret).json()
    assert (body["code"], body["message"], body["attendee"]) == (
        "wrong_event",
        "This ticket is for another event.",
        None,
    )
    assert CheckIn.objects.get().result == "wrong_event"


def test_list_of_chosen_ticket_types_and_extras_refuses_others(client, event, delegate):
    speaker = TicketTypeFactory(event=event, name="Speaker")
    gala_extra = ExtraFactory(event=event, name="Gala dinner")
    gala = CheckInList.objects.create(event=event, name="Gala", all_ticket_types=False)
    gala.ticket_types.set([speaker])
    gala.extras.set([gala_extra])
    plain = make_attendee(delegate)
    with_dinner = make_attendee(delegate)
    AttendeeExtra.objects.create(attendee=with_dinner, extra=gala_extra)
    a_speaker = make_attendee(speaker)

    assert scan(client, gala, plain.secret).json()["code"] == "not_on_list"
    assert scan(client, gala, with_dinner.secret).json()["code"] == "ok"
    assert scan(client, gala, a_speaker.secret).json()["code"] == "ok"
    assert (
        scan(client, gala, plain.secret).json()["message"]
        == "This ticket does not admit to Gala."
    )


def test_closed_and_not_yet_open_lists_refuse(client, event, guest):
    now = timezone.now()
    closed = CheckInList.objects.create(
        event=event, name="Morning", closes_at=now - timedelta(minutes=1)
    )
    later = CheckInList.objects.create(
        event=event, name="Evening", opens_at=now + timedelta(hours=1)
    )
    assert scan(client, closed, guest.secret).json()["code"] == "list_closed"
    body = scan(client, later, guest.secret).json()
    assert (body["code"], body["message"]) == ("list_closed", "Evening is closed now.")


def test_revoked_device_is_refused_with_403_and_logged(client, door, guest, device):
    revoke_device(device)
    response = scan(client, door, guest.secret)
    assert response.status_code == 403
    assert response.json()["code"] == "revoked"
    assert response.json()["attendee"] is None
    assert CheckIn.objects.get().result == "revoked"


def test_same_nonce_returns_the_first_answer_and_writes_one_row(client, door, guest):
    first = scan(client, door, guest.secret, nonce="retry-0001")
    again = scan(client, door, guest.secret, nonce="retry-0001")
    assert first.json()["code"] == "ok"
    assert again.status_code == 200
    assert again.json() == {**first.json(), "replayed": True}
    assert CheckIn.objects.count() == 1


def test_same_nonce_for_an_unknown_code_writes_one_row(client, door):
    scan(client, door, "NOPE", nonce="retry-0002")
    body = scan(client, door, "NOPE", nonce="retry-0002").json()
    assert (body["code"], body["replayed"]) == ("unknown_ticket", True)
    assert CheckIn.objects.count() == 1


def test_replayed_already_checked_in_keeps_when_and_where(client, door, guest):
    scan(client, door, guest.secret)
    first = scan(client, door, guest.secret, nonce="retry-0003").json()
    again = scan(client, door, guest.secret, nonce="retry-0003").json()
    assert again == {**first, "replayed": True}


def test_reentry_allowed_admits_again(client, event, guest):
    hall = CheckInList.objects.create(event=event, name="Hall", allow_reentry=True)
    assert [scan(client, hall, guest.secret).json()["code"] for _ in range(3)] == [
        "ok"
    ] * 3


def test_exit_then_entry_is_allowed_on_a_list_tracking_exits(client, event, guest):
    summit = CheckInList.objects.create(
        event=event, name="Summit hall", track_exits=True
    )
    codes = [
        scan(client, summit, guest.secret, type=kind).json()["code"]
        for kind in ("entry", "entry", "exit", "entry", "entry")
    ]
    assert codes == ["ok", "already_checked_in", "ok", "ok", "already_checked_in"]
    exit_body = scan(client, summit, guest.secret, type="exit").json()
    assert exit_body["message"] == "Checked out: Amara Okafor"


def test_exit_on_a_list_without_exit_tracking_is_a_400_and_not_logged(
    client, door, guest
):
    response = scan(client, door, guest.secret, type="exit")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "type": [{"code": "invalid", "message": "This list does not track exits."}]
    }
    assert CheckIn.objects.count() == 0


def test_offline_upload_with_old_scan_time_is_decided_at_that_time(
    client, event, guest
):
    now = timezone.now()
    morning = CheckInList.objects.create(
        event=event, name="Morning", closes_at=now - timedelta(hours=1)
    )
    scanned = now - timedelta(hours=2)
    body = scan(
        client,
        morning,
        guest.secret,
        scanned_at=scanned.isoformat(),
        offline=True,
        forced=True,
    ).json()
    assert (body["code"], body["conflict"]) == ("ok", False)
    row = CheckIn.objects.get()
    assert row.scanned_at == scanned
    assert row.offline is True
    assert row.created_at > scanned


def test_offline_admission_of_someone_already_in_is_a_conflict(client, door, guest):
    scan(client, door, guest.secret)
    earlier = timezone.now() - timedelta(minutes=5)
    body = scan(
        client,
        door,
        guest.secret,
        scanned_at=earlier.isoformat(),
        offline=True,
        forced=True,
    ).json()
    assert (body["code"], body["conflict"]) == ("already_checked_in", True)
    assert CheckIn.objects.filter(forced=True, result="already_checked_in").count() == 1


def test_scan_time_in_the_future_is_taken_as_now(client, door, guest):
    future = timezone.now() + timedelta(hours=3)
    scan(client, door, guest.secret, scanned_at=future.isoformat())
    assert CheckIn.objects.get().scanned_at <= timezone.now()


def test_check_in_by_attendee_id_from_search_is_marked_manual(client, door, guest):
    body = client.post(
        "/api/v1/checkin/redeem/",
        {"attendee": guest.pk, "list": door.pk, "nonce": nonce()},
        format="json",
    ).json()
    assert body["code"] == "ok"
    assert CheckIn.objects.get().manual is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nonce": "abcdefgh1"}, "secret"),
        ({"secret": "X", "attendee": 1, "nonce": "abcdefgh2"}, "secret"),
        ({"secret": "X", "nonce": "short"}, "nonce"),
        ({"secret": "X", "nonce": "abcdefgh3", "type": "sideways"}, "type"),
    ],
)
def test_bad_requests_name_the_field(client, door, body, field):
    response = client.post(
        "/api/v1/checkin/redeem/", {"list": door.pk, **body}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert CheckIn.objects.count() == 0


def test_redeem_runs_a_fixed_small_number_of_queries(client, door, guest):
    with CaptureQueriesContext(connection) as queries:
        assert scan(client, door, guest.secret).json()["code"] == "ok"
    # device with its list, attendee under lock (list rules and extras answered
    # in the same query), earlier admissions, insert (the test's savepoints aside).
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 4, statements


def test_lean_and_full_paths_give_the_same_answer_with_extras_in_event_order(
    client, event, delegate
):
    # A well-formed scan takes the lean path; the same scan with the list id
    # sent as a string (which only DRF's serializer accepts) takes the full one.
    door = CheckInList.objects.create(event=event, name="Door", allow_reentry=True)
    guest = make_attendee(delegate, badge_name="王秀英")
    later = ExtraFactory(event=event, name="Site visit", sort_order=2)
    earlier = ExtraFactory(event=event, name="Gala dinner", sort_order=1)
    for extra in (later, earlier):
        AttendeeExtra.objects.create(attendee=guest, extra=extra)

    lean = scan(client, door, guest.secret).json()
    full = client.post(
        "/api/v1/checkin/redeem/",
        {"list": str(door.pk), "nonce": nonce(), "secret": guest.secret},
        format="json",
    ).json()

    assert lean["attendee"]["extras"] == ["Gala dinner", "Site visit"]
    assert lean["code"] == full["code"] == "ok"
    for body in (lean, full):
        body.pop("scanned_at")
    assert lean == full
    assert CheckIn.objects.filter(attendee=guest, result="ok").count() == 2


def test_lean_path_refusals_are_the_documented_errors(client, door, guest):
    exit_scan = scan(client, door, guest.secret, type="exit")
    assert exit_scan.status_code == 400
    assert "type" in exit_scan.json()["errors"]
    missing_token = APIClient().post(
        "/api/v1/checkin/redeem/",
        {"list": door.pk, "nonce": nonce(), "secret": guest.secret},
        format="json",
    )
    assert missing_token.status_code == 401
    assert CheckIn.objects.count() == 0
