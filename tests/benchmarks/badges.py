"""Badge rendering figures: single badge p50/p95 (warm) and a 1,000-badge event PDF.

Run from the repository root:

    .venv/bin/python -m tests.benchmarks.badges [--layout a6|letter-6up|a4-4up] [--count 1000]

Attendees are built in memory (unsaved), so the figures are WeasyPrint's, the
QR codes', the templates' and the merge's, not the database's. Names cycle
through every script the fonts must cover. Targets: single badge
p95 ≤ 150 ms; 1,000 badges under 20 s on a 2-core machine.
"""

import argparse
import io
import os
import resource
import statistics
import sys
import time
from datetime import UTC, datetime

import tests.environment  # noqa: F401  (test settings: secret key, no Redis)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")

import django
from pypdf import PdfReader

django.setup()

from registration.documents.services import badges  # noqa: E402
from registration.documents.services import rendering as documents  # noqa: E402
from registration.models import Attendee, Delegation, Event, Order, TicketType  # noqa: E402
from registration.tokens import new_secret  # noqa: E402

NAMES = [
    ("Nguyễn Thị Minh Khai", "Hanoi", "VN"),
    ("Ōkubo Shōta", "Kyoto", "JP"),
    ("Мария Петрова", "Samara", "RU"),
    ("محمد عبد الله", "Amman", "JO"),
    ("יעל כהן", "Haifa", "IL"),
    ("김민준", "Suwon", "KR"),
    ("王小明", "Beijing", "CN"),
    ("देवनागरी", "Pune", "IN"),
    ("สมชาย", "Chiang Mai", "TH"),
    ("Αλέξανδρος Παπαδόπουλος", "Thessaloniki", "GR"),
    ("Mary-Kate O'Connor", "Cork", "IE"),
    ("Jean-Baptiste Lefèvre", "Toulouse", "FR"),
]


def make_attendees(count: int) -> list[Attendee]:
    event = Event(
        name="SCI Annual Conference 2027",
        slug="bench",
        starts_at=datetime(2027, 7, 15, 13, tzinfo=UTC),
        ends_at=datetime(2027, 7, 17, 21, tzinfo=UTC),
        time_zone="America/New_York",
        city="Washington",
        country="US",
    )
    order = Order(event=event, code="BENCH1", status="paid")
    types = [
        TicketType(event=event, name="Delegate", badge_colour="#1F6FB2"),
        TicketType(
            event=event,
            name="Youth delegate",
            badge_colour="#E07A1F",
            min_age=14,
            max_age=18,
        ),
        TicketType(event=event, name="Speaker", badge_colour="#F2C94C"),
    ]
    attendees = []
    for n in range(count):
        name, city, country = NAMES[n % len(NAMES)]
        attendee = Attendee(
            order=order,
            ticket_type=types[n % len(types)],
            badge_name=name,
            given_name=name,
            organisation=f"{city} Sister Cities Association",
            city=city,
            country=country,
            secret=new_secret(),
        )
        attendee.delegation = Delegation(event=event, name=f"{city} Delegation")
        attendees.append(attendee)
    return attendees


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers: shows contention on a busy machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--layout", default="letter-6up", choices=sorted(badges.LAYOUTS)
    )
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    started = time.perf_counter()
    documents.warm_up()
    print(f"warm-up (import + first render): {time.perf_counter() - started:.2f} s")

    singles = make_attendees(args.runs)
    for attendee in singles[: len(NAMES)]:  # every script's fonts loaded once
        badges.render_badge(attendee, layout="a6")
    timings = []
    for attendee in singles:
        start = time.perf_counter()
        badges.render_badge(attendee, layout="a6")
        timings.append((time.perf_counter() - start) * 1000)
    print(
        f"single A6 badge, warm, {args.runs} runs: p50 {statistics.median(timings):.0f} ms, "
        f"p95 {percentile(timings, 0.95):.0f} ms, max {max(timings):.0f} ms"
    )

    batch = make_attendees(args.count)
    cpu_before = _cpu_seconds()
    start = time.perf_counter()
    pdf = badges.render_badges(batch, layout=args.layout)
    wall = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu_before
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(
        f"{args.count} badges, {args.layout}, {badges.WORKERS} workers: {wall:.1f} s wall "
        f"({args.count / wall:.0f} badges/s), {pages} pages, {len(pdf) / 1024:.0f} KiB; "
        f"{cpu:.1f} CPU-s in all processes ({cpu / args.count * 1000:.0f} ms a badge), "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    sys.exit(main())
