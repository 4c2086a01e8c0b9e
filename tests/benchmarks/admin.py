"""Admin list benchmark: the Orders and Attendees screens with 10,000 orders.

Run from the repository root:

    .venv/bin/python -m tests.benchmarks.admin [--orders 10000] [--requests 100]

It builds a throw-away database with production settings (DEBUG off): a fresh
temporary SQLite file, or the database DATABASE_URL points to (give it a
scratch one: it is migrated and filled). It seeds `--orders` orders of two
attendees each across two events, with the things the screens flag or filter
on: applications awaiting approval, youth delegates without consent, overdue
invoices, extras, delegations, door check-ins and offline check-in conflicts.
A member of the "Registration managers" group then GETs each screen through
django.test.Client (the whole Django stack, no socket) and the script prints
p50/p95 server time and the queries per request. The target is under 300 ms;
the script reports, it does not assert.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from tests.benchmarks.pages import REPO, configure_environment, percentile

TARGET_MS = 300.0
BATCH = 2000


def seed(orders: int) -> None:
    """Two events, `orders` orders of two attendees each, in bulk inserts."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from registration.models import (
        Attendee,
        AttendeeExtra,
        CheckIn,
        CheckInList,
        CheckInResult,
        Delegation,
        Device,
        Event,
        Extra,
        Invoice,
        Order,
        OrderStatus,
        PaymentMethod,
        TicketType,
        YouthDetails,
    )

    call_command("migrate", verbosity=0, interactive=False)
    now = timezone.now()
    events = [
        Event.objects.create(
            name=name,
            slug=slug,
            starts_at=now + timedelta(days=90),
            ends_at=now + timedelta(days=93),
            time_zone="America/New_York",
            city="Washington",
            country="US",
            currency="USD",
            registration_opens_at=now - timedelta(days=30),
            registration_closes_at=now + timedelta(days=80),
        )
        for name, slug in (
            ("Annual Conference 2027", "ac-2027"),
            ("Youth Leadership Summit 2027", "yls-2027"),
        )
    ]
    tickets = {
        event.pk: (
            TicketType.objects.create(event=event, name="Delegate", price=450),
            TicketType.objects.create(
                event=event,
                name="Youth delegate",
                price=250,
                requires_guardian_consent=True,
            ),
        )
        for event in events
    }
    extras = {
        event.pk: Extra.objects.create(event=event, name="Gala dinner", price=90)
        for event in events
    }
    delegations = {
        event.pk: [
            Delegation.objects.create(
                event=event, name=f"{city} delegation", home_city=city, home_country=cc
            )
            for city, cc in (("Toulouse", "FR"), ("Kyoto", "JP"), ("Dayton", "US"))
        ]
        for event in events
    }
    doors = {
        e.pk: CheckInList.objects.create(event=e, name="Main door") for e in events
    }
    device = Device.objects.create(name="Door 1")
    statuses = [OrderStatus.PAID] * 7 + [
        OrderStatus.PENDING,
        OrderStatus.AWAITING_APPROVAL,
        OrderStatus.CANCELED,
    ]
    for start in range(0, orders, BATCH):
        with transaction.atomic():
            batch = []
            for n in range(start, min(start + BATCH, orders)):
                event = events[n % 2]
                status = statuses[n % len(statuses)]
                batch.append(
                    Order(
                        event=event,
                        code=f"B{n:07d}",
                        status=status,
                        buyer_name=f"Buyer {n}",
                        buyer_email=f"buyer{n}@example.org",
                        buyer_organisation=f"Sister City Association {n % 300}",
                        payment_method=PaymentMethod.INVOICE
                        if n % 5 == 0
                        else PaymentMethod.CARD,
                        total=Decimal("700.00"),
                        currency="USD",
                        expires_at=now + timedelta(days=10),
                    )
                )
            batch = Order.objects.bulk_create(batch)
            people = []
            for order in batch:
                delegate, youth = tickets[order.event_id]
                n = int(order.code[1:])
                for i, ticket in enumerate(
                    (delegate, youth if n % 4 == 0 else delegate)
                ):
                    people.append(
                        Attendee(
                            order=order,
                            ticket_type=ticket,
                            given_name=f"Given{n}",
                            family_name=f"Family{(n * 7 + i) % 5000:04d}",
                            badge_name=f"Given{n} Family{i}",
                            email=f"a{n}-{i}@example.org",
                            delegation=delegations[order.event_id][n % 3]
                            if n % 2
                            else None,
                        )
                    )
            people = Attendee.objects.bulk_create(people)
            AttendeeExtra.objects.bulk_create(
                AttendeeExtra(attendee=a, extra=extras[a.order.event_id])
                for a in people[::3]
            )
            YouthDetails.objects.bulk_create(
                YouthDetails(
                    attendee=a,
                    date_of_birth=date(2011, 1, 1),
                    guardian_name="Guardian",
                    guardian_email="guardian@example.org",
                    guardian_phone="+1 202 555 0100",
                )
                for a in people
                if a.ticket_type.requires_guardian_consent
            )
            Invoice.objects.bulk_create(
                Invoice(
                    order=o,
                    number=f"2027-{int(o.code[1:]):06d}",
                    year=2027,
                    sequence=int(o.code[1:]),
                    issued_on=date(2027, 1, 1),
                    due_on=date(2027, 1, 31)
                    if int(o.code[1:]) % 2
                    else date(2020, 1, 1),
                    billing_name=o.buyer_organisation,
                    billing_address="Town hall",
                    currency="USD",
                    total=o.total,
                )
                for o in batch
                if o.payment_method == PaymentMethod.INVOICE
            )
            CheckIn.objects.bulk_create(
                CheckIn(
                    checkin_list=doors[a.order.event_id],
                    attendee=a,
                    result=CheckInResult.OK
                    if k % 50
                    else CheckInResult.ALREADY_CHECKED_IN,
                    forced=not k % 50,
                    device=device,
                    nonce=f"seed-{a.pk}",
                    scanned_at=now,
                )
                for k, a in enumerate(people[::4])
                if a.order.status == OrderStatus.PAID
            )


