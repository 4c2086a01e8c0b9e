"""Export benchmark: a 10,000-attendee XLSX export job and the CSV stream.

Run from the repository root:

    .venv/bin/python tests/benchmarks/exports.py [--attendees 10000] [--database-url URL]

It builds a throw-away SQLite database in a temporary folder, migrates it,
writes one event with N attendees (in orders of 5, half with extras and
answers, one in ten youth with youth details), then times
`services.exports.run_export_job` for every attendee column (youth columns
included) and the CSV stream of the same columns. It prints the figures; it
asserts nothing. --database-url uses that (scratch) database instead of the
temporary SQLite file (the suite's tiny run passes a migrated copy).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument("--database-url", default="", help="default: temporary SQLite")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sci-export-bench-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="conference.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SQLITE_PATH=str(workdir / "bench.sqlite3"),
        MEDIA_ROOT=str(workdir / "media"),
        TASK_BACKEND="immediate",
        STATIC_MANIFEST="false",
    )
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from registration.models import (
        Answer,
        Attendee,
        AttendeeExtra,
        Event,
        ExportKind,
        Extra,
        Order,
        OrderStatus,
        Question,
        TicketType,
        YouthDetails,
    )
    from registration.staff.services import exports

    now = timezone.now()
    event = Event.objects.create(
        name="Benchmark",
        slug="bench",
        starts_at=now + timedelta(days=60),
        ends_at=now + timedelta(days=63),
        city="Washington",
        country="US",
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=59),
    )
    ticket = TicketType.objects.create(event=event, name="Delegate", price=Decimal(450))
    extra = Extra.objects.create(event=event, name="Gala dinner", price=Decimal(80))
    question = Question.objects.create(event=event, label="Diet")
    user = get_user_model().objects.create(username="bench", is_superuser=True)

    start = time.perf_counter()
    orders = Order.objects.bulk_create(
        Order(
            event=event,
            code=f"B{n:07d}",
            status=OrderStatus.PAID,
            buyer_name=f"Buyer {n}",
            buyer_email=f"buyer{n}@example.org",
            currency="USD",
            total=Decimal(2250),
        )
        for n in range((args.attendees + 4) // 5)
    )
    attendees = Attendee.objects.bulk_create(
        Attendee(
            order=orders[n // 5],
            ticket_type=ticket,
            given_name=f"Given{n}",
            family_name=f"Family{n:05d}",
            badge_name=f"Given{n} Family{n:05d}",
            email=f"a{n}@example.org",
            city="Toulouse",
            country="FR",
            price=Decimal(450),
        )
        for n in range(args.attendees)
    )
    AttendeeExtra.objects.bulk_create(
        AttendeeExtra(attendee=a, extra=extra, price=Decimal(80))
        for a in attendees[::2]
    )
    Answer.objects.bulk_create(
        Answer(attendee=a, question=question, value="Vegetarian")
        for a in attendees[::2]
    )
    YouthDetails.objects.bulk_create(
        YouthDetails(
            attendee=a,
            date_of_birth="2011-05-01",
            guardian_name="Guardian",
            guardian_email="g@example.org",
            guardian_phone="+33 6 00 00 00 00",
        )
        for a in attendees[::10]
    )
    print(
        f"data: {args.attendees} attendees written in {time.perf_counter() - start:.1f} s"
    )

    columns = [
        name for name, _label in exports.allowed_columns(ExportKind.ATTENDEES, user)
    ]
    filters = exports.ExportFilters()
    # The immediate task backend runs the job when the request's transaction
    # commits, inside start_export_job: the time covers queueing and writing.
    start = time.perf_counter()
    job = exports.start_export_job(
        ExportKind.ATTENDEES, event, columns=columns, filters=filters, by=user
    )
    job.refresh_from_db()
    elapsed = time.perf_counter() - start
    print(
        f"xlsx job: {job.status}, {job.done} rows, {len(columns)} columns, "
        f"{job.file.size / 1024:.0f} KiB in {elapsed:.1f} s"
    )
    start = time.perf_counter()
    size = sum(
        len(line)
        for line in exports.stream_csv(
            ExportKind.ATTENDEES, event, columns=columns, filters=filters, user=user
        )
    )
    print(f"csv stream: {size / 1024:.0f} KiB in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
