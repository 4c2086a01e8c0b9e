"""Event page benchmark: time uncached GETs of the demo conference page.

Run from the repository root:

    .venv/bin/python tests/benchmarks/pages.py [--requests 200] [--warmup 10]

It builds a throw-away site with production settings (DEBUG off, manifest
static files): a fresh temporary SQLite database, or the database DATABASE_URL
points to (which it migrates and seeds, so give it a scratch one), then
`seed_demo`, then about 300 paid attendees so that availability counts real
rows. It times each request made through django.test.Client (the whole Django
stack, without a network socket) and prints the figures. The target is a p95 of
150 ms or less; the script reports, it does not assert.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TARGET_P95_MS = 150.0
PAID_ATTENDEES = 300
ATTENDEES_PER_ORDER = 3


def configure_environment(workdir: Path) -> None:
    """Production-like settings from the environment, before Django reads them."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "conference.settings"
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["SITE_URL"] = "http://localhost"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["TASK_BACKEND"] = "immediate"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["STATIC_ROOT"] = str(workdir / "static")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("REDIS_URL", None)
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = str(workdir / "benchmark.sqlite3")


def build_site():
    """Migrate, collect static files, seed the demo; return the conference page."""
    from django.core.management import call_command

    from cms.models import EventPage

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("seed_demo", "--no-admin", verbosity=0, stdout=io.StringIO())
    # The English page: the demo has its Spanish and French translations too.
    page = EventPage.objects.get(
        event__slug="annual-conference-2027", locale__language_code="en"
    )
    add_paid_attendees(page.event, PAID_ATTENDEES)
    return page


def add_paid_attendees(event, count: int) -> None:
    """Paid orders of a few attendees each, spread over the public ticket types."""
    from django.db import transaction

    from registration.models import Attendee, Order, OrderStatus

    ticket_types = [
        tt
        for tt in event.ticket_types.all()
        if not tt.hidden_unless_voucher and tt.counts_toward_event_capacity
    ]
    with transaction.atomic():
        made = 0
        n = 0
        while made < count:
            n += 1
            order = Order.objects.create(
                event=event,
                code=f"BENCH{n:05d}",
                status=OrderStatus.PAID,
                buyer_name=f"Buyer {n}",
                buyer_email=f"buyer{n}@example.org",
                currency=event.currency,
            )
            size = min(ATTENDEES_PER_ORDER, count - made)
            Attendee.objects.bulk_create(
                Attendee(
                    order=order,
                    ticket_type=ticket_types[(made + i) % len(ticket_types)],
                    given_name="Guest",
                    family_name=f"{made + i}",
                    badge_name=f"Guest {made + i}",
                )
                for i in range(size)
            )
            made += size


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, round(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def measure(url: str, *, requests: int, warmup: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url} answered {response.status_code}")

    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            sys.exit(f"GET {url} answered {response.status_code}")

    # Counted apart from the timed loop: capturing queries adds its own cost.
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)

    timings.sort()
    return {
        "count": len(timings),
        "p50": percentile(timings, 0.50),
        "p95": percentile(timings, 0.95),
        "max": timings[-1],
        "mean": statistics.fmean(timings),
        "queries": len(captured),
        "bytes": len(response.content),
        "sql": [query["sql"] for query in captured.captured_queries],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--show-queries", action="store_true", help="print the SQL of one request"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    os.chdir(REPO)
    with tempfile.TemporaryDirectory(prefix="sci-bench-") as workdir:
        configure_environment(Path(workdir))
        import django

        django.setup()
        from django.db import connection

        from registration.catalogue.selectors import get_availability

        page = build_site()
        url = page.url
        held = get_availability(page.event).event_held
        figures = measure(url, requests=args.requests, warmup=args.warmup)
        database = connection.vendor
        connection.close()

    print(f"event page   GET {url}")
    print(f"database     {database}, {held} seats held on the event")
    print(f"requests     {figures['count']} (after {args.warmup} warm-up)")
    print(f"p50          {figures['p50']:.1f} ms")
    print(f"p95          {figures['p95']:.1f} ms  (target <= {TARGET_P95_MS:.0f} ms)")
    print(f"max          {figures['max']:.1f} ms")
    print(f"mean         {figures['mean']:.1f} ms")
    print(f"queries      {figures['queries']} per request")
    print(f"page size    {figures['bytes'] / 1024:.1f} KiB")
    verdict = "meets" if figures["p95"] <= TARGET_P95_MS else "MISSES"
    print(f"result       p95 {verdict} the {TARGET_P95_MS:.0f} ms target")
    if args.show_queries:
        for sql in figures["sql"]:
            print(f"  {sql[:160]}")


if __name__ == "__main__":
    main()
