"""Device tokens, pairing, permissions, sync (hashes only) and search."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from registration.checkin.services.devices import (
    create_device,
    revoke_device,
    start_pairing,
)
from registration.models import ApiToken, CheckIn, CheckInList, Device, OrderStatus
from registration.staff.services.api_tokens import create_api_token
from tests.factories import EventFactory, TicketTypeFactory, UserFactory
from tests.registration.checkin.conftest import make_attendee, scan

pytestmark = pytest.mark.django_db


def test_device_token_is_stored_as_its_sha256(device_and_token):
    device, raw = device_and_token
    assert raw.startswith("dev_")
    assert device.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert device.token_prefix == raw[:12]
    assert raw not in str(Device.objects.values_list().get(pk=device.pk))


def test_without_or_with_a_wrong_token_the_api_answers_401(door, guest):
    anonymous = APIClient()
    response = scan(anonymous, door, guest.secret)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Device"
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Device dev_wrong")
    assert scan(wrong, door, guest.secret).json() == {
        "code": "authentication_failed",
        "detail": "The token is not valid.",
    }
    assert CheckIn.objects.count() == 0


def test_staff_api_token_cannot_redeem(door, guest):
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    _token, raw = create_api_token(staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert scan(client, door, guest.secret).status_code == 401


@pytest.mark.parametrize(
    "address", ["/api/v1/events/", "/api/v1/events/conf/", "/api/v1/orders/T00001/"]
)
def test_device_token_opens_nothing_but_check_in(client, guest, address):
    assert client.get(address).status_code == 401
    assert (
        client.post("/api/v1/events/conf/orders/", {}, format="json").status_code == 401
    )


def test_device_cannot_use_lists_of_other_events(client, guest):
    elsewhere = CheckInList.objects.create(event=EventFactory(), name="Other door")
    response = scan(client, elsewhere, guest.secret)
    assert response.status_code == 403
    assert response.json() == {
        "code": "wrong_event",
        "detail": "This device is not set up for that check-in list.",
    }
    assert client.get(f"/api/v1/checkin/lists/{elsewhere.pk}/sync/").status_code == 403
    assert (
        client.get(f"/api/v1/checkin/lists/{elsewhere.pk}/search/?q=Mina").status_code
        == 403
    )
    assert CheckIn.objects.count() == 0


def test_revoked_device_can_neither_sync_nor_search(client, device, door):
    revoke_device(device)
    for address in (
        "/api/v1/checkin/lists/",
        f"/api/v1/checkin/lists/{door.pk}/sync/",
        f"/api/v1/checkin/lists/{door.pk}/search/?q=ab",
    ):
        response = client.get(address)
        assert response.status_code == 403
        assert response.json()["code"] == "revoked"


def test_lists_shows_the_device_and_the_lists_of_its_events(client, door, device):
    CheckInList.objects.create(event=EventFactory(), name="Not mine")
    body = client.get("/api/v1/checkin/lists/").json()
    assert body["device"] == "Door 1"
    assert [item["name"] for item in body["lists"]] == ["Main door"]
    device.refresh_from_db()
    assert device.last_seen_at is not None


def test_sync_gives_hashes_of_secrets_and_never_the_secrets(
    client, door, guest, delegate
):
    unpaid = make_attendee(delegate, status=OrderStatus.PENDING)
    scan(client, door, guest.secret)
    response = client.get(f"/api/v1/checkin/lists/{door.pk}/sync/")
    assert response.status_code == 200
    assert guest.secret not in response.content.decode()
    assert unpaid.secret not in response.content.decode()
    entries = {entry["attendee"]["id"]: entry for entry in response.json()["attendees"]}
    assert (
        entries[guest.pk]["hash"] == hashlib.sha256(guest.secret.encode()).hexdigest()
    )
    assert (entries[guest.pk]["standing"], entries[guest.pk]["inside"]) == ("ok", True)
    assert (entries[unpaid.pk]["standing"], entries[unpaid.pk]["inside"]) == (
        "unpaid",
        False,
    )
    assert response.json()["list"]["name"] == "Main door"


def test_search_finds_by_name_and_email_within_the_event(client, door, guest, delegate):
    make_attendee(
        delegate,
        given_name="Bo",
        family_name="Chen",
        badge_name="Bo Chen",
        email="bo@example.org",
    )
    make_attendee(
        TicketTypeFactory(event=EventFactory()),
        given_name="Amara",
        family_name="Elsewhere",
    )
    by_name = client.get(f"/api/v1/checkin/lists/{door.pk}/search/?q=amara oka").json()[
        "results"
    ]
    assert [r["attendee"]["name"] for r in by_name] == ["Amara Okafor"]
    by_email = client.get(
        f"/api/v1/checkin/lists/{door.pk}/search/?q=bo@example"
    ).json()["results"]
    assert [r["attendee"]["name"] for r in by_email] == ["Bo Chen"]
    assert client.get(f"/api/v1/checkin/lists/{door.pk}/search/?q=a").json() == {
        "results": []
    }
    assert "secret" not in str(by_name)


def test_pairing_code_works_once_and_gives_a_new_token(device_and_token, door, guest):
    device, old_token = device_and_token
    code = start_pairing(device)
    assert len(code) == 8
    response = APIClient().post(
        "/api/v1/checkin/pair/", {"code": code.lower()}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["device"] == "Door 1"
    assert token != old_token
    again = APIClient().post("/api/v1/checkin/pair/", {"code": code}, format="json")
    assert again.status_code == 400
    assert (
        again.json()["errors"]["code"][0]["message"]
        == "This pairing code is not valid or has expired. Ask staff for a new one."
    )
    new = APIClient()
    new.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    assert scan(new, door, guest.secret).json()["code"] == "ok"
    old = APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Device {old_token}")
    assert scan(old, door, guest.secret).status_code == 401


def test_pairing_code_expires(device):
    code = start_pairing(device, minutes=10)
    Device.objects.filter(pk=device.pk).update(
        pairing_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert (
        APIClient()
        .post("/api/v1/checkin/pair/", {"code": code}, format="json")
        .status_code
        == 400
    )


def test_revoked_device_cannot_be_paired(device):
    code = start_pairing(device)
    revoke_device(device)
    assert (
        APIClient()
        .post("/api/v1/checkin/pair/", {"code": code}, format="json")
        .status_code
        == 400
    )


def test_pairing_without_code_names_the_field(db):
    response = APIClient().post("/api/v1/checkin/pair/", {}, format="json")
    assert response.json()["errors"] == {
        "code": [{"code": "invalid", "message": "Enter the pairing code."}]
    }


def test_create_checkin_device_prints_token_and_pairing_link(event):
    out = StringIO()
    call_command(
        "create_checkin_device", "--event", "conf", "--name", "Door 7", stdout=out
    )
    lines = out.getvalue()
    device = Device.objects.get(name="Door 7")
    token = next(
        line.split()[-1] for line in lines.splitlines() if line.startswith("Token:")
    )
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert f"/checkin/#token={token}" in lines
    assert list(device.events.all()) == [event]
    assert ApiToken.objects.count() == 0


def test_create_checkin_device_refuses_unknown_event(db):
    with pytest.raises(CommandError, match="No event 'nope'"):
        call_command("create_checkin_device", "--event", "nope", "--name", "X")


def test_schema_documents_the_check_in_endpoints(db):
    schema = (
        APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    )
    for fragment in (
        "/api/v1/checkin/redeem/",
        "/api/v1/checkin/lists/{list_id}/sync/",
        "deviceToken",
        "already_checked_in",
        "row lock",
    ):
        assert fragment in schema


def test_create_device_for_several_events_logs_activity(db):
    events = [EventFactory(slug="b"), EventFactory(slug="a")]
    device, _raw = create_device(name="Gala", events=events)
    assert sorted(e.slug for e in device.events.all()) == ["a", "b"]
