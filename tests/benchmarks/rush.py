"""Registration rush benchmark: gunicorn on PostgreSQL, driven through the REST API.

Run from the repository root with a PostgreSQL server in DATABASE_URL (a
scratch database `<name>_rush` is created next to the one named, and dropped
first if it exists):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m tests.benchmarks.rush [--workers 4] [--duration 60]

(--orders, --clients, --seats, --rates and --template make the tiny run of
the suite's smoke test, tests/production/test_benchmarks_smoke.py.)

Two runs, each printing sold, oversold, answers by HTTP status and code,
orders per minute and client-side p50/p95/p99 (loopback round trip):

(a) the rush: 500 order requests from 50 concurrent clients for 100 seats;
    target exactly 100 sold, 0 oversold, 0 server errors.
(b) sustained sales: orders offered at a fixed rate (25/s, open loop) for
    --duration seconds on a ticket type with a capacity large enough never to
    sell out, so every order takes the capacity locks and runs the check;
    target p95 ≤ 500 ms, no errors. Then rising rates for --step-duration
    seconds each, to find the highest offered rate that keeps p95 under 1 s.

Latency in (b) is measured from the moment a request was due to be sent, so a
queue in the client counts against the server (no coordinated omission).
"""

from __future__ import annotations

import argparse
import atexit
import http.client
import json
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parents[2]


# --- Set-up ------------------------------------------------------------------------


