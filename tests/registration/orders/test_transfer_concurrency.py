"""A transfer racing a door scan of the same ticket: real threads and
transactions on PostgreSQL, where both take the attendee's row lock.

Either the scan admits the old holder and the transfer is refused
(`checked_in`), or the transfer wins and the scan of the old secret is
`unknown_ticket`; never both.
"""

import random
import threading
import time
from collections import Counter

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from registration.checkin.services.devices import create_device
from registration.errors import OrderError
from registration.models import Attendee, CheckIn, CheckInList, CheckInResult
from registration.orders.services import TransferData, transfer_ticket
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
)
from tests.registration.checkin.conftest import nonce

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL (set DATABASE_URL): row locks under real concurrency",
    ),
]

ROUNDS = 30


def race(door, token, attendee, *, transfer_delay: float) -> tuple[str, str]:
    """(the scan's code, the transfer's outcome), both released at once; the
    transfer starts `transfer_delay` seconds later, so that the scan (which
    goes through the whole HTTP stack) wins some rounds."""
    start = threading.Barrier(2)
    outcome: dict[str, str] = {}
    secret = attendee.secret

    def scan():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
        start.wait()
        try:
            response = client.post(
                "/api/v1/checkin/redeem/",
                {"secret": secret, "list": door.pk, "nonce": nonce()},
                format="json",
            )
            outcome["scan"] = response.json()["code"]
        finally:
            connection.close()

    def transfer():
        start.wait()
        time.sleep(transfer_delay)
        try:
            transfer_ticket(
                Attendee.objects.select_related("order__event", "ticket_type").get(
                    pk=attendee.pk
                ),
                to=TransferData(given_name="Noor", email="noor@example.org"),
            )
            outcome["transfer"] = "ok"
        except OrderError as error:
            outcome["transfer"] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=scan), threading.Thread(target=transfer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcome["scan"], outcome["transfer"]


def test_a_transfer_and_a_scan_of_one_ticket_never_both_succeed():
    cache.clear()
    event = EventFactory()
    ticket = TicketTypeFactory(event=event)
    door = CheckInList.objects.create(event=event, name="Main door")
    _device, token = create_device(name="Door 1", events=[event])
    seen: Counter = Counter()
    jitter = random.Random(7)
    for number in range(ROUNDS):
        attendee = AttendeeFactory(
            order=OrderFactory(event=event), ticket_type=ticket, given_name="Mina"
        )
        delay = jitter.uniform(0, 0.1) if number % 2 else 0.0
        scan_code, transfer_outcome = race(door, token, attendee, transfer_delay=delay)
        attendee.refresh_from_db()
        admitted = CheckIn.objects.filter(
            attendee=attendee, result=CheckInResult.OK
        ).exists()
        if scan_code == "ok":
            assert (transfer_outcome, attendee.given_name) == ("checked_in", "Mina")
            assert admitted
        else:
            assert (scan_code, transfer_outcome, attendee.given_name) == (
                "unknown_ticket",
                "ok",
                "Noor",
            )
            assert not admitted
        seen[(scan_code, transfer_outcome)] += 1
    # Both orders of arrival happen; no other combination does.
    assert set(seen) == {("ok", "checked_in"), ("unknown_ticket", "ok")}
    assert sum(seen.values()) == ROUNDS
    cache.clear()
