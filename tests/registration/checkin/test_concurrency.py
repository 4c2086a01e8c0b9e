"""A scan is answered once: real threads and transactions on PostgreSQL."""

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from registration.checkin.services.devices import create_device
from registration.models import CheckIn, CheckInList
from tests.factories import EventFactory, TicketTypeFactory
from tests.registration.checkin.conftest import make_attendee, nonce

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL (set DATABASE_URL): row locks under real concurrency",
    ),
]

DEVICES = 20


def rush(door, tokens, secret, *, same_nonce=None) -> Counter:
    codes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(tokens))

    def worker(token):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
        start.wait()
        try:
            body = {"secret": secret, "list": door.pk, "nonce": same_nonce or nonce()}
            response = client.post("/api/v1/checkin/redeem/", body, format="json")
            with lock:
                codes[response.json().get("code")] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


def test_twenty_devices_scanning_one_badge_at_once_get_exactly_one_ok():
    event = EventFactory()
    door = CheckInList.objects.create(event=event, name="Main door")
    guest = make_attendee(TicketTypeFactory(event=event))
    tokens = [
        create_device(name=f"Door {n}", events=[event])[1] for n in range(DEVICES)
    ]
    for _round in range(5):
        CheckIn.objects.all().delete()
        codes = rush(door, tokens, guest.secret)
        assert codes == Counter({"ok": 1, "already_checked_in": DEVICES - 1})
        assert CheckIn.objects.filter(result="ok").count() == 1


def test_one_device_retrying_one_nonce_at_once_writes_one_row():
    event = EventFactory()
    door = CheckInList.objects.create(event=event, name="Main door")
    guest = make_attendee(TicketTypeFactory(event=event))
    _device, token = create_device(name="Door 1", events=[event])
    codes = rush(door, [token] * 10, guest.secret, same_nonce="same-nonce-01")
    assert codes == Counter({"ok": 10})
    assert CheckIn.objects.count() == 1


def test_retries_of_an_unknown_code_at_once_write_one_row():
    event = EventFactory()
    door = CheckInList.objects.create(event=event, name="Main door")
    _device, token = create_device(name="Door 1", events=[event])
    codes = rush(door, [token] * 10, "NOT-A-TICKET", same_nonce="same-nonce-02")
    assert codes == Counter({"unknown_ticket": 10})
    assert CheckIn.objects.count() == 1


def test_a_badge_locked_too_long_answers_busy_and_logs_nothing():
    """The connection's lock_timeout (settings) turns a stuck lock into 503 busy."""
    event = EventFactory()
    door = CheckInList.objects.create(event=event, name="Main door")
    guest = make_attendee(TicketTypeFactory(event=event))
    _device, token = create_device(name="Door 1", events=[event])
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        from django.db import transaction

        from registration.models import Attendee

        try:
            with transaction.atomic():
                Attendee.objects.select_for_update().get(pk=guest.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
        response = client.post(
            "/api/v1/checkin/redeem/",
            {"secret": guest.secret, "list": door.pk, "nonce": nonce()},
            format="json",
        )
    finally:
        release.set()
        holder.join(timeout=30)
    assert response.status_code == 503
    assert response.json()["code"] == "busy"
    assert response["Retry-After"] == "2"
    assert CheckIn.objects.count() == 0
