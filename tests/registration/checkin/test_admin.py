"""Check-in admin: lists, devices (pair with QR and code, revoke), the dashboard."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registration.checkin.services.devices import create_device
from registration.checkin.services.scans import redeem_ticket
from registration.models import CheckInList, Device
from tests.factories import DelegationFactory, TicketTypeFactory, UserFactory
from tests.registration.checkin.conftest import make_attendee, nonce

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    user = UserFactory(username="chief", is_staff=True, is_superuser=True)
    from django.test import Client

    web = Client()
    web.force_login(user)
    return web


def test_check_in_menu_screens_load(admin_client, door, device):
    for address in (
        "/admin/checkin_lists/",
        "/admin/checkin_devices/",
        "/admin/checkin_dashboard/",
        "/admin/checkin_lists/new/",
        "/admin/checkin_devices/new/",
    ):
        assert admin_client.get(address).status_code == 200, address


def test_pairing_screen_shows_a_qr_and_a_one_time_code(admin_client, device):
    response = admin_client.post(f"/admin/checkin_devices/{device.pk}/pair/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'src="data:image/png;base64,' in html
    code = response.context["code"]
    assert len(code) == 9 and code[4] == "-"
    assert f"/checkin/#pair={code.replace('-', '')}" in response.context["link"]
    device.refresh_from_db()
    assert device.pairing_open is True


def test_revoke_screen_revokes(admin_client, device):
    assert (
        admin_client.get(f"/admin/checkin_devices/{device.pk}/revoke/").status_code
        == 200
    )
    response = admin_client.post(f"/admin/checkin_devices/{device.pk}/revoke/")
    assert response.status_code == 302
    assert Device.objects.get(pk=device.pk).is_revoked


def test_staff_without_permission_cannot_pair(device):
    from django.test import Client

    web = Client()
    web.force_login(UserFactory(username="intern", is_staff=True))
    assert web.post(f"/admin/checkin_devices/{device.pk}/pair/").status_code in (
        302,
        403,
    )
    assert Device.objects.get(pk=device.pk).pairing_code_hash is None


def test_dashboard_counts_by_ticket_type_delegation_youth_and_refusals(
    admin_client, event, delegate, device
):
    summit = CheckInList.objects.create(
        event=event, name="Summit hall", track_exits=True
    )
    youth = TicketTypeFactory(
        event=event, name="Youth delegate", min_age=14, max_age=18
    )
    delegation = DelegationFactory(event=event, name="Toulouse")
    adult = make_attendee(delegate, delegation=delegation)
    make_attendee(delegate)
    teen_in = make_attendee(youth)
    teen_out = make_attendee(youth)
    make_attendee(youth)
    for attendee, kinds in (
        (adult, ["entry"]),
        (teen_in, ["entry"]),
        (teen_out, ["entry", "exit"]),
    ):
        for kind in kinds:
            redeem_ticket(
                summit, device=device, nonce=nonce(), secret=attendee.secret, type=kind
            )
    redeem_ticket(summit, device=device, nonce=nonce(), secret="BOGUS")
    create_device(name="Door 2", events=[event])

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(f"/admin/checkin_dashboard/?list={summit.pk}")
    assert response.status_code == 200
    board = response.context["board"]
    assert (board["total"].checked_in, board["total"].expected) == (3, 5)
    assert [(t.label, t.checked_in, t.expected) for t in board["by_ticket_type"]] == [
        ("Delegate", 1, 2),
        ("Youth delegate", 2, 3),
    ]
    assert [(t.label, t.checked_in, t.expected) for t in board["by_delegation"]] == [
        ("Toulouse", 1, 1)
    ]
    assert board["youth"] == {"inside": 1, "outside": 1, "not_arrived": 1}
    assert [(str(label), n) for label, n in board["refusals"]] == [
        ("Unknown ticket", 1)
    ]
    assert len(board["recent"]) == 5
    fewer = len(queries)
    make_attendee(delegate)
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(f"/admin/checkin_dashboard/?list={summit.pk}")
    assert len(queries) == fewer


def test_dashboard_shows_scan_times_in_the_event_zone(
    admin_client, door, delegate, device
):
    door.event.time_zone = "Asia/Tokyo"
    door.event.save(update_fields=["time_zone"])
    guest = make_attendee(delegate)
    # 23:30 UTC on 1 July is 08:30 the next morning in Tokyo (an offline scan
    # uploaded late keeps its own time).
    redeem_ticket(
        door,
        device=device,
        nonce=nonce(),
        secret=guest.secret,
        scanned_at=datetime(2026, 7, 1, 23, 30, 5, tzinfo=UTC),
        offline=True,
    )
    page = admin_client.get(f"/admin/checkin_dashboard/?list={door.pk}")
    assert "2 Jul, 08:30:05 JST" in page.content.decode()
