"""Programme sign-up rush: gunicorn on PostgreSQL, driven through the REST API.

Run from the repository root with a PostgreSQL server in DATABASE_URL (a
scratch database `<name>_rush` is created next to the one named, and dropped
first if it exists):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m tests.benchmarks.programme [--workers 4]

The moment sign-up opens: --attendees (500) paid attendees each ask for a
place in one of --sessions (20) sessions of --capacity (20) places, chosen
at random (seeded), from --clients (50) concurrent clients released at once.
Prints the answers by HTTP status and code, client-side p50/p95/p99 (loopback
round trip), and checks that no session holds more sign-ups than its
capacity and that every 201 is one sign-up in the database.
(--template makes the tiny run of tests/production/test_benchmarks_smoke.py.)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time

from tests.benchmarks.rush import (
    Client,
    Results,
    free_port,
    scratch_database,
    server_environment,
    start_gunicorn,
    stop_server,
)


def prepare(env: dict[str, str], *, attendees: int, sessions: int, capacity: int):
    """Migrate, create a staff token, the event, its attendees and sessions."""
    import os

    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    from registration.models import (
        Attendee,
        Event,
        Order,
        OrderStatus,
        ProgrammeSession,
        TicketType,
    )
    from registration.staff.services.api_tokens import create_api_token

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    staff = get_user_model().objects.create_user(
        "bench", "bench@example.org", is_staff=True, is_superuser=True
    )
    _token, raw = create_api_token(staff, name="programme benchmark")
    now = timezone.now()
    event = Event.objects.create(
        name="Programme",
        slug="programme",
        starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=33),
        city="Washington",
        country="US",
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=29),
    )
    ticket = TicketType.objects.create(
        event=event, name="Delegate", price=Decimal("450.00")
    )
    orders = Order.objects.bulk_create(
        Order(
            event=event,
            code=f"P{number:06d}",
            status=OrderStatus.PAID,
            buyer_name=f"Buyer {number}",
            buyer_email=f"b{number}@example.org",
            currency="USD",
        )
        for number in range(attendees)
    )
    people = Attendee.objects.bulk_create(
        Attendee(
            order=order,
            ticket_type=ticket,
            given_name="Guest",
            family_name=str(number),
            badge_name=f"Guest {number}",
        )
        for number, order in enumerate(orders)
    )
    rows = ProgrammeSession.objects.bulk_create(
        ProgrammeSession(
            event=event,
            title=f"Session {number}",
            starts_at=event.starts_at + timedelta(hours=number),
            ends_at=event.starts_at + timedelta(hours=number, minutes=50),
            capacity=capacity,
            signup_opens_at=now,
        )
        for number in range(sessions)
    )
    connections.close_all()
    return raw, [a.pk for a in people], [s.pk for s in rows]


def rush(url: str, token: str, requests: list[tuple[int, int]], clients: int):
    """Send every (session, attendee) sign-up from `clients` threads at once."""
    results = Results()
    work = list(reversed(requests))
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def worker():
        client = Client(f"{url}/api/v1/sessions/0/signups/", token)
        start.wait()
        while True:
            with lock:
                if not work:
                    return
                session, attendee = work.pop()
            client.path = f"/api/v1/sessions/{session}/signups/"
            began = time.perf_counter()
            status, code = client.post({"attendee": attendee})
            results.record(began, status, code if status != 201 else "")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    results.first_sent = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def overbooked() -> list[str]:
    from django.db.models import Count

    from registration.models import ProgrammeSession

    return [
        f"{s.title}: {s.n} of {s.capacity}"
        for s in ProgrammeSession.objects.annotate(n=Count("signups"))
        if s.capacity is not None and s.n > s.capacity
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--attendees", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--capacity", type=int, default=20)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--template", default="")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    import os

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL=postgres://… (the benchmark needs PostgreSQL).")
        return 2
    env = server_environment(scratch_database(url, args.template))
    token, attendees, sessions = prepare(
        env, attendees=args.attendees, sessions=args.sessions, capacity=args.capacity
    )
    chooser = random.Random(21)  # seeded: the same choices on every run
    requests = [(chooser.choice(sessions), attendee) for attendee in attendees]
    port = args.port or free_port()
    server = start_gunicorn(env, workers=args.workers, port=port)
    try:
        results = rush(f"http://127.0.0.1:{port}", token, requests, args.clients)
    finally:
        stop_server(server)
    from registration.models import SessionSignup

    wall = results.last_done - results.first_sent
    places = SessionSignup.objects.count()
    wrong = overbooked()
    print(f"sign-ups asked     : {len(requests)} for {len(sessions)} sessions")
    print(f"places given       : {places} of {len(sessions) * args.capacity}")
    print(f"answers            : {json.dumps(dict(sorted(results.answers.items())))}")
    print(f"201 = sign-ups     : {results.answers['201'] == places}")
    print(f"sessions overbooked: {len(wrong)} {wrong}")
    print(f"server errors      : {results.server_errors}")
    print(
        "latency p50/p95/p99: "
        + "/".join(f"{results.percentile(p) * 1000:.0f}" for p in (50, 95, 99))
        + f" ms over {wall:.1f} s"
    )
    ok = not wrong and results.server_errors == 0 and results.answers["201"] == places
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
