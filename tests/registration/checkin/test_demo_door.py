"""The demo's door (`seed_demo`): lists, guests and a paired device that answer."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from registration.models import CheckInList
from tests.registration.checkin.conftest import scan

pytestmark = pytest.mark.django_db


def seed() -> dict:
    out = io.StringIO()
    call_command("seed_demo", "--no-admin", stdout=out)
    printed = out.getvalue()
    token = printed.split("/checkin/#token=")[1].split()[0]
    codes = {}  # "  badge code …: SECRET  Badge name" → badge name: secret
    for line in printed.splitlines():
        if line.startswith("  badge code"):
            secret, name = line.split(": ", 1)[1].split("  ", 1)
            codes[name] = secret
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return {"device": device, "codes": codes}


def test_the_demo_door_admits_paid_guests_once_and_refuses_the_unpaid_one():
    demo = seed()
    main = CheckInList.objects.get(name="Entrance")
    gala = CheckInList.objects.get(name="Gala dinner")
    lists = demo["device"].get("/api/v1/checkin/lists/").json()["lists"]
    # The demo door works the conference's doors, not the youth summit's; it
    # opens on the entrance (lists come by name); the water workshop's room
    # host scans with it too (registration/programme/demo.py).
    assert [row["name"] for row in lists] == [
        "Entrance",
        "Gala dinner",
        "Workshop: water partnerships",
    ]

    amara, wang, jonas = (
        demo["codes"][name] for name in ("Amara Okafor", "王芳", "Jonas Weber")
    )
    first = scan(demo["device"], main, amara).json()
    assert (first["status"], first["attendee"]["name"]) == ("ok", "Amara Okafor")
    assert scan(demo["device"], main, amara).json()["code"] == "already_checked_in"
    answer = scan(demo["device"], main, wang).json()
    assert answer["status"] == "ok"
    assert scan(demo["device"], gala, wang).json()["status"] == "ok"
    assert scan(demo["device"], main, jonas).json()["code"] == "unpaid"


def test_running_the_demo_again_keeps_its_guests_and_gives_the_door_a_new_token():
    before = seed()
    after = seed()
    assert after["codes"] == before["codes"]
    assert before["device"].get("/api/v1/checkin/lists/").status_code == 401
    assert after["device"].get("/api/v1/checkin/lists/").status_code == 200
    assert CheckInList.objects.filter(name="Entrance").count() == 1