def analyze() -> None:
    """Fresh planner statistics, as a live database has (autovacuum lags a bulk load)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(client, url: str, *, requests: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        if (status := client.get(url).status_code) != 200:
            sys.exit(f"GET {url} answered {status}")
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"GET {url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    timings.sort()
    return {
        "sql_ms": sum(float(q["time"]) for q in captured.captured_queries) * 1000,
        "p50": percentile(timings, 0.50),
        "p95": percentile(timings, 0.95),
        "max": timings[-1],
        "queries": len(captured),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    os.chdir(REPO)
    with tempfile.TemporaryDirectory(prefix="sci-bench-admin-") as workdir:
        configure_environment(Path(workdir))
        # The admin's static files are read from the apps (no collectstatic).
        os.environ["STATIC_MANIFEST"] = "false"
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db import connection
        from django.test import Client

        from registration.models import Attendee, Order

        started = time.perf_counter()
        seed(args.orders)
        analyze()
        seeded_in = time.perf_counter() - started
        user = get_user_model().objects.create_user(
            "bench-manager", password=None, is_staff=True
        )
        user.groups.add(Group.objects.get(name="Registration managers"))
        client = Client()
        client.force_login(user)
        screens = [
            ("order list", "/admin/orders/"),
            ("order list, flagged", "/admin/orders/?flagged=any"),
            ("order list, search", "/admin/orders/?q=Association+17"),
            ("attendee list", "/admin/attendees/"),
            ("attendee list, checked in", "/admin/attendees/?checked_in=true"),
        ]
        results = [
            (
                name,
                url,
                measure(client, url, requests=args.requests, warmup=args.warmup),
            )
            for name, url in screens
        ]
        counts = (Order.objects.count(), Attendee.objects.count())
        database = connection.vendor
        connection.close()

    print(f"database     {database}; {counts[0]} orders, {counts[1]} attendees")
    print(f"seeded in    {seeded_in:.1f} s; {args.requests} requests per screen")
    print(
        f"{'screen':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8} "
        f"{'SQL ms':>8}"
    )
    for name, _url, f in results:
        print(
            f"{name:28} {f['p50']:8.1f} {f['p95']:8.1f} {f['max']:8.1f} "
            f"{f['queries']:8d} {f['sql_ms']:8.1f}"
        )
    worst = max(f["p95"] for _name, _url, f in results)
    verdict = "meets" if worst < TARGET_MS else "MISSES"
    print(
        f"result       worst p95 {worst:.1f} ms {verdict} the {TARGET_MS:.0f} ms target"
    )


if __name__ == "__main__":
    main()