def scratch_database(url: str, template: str = "") -> str:
    """Create a `<name>_rush` database on the server of `url`, empty or a copy of
    the (migrated) `template` database; its URL."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    scratch = f"{name}_rush"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{scratch}"{copy}')
    return urlunsplit(parts._replace(path=f"/{scratch}"))


def server_environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "BEHIND_PROXY": "false",
            # Every simulated buyer comes from 127.0.0.1: one address's limits
            # would stop the rush after a few orders.
            "RATE_LIMITS_ENABLED": "false",
            # Jobs are queued as rows (as in production); nothing runs them here.
            "TASK_BACKEND": "db",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LOG_LEVEL": "ERROR",
            "CONN_MAX_AGE": "600",
            # DEBUG=false serves hashed static files from a manifest: build it.
            "STATIC_ROOT": str(ROOT / "var" / "rush-static"),
        }
    )
    env.pop("REDIS_URL", None)
    return env


def prepare(env: dict[str, str], *, seats: int = 100) -> tuple[str, dict[str, int]]:
    """Migrate, create a staff token and the two benchmark events; (token, ids)."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from registration.models import Event, TicketType
    from registration.staff.services.api_tokens import create_api_token

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    staff = get_user_model().objects.create_user(
        "bench", "bench@example.org", is_staff=True, is_superuser=True
    )
    _token, raw = create_api_token(staff, name="rush benchmark")
    now = timezone.now()
    ids = {}
    for slug, capacity in (("rush", seats), ("sustained", 1_000_000)):
        event = Event.objects.create(
            name=slug.title(),
            slug=slug,
            starts_at=now + timedelta(days=60),
            ends_at=now + timedelta(days=63),
            city="Washington",
            country="US",
            capacity=capacity,
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=59),
        )
        ticket = TicketType.objects.create(
            event=event, name="Delegate", price=Decimal("450.00"), capacity=capacity
        )
        ids[slug] = ticket.pk
    from django.db import connections

    connections.close_all()
    return raw, ids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], *, workers: int, port: int) -> subprocess.Popen:
    """Start gunicorn on a port nobody else answers on; stopped on exit or SIGTERM."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"Port {port} is already in use; pass another --port.")
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
    atexit.register(stop_server, process)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/events/", timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=30)
    raise SystemExit("gunicorn did not start within 30 s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


# --- Load -----------------------------------------------------------------------------


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    answers: Counter = field(default_factory=Counter)
    first_sent: float = 0.0
    last_done: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, started: float, status: int, code: str) -> None:
        done = time.perf_counter()
        with self.lock:
            self.latencies.append(done - started)
            self.answers[f"{status} {code}".strip()] += 1
            self.last_done = max(self.last_done, done)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[index]

    @property
    def server_errors(self) -> int:
        return sum(
            n
            for key, n in self.answers.items()
            if key.startswith(("5", "0")) and not key.startswith("503 busy")
        )


def order_body(ticket_type: int, number: int) -> dict:
    return {
        "buyer": {"name": f"Buyer {number}", "email": f"buyer{number}@example.org"},
        "attendees": [
            {
                "ticket_type": ticket_type,
                "given_name": "Guest",
                "family_name": str(number),
            }
        ],
        "payment_method": "invoice",
    }


class Client:
    """A lean HTTP client (http.client): the load generator shares the CPUs."""

    def __init__(self, url: str, token: str):
        parts = urlsplit(url)
        self.path = parts.path
        self.connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=30
        )
        self.headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def post(self, body: dict) -> tuple[int, str]:
        try:
            self.connection.request("POST", self.path, json.dumps(body), self.headers)
            response = self.connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            return 0, type(exc).__name__
        code = ""
        if response.status >= 300:
            try:
                code = json.loads(payload).get("code", "")
            except ValueError:
                code = ""
        return response.status, code


def send(client: Client, body: dict, results: Results, started: float) -> None:
    status, code = client.post(body)
    results.record(started, status, code)


def closed_loop(
    url: str, token: str, ticket_type: int, *, requests_total: int, clients: int
):
    """`clients` threads, each sending its next order as soon as the last is answered."""
    work: queue.Queue[int] = queue.Queue()
    for number in range(requests_total):
        work.put(number)
    results = Results()
    barrier = threading.Barrier(clients)

    def client():
        http_client = Client(url, token)
        barrier.wait()
        while True:
            try:
                number = work.get_nowait()
            except queue.Empty:
                return
            send(
                http_client,
                order_body(ticket_type, number),
                results,
                time.perf_counter(),
            )

    threads = [threading.Thread(target=client) for _ in range(clients)]
    results.first_sent = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def open_loop(
    url: str,
    token: str,
    ticket_type: int,
    *,
    rate: float,
    duration: float,
    offset: int = 0,
    senders: int = 64,
):
    """Offer orders at `rate` per second for `duration` seconds, whatever the answers."""
    due: queue.Queue = queue.Queue()
    results = Results()
    stop = object()

    def sender():
        http_client = Client(url, token)
        while True:
            item = due.get()
            if item is stop:
                return
            number, scheduled = item
            send(http_client, order_body(ticket_type, number), results, scheduled)

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    results.first_sent = start
    total = int(rate * duration)
    for index in range(total):
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        due.put((offset + index, scheduled))
    for _ in threads:
        due.put(stop)
    for thread in threads:
        thread.join(timeout=60)
    return results


# --- Report ------------------------------------------------------------------------------


def sold_count(ticket_type: int) -> int:
    """Seats held (paid or unexpired pending) for the ticket type, from the database."""
    from django.db import connections
    from django.utils import timezone

    from registration.catalogue.selectors import seat_holding
    from registration.models import Attendee

    count = Attendee.objects.filter(
        seat_holding(timezone.now()), ticket_type_id=ticket_type
    ).count()
    connections.close_all()
    return count


def report(title: str, results: Results, *, sold: int, capacity: int | None) -> None:
    elapsed = max(results.last_done - results.first_sent, 1e-9)
    answered = sum(results.answers.values())
    print(f"\n== {title}")
    print(f"   requests answered : {answered} in {elapsed:.2f} s")
    print(f"   sold              : {sold}" + (f" of {capacity}" if capacity else ""))
    if capacity:
        print(f"   oversold          : {max(0, sold - capacity)}")
    print(
        "   answers           : "
        + ", ".join(
            f"{key or 'error'}: {n}" for key, n in sorted(results.answers.items())
        )
    )
    print(f"   server errors     : {results.server_errors}")
    print(
        f"   orders per minute : {results.answers.get('201', 0) / elapsed * 60:.0f} sold, "
        f"{answered / elapsed * 60:.0f} answered"
    )
    print(
        f"   latency p50/p95/p99: {results.percentile(50) * 1000:.0f} / "
        f"{results.percentile(95) * 1000:.0f} / {results.percentile(99) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--rate", type=float, default=25.0, help="run (b) rate per second"
    )
    parser.add_argument("--duration", type=float, default=60.0, help="run (b) seconds")
    parser.add_argument(
        "--step-duration",
        type=float,
        default=20.0,
        help="seconds per rate while searching the p95 < 1 s rate",
    )
    parser.add_argument(
        "--rates",
        default="40,60,80,100,130,160,200",
        help="rates tried after run (b), in order",
    )
    parser.add_argument("--orders", type=int, default=500, help="run (a) orders")
    parser.add_argument("--clients", type=int, default=50, help="run (a) clients")
    parser.add_argument("--seats", type=int, default=100, help="run (a) seats")
    parser.add_argument(
        "--template", default="", help="copy this migrated database (smoke test)"
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (postgres://…).")
    env = server_environment(scratch_database(url, args.template))
    print(
        f"Preparing the scratch database ({urlsplit(env['DATABASE_URL']).path[1:]}) …"
    )
    token, ids = prepare(env, seats=args.seats)
    port = args.port or free_port()
    server = start_gunicorn(env, workers=args.workers, port=port)
    base = f"http://127.0.0.1:{port}/api/v1/events"
    print(
        f"gunicorn: {args.workers} sync workers; {os.cpu_count()} CPUs shared with the client"
    )
    try:
        rush = closed_loop(
            f"{base}/rush/orders/",
            token,
            ids["rush"],
            requests_total=args.orders,
            clients=args.clients,
        )
        report(
            f"(a) rush: {args.orders} orders, {args.clients} concurrent clients, "
            f"{args.seats} seats",
            rush,
            sold=sold_count(ids["rush"]),
            capacity=args.seats,
        )

        sustained = open_loop(
            f"{base}/sustained/orders/",
            token,
            ids["sustained"],
            rate=args.rate,
            duration=args.duration,
        )
        report(
            f"(b) sustained: {args.rate:g} orders/s offered for {args.duration:g} s",
            sustained,
            sold=sold_count(ids["sustained"]),
            capacity=None,
        )

        best = (
            args.rate
            if sustained.percentile(95) < 1.0 and not sustained.server_errors
            else None
        )
        offset = 1_000_000
        for rate in [float(r) for r in args.rates.split(",") if r.strip()]:
            step = open_loop(
                f"{base}/sustained/orders/",
                token,
                ids["sustained"],
                rate=rate,
                duration=args.step_duration,
                offset=offset,
            )
            offset += 1_000_000
            p95 = step.percentile(95)
            ok = p95 < 1.0 and not step.server_errors
            print(
                f"   rate {rate:>5g}/s: p95 {p95 * 1000:6.0f} ms, "
                f"p99 {step.percentile(99) * 1000:6.0f} ms, answers {dict(step.answers)}"
                f" → {'under 1 s' if ok else 'over'}"
            )
            if not ok:
                break
            best = rate
        print(
            f"\nHighest offered rate with p95 under 1 s: "
            f"{best:g}/s ({best * 60:g} a minute)"
            if best
            else "\nNo tried rate kept p95 under 1 s."
        )
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
