"""Scale-out drill: two web instances, two RQ workers, one PostgreSQL, one Redis.

Run from the repository root, with PostgreSQL and Redis running:

    .venv/bin/python -m tests.drills.scale_out \\
        [--database-url postgres://postgres@127.0.0.1:5432/scaleout] \\
        [--redis-url redis://127.0.0.1:6379/5] [--ports 8131,8132]

It creates the database `<name>_drill` (dropped first), migrates it, loads the
demo data, empties the Redis database named, then starts two gunicorn
instances and two `manage.py rqworker` processes with REDIS_URL (cache and
sessions), TASK_BACKEND=rq and the file e-mail backend (a temporary folder).
Load is spread over both instances:

1. rush: 300 orders from 40 clients (half on each instance) for 50 seats;
2. double scans: 150 badges, each redeemed at the same moment by one device
   on each instance;
3. two badge print jobs; every order's e-mail goes through the outbox;
4. an editor publishes a new revision of the conference page in another
   process while both instances hold its body in the cache.

It prints its figures and checks: sold == capacity (no oversell), exactly one
`ok` per badge, every outbox message and print job done, each message
delivered once (no Message-ID twice, no recipient with more mails than
messages for them), and the new text served by both instances. Exit status 1
when a check fails. Every process it starts is stopped at the end.
"""

from __future__ import annotations

import argparse
import email
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from tests.benchmarks.checkin import Door, redeem
from tests.benchmarks.rush import closed_loop

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CAPACITY = 50
ORDERS = 300
CLIENTS = 40
BADGES = 150
EVENT_PAGE = "/events/annual-conference-2027/"


