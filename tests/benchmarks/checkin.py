"""Door check-in benchmark: gunicorn on PostgreSQL, driven through the redeem API.

Run from the repository root, with a PostgreSQL server reachable with psql:

    .venv/bin/python -m tests.benchmarks.checkin [--workers 4] [--steady 30] [--hammer 20]

It creates its own database `sci_bench_checkin` (dropped first if it exists,
and dropped at the end unless --keep), migrates it, adds an event with a door
list, 20 devices and enough paid attendees for every scan to be a fresh badge,
starts gunicorn and prints client-side figures (loopback round trip):

(a) steady: 20 devices each scanning once a second (open loop, about six times
    a busy door) for --steady seconds; target p50 ≤ 10 ms, p99 ≤ 50 ms.
    Latency is measured from the moment a scan was due, so a queue in the
    client counts against the server.
(b) hammer: 20 devices scanning as fast as they can for --hammer seconds;
    target ≥ 100 scans/s.
(c) double scans: 1,000 badges, each redeemed by two devices at the same
    moment, at most 40 requests in flight; target exactly one `ok` per badge.

Options: --host/--pg-port/--user for the PostgreSQL server (default
127.0.0.1:5432, postgres); --database for another name, --template to copy a
migrated database instead of migrating, --double-scans for run (c) (the suite's
tiny run: tests/production/test_benchmarks_smoke.py). The script reports; it
does not assert.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "sci_bench_checkin"
DEVICES = 20
DOUBLE_SCANS = 1000
IN_FLIGHT = 40


def psql(args, sql: str) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - psql from PATH
            "psql",
            "-h",
            args.host,
            "-p",
            str(args.port),
            "-U",
            args.user,
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            sql,
        ],
        check=True,
    )


def server_environment(args, database: str = DATABASE) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": f"postgres://{args.user}@{args.host}:{args.port}/{database}",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "BEHIND_PROXY": "false",
            "TASK_BACKEND": "immediate",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "600",
            # No collectstatic here: static URLs without the manifest.
            "STATIC_MANIFEST": "false",
        }
    )
    env.pop("REDIS_URL", None)
    return env


def prepare(env: dict[str, str], attendees: int) -> tuple[int, list[str], list[str]]:
    """Migrate and create the event, list, devices and attendees: (list id, device
    tokens, secrets)."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    from django.core.management import call_command
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

    call_command("migrate", verbosity=0)
    now = timezone.now()
    event = Event.objects.create(
        name="Annual Conference",
        slug="bench",
        starts_at=now,
        ends_at=now + timedelta(days=3),
        city="Washington",
        country="US",
        registration_opens_at=now - timedelta(days=30),
        registration_closes_at=now,
    )
    ticket = TicketType.objects.create(
        event=event, name="Delegate", price=Decimal("450")
    )
    door = CheckInList.objects.create(event=event, name="Main door")
    tokens = [
        create_device(name=f"Door {n + 1}", events=[event])[1] for n in range(DEVICES)
    ]
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            Order(
                event=event,
                code=f"B{n:06d}",
                status=OrderStatus.PAID,
                buyer_name=f"Buyer {n}",
                buyer_email=f"b{n}@example.org",
                currency="USD",
            )
            for n in range(attendees // 5 + 1)
        )
        people = Attendee.objects.bulk_create(
            Attendee(
                order=orders[n // 5],
                ticket_type=ticket,
                badge_name=f"Guest {n}",
                given_name="Guest",
                family_name=str(n),
            )
            for n in range(attendees)
        )
    call_command(
        "shell",
        "-c",
        "from django.db import connection; connection.cursor().execute('ANALYZE')",
        verbosity=0,
    )
    connections.close_all()
    return door.pk, tokens, [p.secret for p in people]


def start_gunicorn(env, *, workers: int, port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "conference.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_ready(process, port)
    except BaseException:
        process.terminate()
        raise
    return process


def wait_until_ready(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            requests.get(
                f"http://127.0.0.1:{port}/checkin/manifest.webmanifest", timeout=5
            )
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start within 60 s")


class Badges:
    """Hands out fresh secrets to the load threads."""

    def __init__(self, secrets_: list[str]):
        self.secrets = secrets_
        self.next = 0
        self.lock = threading.Lock()

    def take(self) -> str:
        with self.lock:
            secret = self.secrets[self.next]
            self.next += 1
            return secret


class Door:
    """One device's HTTP client: the standard library's, because the figures are
    meant to show the server, and `requests` alone spends about a millisecond of
    the client's CPU per call on this 2-core machine. It reconnects whenever
    the server closes the connection (gunicorn's sync workers always do)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path
        self.connection: http.client.HTTPConnection | None = None

    def post_json(self, body: dict, headers: dict) -> tuple[int, dict]:
        payload = json.dumps(body).encode()
        headers = {"Content-Type": "application/json", **headers}
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=30
                )
            try:
                self.connection.request("POST", self.path, payload, headers)
                response = self.connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.connection.close()
                self.connection = None
            try:
                return response.status, json.loads(data)
            except ValueError:
                return response.status, {"code": "not json"}
        raise AssertionError("unreachable")


def redeem(door: Door, token, list_id, secret) -> tuple[int, str]:
    status, body = door.post_json(
        {"secret": secret, "list": list_id, "nonce": secrets.token_hex(12)},
        {"Authorization": f"Device {token}"},
    )
    return status, body.get("code", "")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def report(name: str, latencies: list[float], answers: Counter, seconds: float) -> None:
    ms = [x * 1000 for x in latencies]
    print(
        f"{name}: {len(ms)} scans in {seconds:.1f} s = {len(ms) / seconds:.0f} scans/s; "
        f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
        f"mean {statistics.fmean(ms):.1f} ms, max {max(ms):.1f} ms; answers {dict(answers)}"
    )


def run_steady(url, tokens, list_id, badges: Badges, seconds: int) -> None:
    latencies: list[float] = []
    answers: Counter = Counter()
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def device(index: int, token: str):
        door = Door(url)
        # Devices spread over the second, as real doors are.
        due = start + index / len(tokens)
        while due < start + seconds:
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            status, code = redeem(door, token, list_id, badges.take())
            done = time.perf_counter()
            with lock:
                latencies.append(done - due)
                answers[f"{status} {code}"] += 1
            due += 1.0

    threads = [
        threading.Thread(target=device, args=(i, t)) for i, t in enumerate(tokens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report("(a) steady, 20 devices × 1 scan/s", latencies, answers, seconds)


def run_hammer(url, tokens, list_id, badges: Badges, seconds: int) -> None:
    latencies: list[float] = []
    answers: Counter = Counter()
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    first = time.perf_counter()

    def device(token: str):
        door = Door(url)
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            status, code = redeem(door, token, list_id, badges.take())
            with lock:
                latencies.append(time.perf_counter() - sent)
                answers[f"{status} {code}"] += 1

    threads = [threading.Thread(target=device, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report(
        "(b) hammer, 20 devices flat out",
        latencies,
        answers,
        time.perf_counter() - first,
    )


def run_double_scans(
    url, tokens, list_id, badges: Badges, count: int = DOUBLE_SCANS
) -> None:
    per_badge: list[Counter] = []
    lock = threading.Lock()
    latencies: list[float] = []
    local = threading.local()

    def one(token, secret, barrier, tally):
        door = getattr(local, "door", None) or Door(url)
        local.door = door
        barrier.wait()
        sent = time.perf_counter()
        _status, code = redeem(door, token, list_id, secret)
        with lock:
            tally[code] += 1
            latencies.append(time.perf_counter() - sent)

    first = time.perf_counter()
    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        futures = []
        for n in range(count):
            secret = badges.take()
            barrier = threading.Barrier(2)
            tally: Counter = Counter()
            per_badge.append(tally)
            a, b = tokens[n % len(tokens)], tokens[(n + 1) % len(tokens)]
            futures.append(pool.submit(one, a, secret, barrier, tally))
            futures.append(pool.submit(one, b, secret, barrier, tally))
        for future in futures:
            future.result()
    seconds = time.perf_counter() - first
    exactly_one = sum(
        1 for t in per_badge if t["ok"] == 1 and t["already_checked_in"] == 1
    )
    outcomes = Counter(tuple(sorted(t.items())) for t in per_badge)
    ms = [x * 1000 for x in latencies]
    print(
        f"(c) double scans: {count} badges × 2 devices at once (≤ {IN_FLIGHT} in flight) "
        f"in {seconds:.1f} s; exactly one ok: {exactly_one}/{count}; "
        f"outcomes {dict(outcomes)}; p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--steady", type=int, default=30, help="seconds of run (a)")
    parser.add_argument("--hammer", type=int, default=20, help="seconds of run (b)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--pg-port", dest="pg_port", type=int, default=5432)
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--database", default=DATABASE, help=f"default {DATABASE}")
    parser.add_argument("--template", default="", help="copy this migrated database")
    parser.add_argument("--double-scans", type=int, default=DOUBLE_SCANS)
    args = parser.parse_args()
    database = args.database
    pg_port = args.pg_port
    if not args.port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.port = probe.getsockname()[1]

    class PG:
        host, port, user = args.host, pg_port, args.user

    psql(PG, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    copy = f' TEMPLATE "{args.template}"' if args.template else ""
    psql(PG, f'CREATE DATABASE "{database}"{copy}')
    server = None
    try:
        env = server_environment(PG, database)
        needed = DEVICES * args.steady + 1000 * args.hammer + args.double_scans + 1000
        list_id, tokens, badge_secrets = prepare(env, needed)
        print(
            f"set-up: {len(badge_secrets)} paid attendees, {DEVICES} devices, "
            f"gunicorn with {args.workers} sync workers on PostgreSQL, {os.cpu_count()} CPUs"
        )
        server = start_gunicorn(env, workers=args.workers, port=args.port)
        url = f"http://127.0.0.1:{args.port}/api/v1/checkin/redeem/"
        badges = Badges(badge_secrets)
        # Warm every worker's connection and code paths.
        with ThreadPoolExecutor(max_workers=DEVICES) as pool:
            list(
                pool.map(
                    lambda t: redeem(Door(url), t, list_id, badges.take()),
                    tokens * 3,
                )
            )
        run_steady(url, tokens, list_id, badges, args.steady)
        run_hammer(url, tokens, list_id, badges, args.hammer)
        run_double_scans(url, tokens, list_id, badges, args.double_scans)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            psql(PG, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
