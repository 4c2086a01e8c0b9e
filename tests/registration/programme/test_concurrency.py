"""A session is never overbooked: real threads, real transactions, PostgreSQL
row locks (as tests/registration/orders/test_concurrency.py; on SQLite the
IMMEDIATE transaction serialises writers by design)."""

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from registration.errors import Busy, ProgrammeError, SoldOut
from registration.models import SessionSignup
from registration.programme import services
from tests.factories import AttendeeFactory, EventFactory, OrderFactory
from tests.registration.programme.factories import ProgrammeSessionFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL (set DATABASE_URL): row locks under real concurrency",
    ),
]

THREADS = 40


def race(calls) -> tuple[Counter, list[str]]:
    """Run each call in its own thread, all released at once; their outcomes."""
    outcomes: Counter = Counter()
    unexpected: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(calls))

    def worker(call):
        start.wait()
        try:
            call()
            result = "ok"
        except SoldOut:
            result = "sold_out"
        except Busy:
            result = "busy"
        except ProgrammeError as exc:
            result = exc.code
        except Exception as exc:  # every other outcome is a failure
            result = "error"
            with lock:
                unexpected.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes, unexpected


def test_40_attendees_for_the_last_5_places_give_exactly_5():
    event = EventFactory()
    session = ProgrammeSessionFactory(event=event, capacity=8)
    for _ in range(3):
        services.sign_up(AttendeeFactory(order=OrderFactory(event=event)), session)
    people = [AttendeeFactory(order=OrderFactory(event=event)) for _ in range(THREADS)]

    outcomes, unexpected = race(
        [lambda a=a: services.sign_up(a, session) for a in people]
    )

    assert unexpected == []
    assert outcomes["ok"] == 5
    assert outcomes["sold_out"] + outcomes["busy"] == THREADS - 5
    assert SessionSignup.objects.filter(session=session).count() == 8


def test_one_person_signing_up_for_overlapping_sessions_at_once_gets_one():
    event = EventFactory()
    sessions = [ProgrammeSessionFactory(event=event) for _ in range(10)]
    person = AttendeeFactory(order=OrderFactory(event=event))

    outcomes, unexpected = race(
        [lambda s=s: services.sign_up(person, s) for s in sessions]
    )

    assert unexpected == []
    assert outcomes["ok"] == 1
    assert outcomes["overlap"] + outcomes["busy"] == 9
    assert SessionSignup.objects.filter(attendee=person).count() == 1