def scratch_postgres(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    scratch = f"{parts.path.lstrip('/') or 'postgres'}_drill"
    with psycopg.connect(
        urlunsplit(parts._replace(path="/postgres")), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    return urlunsplit(parts._replace(path=f"/{scratch}"))


def environment(database_url: str, redis_url: str, work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "TASK_BACKEND": "rq",
            # One key for all instances: a session or signed link made by one
            # is good on the other.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "http://127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "BEHIND_PROXY": "false",
            "RATE_LIMITS_ENABLED": "false",  # every client is 127.0.0.1
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(work / "mail"),
            "MEDIA_ROOT": str(work / "media"),
            "STATIC_MANIFEST": "false",
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "600",
        }
    )
    return env


def prepare(env: dict[str, str]) -> dict:
    """Migrate, seed, and add the rush ticket, the door, devices and badges."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connections, transaction
    from django.utils import timezone

    from registration.checkin.services.devices import create_device
    from registration.models import (
        Attendee,
        CheckInList,
        Event,
        Order,
        OrderStatus,
        TicketType,
    )
    from registration.staff.services.api_tokens import create_api_token

    now = timezone.now()
    staff = get_user_model().objects.create_user(
        "drill", "drill@example.org", is_staff=True, is_superuser=True
    )
    _token, api_token = create_api_token(staff, name="scale-out drill")
    rush = Event.objects.create(
        name="Rush",
        slug="rush",
        starts_at=now + timedelta(days=60),
        ends_at=now + timedelta(days=61),
        city="Washington",
        country="US",
        capacity=CAPACITY,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=59),
    )
    ticket = TicketType.objects.create(
        event=rush, name="Delegate", price=Decimal("450.00"), capacity=CAPACITY
    )
    door_event = Event.objects.create(
        name="Door",
        slug="door",
        starts_at=now,
        ends_at=now + timedelta(days=2),
        city="Washington",
        country="US",
        registration_opens_at=now - timedelta(days=30),
        registration_closes_at=now,
    )
    door_ticket = TicketType.objects.create(
        event=door_event, name="Delegate", price=Decimal("100")
    )
    door = CheckInList.objects.create(event=door_event, name="Main door")
    devices = [create_device(name=f"Door {n}", events=[door_event])[1] for n in (1, 2)]
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            Order(
                event=door_event,
                code=f"D{n:06d}",
                status=OrderStatus.PAID,
                buyer_name=f"Buyer {n}",
                buyer_email=f"door{n}@example.org",
                currency="USD",
            )
            for n in range(BADGES)
        )
        people = Attendee.objects.bulk_create(
            Attendee(
                order=order,
                ticket_type=door_ticket,
                badge_name=f"Guest {n}",
                given_name="Guest",
                family_name=str(n),
            )
            for n, order in enumerate(orders)
        )
    # Mail the demo data queued before the drill is not the drill's to check: the
    # sender rightly skips some of it (an "awaiting payment" e-mail for an order
    # paid since), so deliveries are checked for the rows the drill makes.
    from django.db.models import Max

    from registration.models import OutboxMessage

    seeded_outbox = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
    connections.close_all()
    return {
        "seeded_outbox": seeded_outbox,
        "api_token": api_token,
        "ticket": ticket.pk,
        "door": door.pk,
        "door_event": door_event.pk,
        "devices": devices,
        "secrets": [p.secret for p in people],
    }


class Processes:
    """Everything the drill starts; stopped (TERM, then KILL) at the end."""

    def __init__(self, work: Path):
        self.work = work
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]):
        log = (self.work / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - our own programs
            args,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append((name, process))
        return process

    def stop(self) -> None:
        for _name, process in self.started:
            if process.poll() is None:
                process.terminate()
        for _name, process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited with {process.returncode}")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within 60 s")


def run_rush(bases: list[str], data: dict) -> Counter:
    results = []

    def half(base):
        results.append(
            closed_loop(
                f"{base}/api/v1/events/rush/orders/",
                data["api_token"],
                data["ticket"],
                requests_total=ORDERS // 2,
                clients=CLIENTS // 2,
            )
        )

    threads = [threading.Thread(target=half, args=(b,)) for b in bases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answers: Counter = Counter()
    for result in results:
        answers.update(result.answers)
    return answers


def run_double_scans(bases: list[str], data: dict) -> Counter:
    """Each badge: device 1 on instance 1 and device 2 on instance 2 at once."""
    local = threading.local()
    tallies = [Counter() for _ in data["secrets"]]
    lock = threading.Lock()

    def one(base, token, secret, barrier, tally):
        # One HTTP client per thread and instance, as a device keeps its own.
        doors = getattr(local, "doors", None)
        if doors is None:
            doors = local.doors = {}
        door = doors.get(base) or doors.setdefault(
            base, Door(f"{base}/api/v1/checkin/redeem/")
        )
        barrier.wait()
        _status, code = redeem(door, token, data["door"], secret)
        with lock:
            tally[code or "ok"] += 1

    with ThreadPoolExecutor(max_workers=40) as pool:
        futures = []
        for secret, tally in zip(data["secrets"], tallies, strict=True):
            barrier = threading.Barrier(2)
            for base, token in zip(bases, data["devices"], strict=True):
                futures.append(pool.submit(one, base, token, secret, barrier, tally))
        for future in futures:
            future.result()
    return Counter(tuple(sorted(t.items())) for t in tallies)


def start_print_jobs(data: dict) -> list[int]:
    from registration.documents.services.badges import (
        BadgeFilters,
        start_badge_print_job,
    )
    from registration.models import Event

    event = Event.objects.get(pk=data["door_event"])
    return [
        start_badge_print_job(
            event, filters=BadgeFilters(), layout=layout, back_side=None, by=None
        ).pk
        for layout in ("a6", "a6")
    ]


def outbox_rows_after(last_seeded: int) -> set[int]:
    from django.db import connections

    from registration.models import OutboxMessage

    rows = set(
        OutboxMessage.objects.filter(pk__gt=last_seeded).values_list("pk", flat=True)
    )
    connections.close_all()
    return rows


def wait_for_background(job_ids: list[int], seconds: float = 120) -> tuple[dict, dict]:
    from django.db import connections

    from registration.models import BadgePrintJob, OutboxMessage

    deadline = time.monotonic() + seconds
    while True:
        outbox = Counter(OutboxMessage.objects.values_list("status", flat=True))
        jobs = Counter(
            BadgePrintJob.objects.filter(pk__in=job_ids).values_list(
                "status", flat=True
            )
        )
        connections.close_all()
        settled = set(outbox) <= {"done", "failed"} and set(jobs) <= {"done", "failed"}
        if settled or time.monotonic() > deadline:
            return dict(outbox), dict(jobs)
        time.sleep(1)


def mail_delivered(folder: Path) -> tuple[Counter, Counter]:
    """(deliveries per Message-ID, per (recipient, Message-ID)) from the file backend."""
    by_id: Counter = Counter()
    by_recipient: Counter = Counter()
    separator = "-" * 79
    for path in folder.rglob("*.log") if folder.exists() else []:
        for chunk in path.read_text(errors="replace").split(separator):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk.lstrip("\n"))
            by_id[message["Message-ID"]] += 1
            for recipient in (message["To"] or "").split(","):
                by_recipient[(recipient.strip().lower(), message["Message-ID"])] += 1
    return by_id, by_recipient


def page_text(base: str) -> str:
    return requests.get(f"{base}{EVENT_PAGE}", timeout=30).text


def publish_new_body(env: dict[str, str], marker: str) -> None:
    """An editor, in a process of their own, publishes a new revision of the page."""
    code = f"""
from cms.models import EventPage
page = EventPage.objects.get(url_path__endswith="/annual-conference-2027/", locale__language_code="en")
page.body.append(("paragraph", "<p>{marker}</p>"))
page.save_revision().publish()
"""
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/scaleout"
        ),
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--ports", default="8131,8132")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("--database-url must name a PostgreSQL server")
    ports = [int(p) for p in args.ports.split(",")]
    bases = [f"http://127.0.0.1:{port}" for port in ports]

    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    work = Path(tempfile.mkdtemp(prefix="sci-scale-out-"))
    env = environment(scratch_postgres(args.database_url), args.redis_url, work)
    started = time.monotonic()
    print(
        f"Preparing {urlsplit(env['DATABASE_URL']).path[1:]} (migrate, demo data) …",
        flush=True,
    )
    data = prepare(env)
    processes = Processes(work)
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(f"   {'PASS' if ok else 'FAIL'}  {what}")
        if not ok:
            failures.append(what)

    try:
        for index, port in enumerate(ports, 1):
            processes.start(
                f"web{index}",
                [
                    str(BIN / "gunicorn"),
                    "conference.wsgi",
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--timeout",
                    "60",
                ],
                env,
            )
        for index in (1, 2):
            processes.start(
                f"worker{index}",
                [
                    sys.executable,
                    "manage.py",
                    "rqworker",
                    "default",
                    "--job-class",
                    "django_tasks_rq.Job",
                    "--name",
                    f"drill-{index}",
                ],
                # A folder per worker: Django's file backend names its file by the
                # second and the object's id, which forked work horses of two
                # workers can share, and then their messages interleave in one file.
                {**env, "EMAIL_FILE_PATH": str(work / "mail" / f"worker{index}")},
            )
        for base, (_name, process) in zip(bases, processes.started, strict=False):
            wait_for(f"{base}/api/v1/events/", process)
        print(
            f"Two gunicorn instances ({', '.join(bases)}), two RQ workers; logs in {work}"
        )

        print("\n== 1. Rush: 300 orders, 40 clients over both instances, 50 seats")
        answers = run_rush(bases, data)
        from tests.benchmarks.rush import sold_count

        sold = sold_count(data["ticket"])
        print(f"   answers: {dict(sorted(answers.items()))}; sold {sold} of {CAPACITY}")
        check(sold == CAPACITY, f"no oversell: sold {sold} == capacity {CAPACITY}")
        check(
            answers.get("201", 0) == CAPACITY,
            f"{answers.get('201', 0)} orders accepted",
        )
        check(not any(k.startswith(("5", "0")) for k in answers), "no server errors")

        print(
            f"\n== 2. Double scans: {BADGES} badges, one device on each instance at once"
        )
        outcomes = run_double_scans(bases, data)
        print(f"   outcomes: {dict(outcomes)}")
        one_ok = outcomes.get((("already_checked_in", 1), ("ok", 1)), 0)
        check(one_ok == BADGES, f"exactly one ok per badge: {one_ok}/{BADGES}")

        print("\n== 3. Background work on two RQ workers")
        job_ids = start_print_jobs(data)
        outbox, jobs = wait_for_background(job_ids)
        by_id, by_recipient = mail_delivered(work / "mail")
        repeats = {k: n for k, n in by_id.items() if n > 1}
        duplicates = {k: n for k, n in by_recipient.items() if n > 1}
        recipients = {r for r, _id in by_recipient}
        print(f"   outbox: {outbox}; badge print jobs: {jobs}")
        print(
            f"   mails delivered: {sum(by_id.values())} to {len(recipients)} recipients; "
            f"distinct Message-IDs {len(by_id)}"
        )
        check(bool(outbox) and set(outbox) == {"done"}, "every outbox message done")
        check(
            set(jobs) == {"done"} and sum(jobs.values()) == 2,
            "both badge print jobs done",
        )
        drill_rows = outbox_rows_after(data["seeded_outbox"])
        delivered = {
            int(found.group(1))
            for message_id in by_id
            if (found := re.search(r"<outbox-(\d+)@", message_id or ""))
        }
        missing = drill_rows - delivered
        check(
            bool(drill_rows) and not missing,
            "every message of the drill delivered at least once "
            f"({len(drill_rows) - len(missing)}/{len(drill_rows)})",
        )
        check(not repeats, f"no message delivered twice ({len(repeats)} repeated)")
        check(not duplicates, f"no recipient got a message twice ({len(duplicates)})")

        print("\n== 4. Cache purge on publish, seen by both instances")
        marker = f"Scale-out drill {secrets.token_hex(6)}"
        before = [marker in page_text(base) for base in bases]
        import redis as redis_module

        keys = redis_module.Redis.from_url(args.redis_url).keys("*page-body*")
        print(f"   cached page-body fragments in Redis before publishing: {len(keys)}")
        check(len(keys) >= 1, "the page body is served from the shared cache")
        publish_new_body(env, marker)
        after = [marker in page_text(base) for base in bases]
        print(f"   new text before: {before}; after publishing: {after}")
        check(not any(before) and all(after), "both instances serve the new revision")
    finally:
        processes.stop()
        from django.db import connections

        connections.close_all()
    print(
        f"\nDrill took {time.monotonic() - started:.0f} s; "
        f"{'all checks passed' if not failures else f'{len(failures)} check(s) FAILED'}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
