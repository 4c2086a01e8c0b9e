"""Drill: PostgreSQL restarted in the middle of placing an order and of a webhook.

    python tests/drills/pg_restart.py            # as root (runs postgres via runuser)

It starts a throwaway PostgreSQL 15 cluster on 127.0.0.1:5441 (never the
shared server), migrates a database, serves the site from this process
through Django's WSGI handler on 127.0.0.1:8121 (one server thread, so one
persistent connection, CONN_MAX_AGE=60, as a gunicorn sync worker has), and:

1. places an order through the web checkout; while the request's INSERT of
   the attendee waits (a trigger takes an advisory lock the drill holds), runs
   `pg_ctl restart -m fast`. Expected: 503 with Retry-After, no order, no
   attendee; pressing the button again places the order (the seat was not
   leaked: the ticket type has one).
2. delivers a signed Stripe `checkout.session.completed` (Stripe faked at its
   HTTP layer, as in the tests); while the receipt e-mail's INSERT waits,
   restarts PostgreSQL. Expected: 503 with Retry-After, payment still open;
   Stripe's retry records it once, a third delivery is a duplicate.
3. restarts PostgreSQL while the site is idle, then asks for a page: the
   server's stale connection is noticed (CONN_HEALTH_CHECKS) and replaced, and
   the first request after the restart answers 200.

Prints each check and exits 1 if one failed. The cluster is removed at the end.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PORT = int(os.environ.get("DRILL_PG_PORT", "5441"))
WEB_PORT = int(os.environ.get("DRILL_WEB_PORT", "8121"))
DRILL_LOCK = 727_272
RESULTS: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: object = "") -> None:
    RESULTS.append((name, bool(ok), str(detail)))
    print(f"  [{'ok' if ok else 'FAIL'}] {name} {detail}", flush=True)


def as_postgres(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (fixed PostgreSQL tools)
        ["/usr/sbin/runuser", "-u", "postgres", "--", *args],
        check=True,
        capture_output=True,
        text=True,
    )


class Cluster:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="sci-pg-drill-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"

    def start(self):
        as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
        )
        self.ctl("start")
        subprocess.run(  # noqa: S603
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(PG_PORT),
                "-U",
                "postgres",
                "drill",
            ],
            check=True,
        )

    def ctl(self, action: str, *extra: str) -> float:
        started = time.monotonic()
        as_postgres(
            str(PG_BIN / "pg_ctl"),
            action,
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.dir / "server.log"),
            "-o",
            f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {self.dir}",
            *extra,
        )
        return time.monotonic() - started

    def restart(self) -> float:
        return self.ctl("restart", "-m", "fast")

    def remove(self):
        with suppress(subprocess.CalledProcessError):
            self.ctl("stop", "-m", "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def configure_django():
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/drill",
            "CONN_MAX_AGE": "60",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_MANIFEST": "false",
            "TASK_BACKEND": "immediate",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "RATE_LIMITS_ENABLED": "false",
            "LOG_LEVEL": "ERROR",
            "DJANGO_SETTINGS_MODULE": "conference.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def serve():
    """The site on WEB_PORT from one thread: one request at a time, one connection."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = WSGIServer(("127.0.0.1", WEB_PORT), Quiet)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def drill_connection():
    import psycopg

    return psycopg.connect(
        f"host=127.0.0.1 port={PG_PORT} user=postgres dbname=drill", autocommit=True
    )


@contextmanager
def inserts_stall(table: str):
    """INSERTs into `table` wait on an advisory lock; yields a waiter for that moment."""
    control = drill_connection()
    control.execute(
        "CREATE OR REPLACE FUNCTION drill_stall() RETURNS trigger AS $$ "
        f"BEGIN PERFORM pg_advisory_xact_lock({DRILL_LOCK}); RETURN NEW; END $$ "
        "LANGUAGE plpgsql"
    )
    control.execute(
        f"CREATE TRIGGER drill_stall BEFORE INSERT ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION drill_stall()"
    )
    control.execute("SELECT pg_advisory_lock(%s)", [DRILL_LOCK])

    def wait_until_stalled() -> bool:
        deadline = time.monotonic() + 2.5  # inside the 3 s lock_timeout
        while time.monotonic() < deadline:
            if control.execute(
                "SELECT 1 FROM pg_stat_activity WHERE wait_event = 'advisory'"
            ).fetchone():
                return True
            time.sleep(0.02)
        return False

    try:
        yield wait_until_stalled
    finally:
        # The restart ended the control session (and its lock): a new one drops
        # the trigger.
        with drill_connection() as cleanup:
            cleanup.execute(f"DROP TRIGGER IF EXISTS drill_stall ON {table}")


def in_thread(call):
    result = {}
    thread = threading.Thread(target=lambda: result.update(value=call()))
    thread.start()

    def wait():
        thread.join(timeout=60)
        return result.get("value")

    return wait


def fresh_orm():
    """The drill's own ORM connection died with the restart too."""
    from django.db import connection

    connection.close()


def browser():
    import requests

    session = requests.Session()
    original = session.request

    def request(*args, **kwargs):
        response = original(*args, **kwargs)
        # Production cookies are Secure; the drill speaks plain HTTP.
        for cookie in session.cookies:
            cookie.secure = False
        return response

    session.request = request
    return session


def drill_order(cluster: Cluster, base: str) -> None:
    from decimal import Decimal

    from registration.models import Attendee, Order
    from tests.factories import EventFactory, TicketTypeFactory

    print("1. PostgreSQL restarted while an order is being written", flush=True)
    event = EventFactory(slug="drill-conference", name="Drill Conference")
    delegate = TicketTypeFactory(
        event=event, name="Delegate", price=Decimal("450.00"), capacity=1
    )
    url = f"{base}/register/{event.slug}/"
    web = browser()
    web.get(url, timeout=10)

    def post(path, data):
        return web.post(
            url + path,
            data={**data, "csrfmiddlewaretoken": web.cookies["csrftoken"]},
            allow_redirects=False,
            timeout=30,
        )

    post("", {f"ticket_{delegate.pk}": "1"})
    post(
        "attendees/",
        {
            "buyer.name": "City of Toulouse",
            "buyer.email": "protocol@toulouse.example",
            "buyer.language": "en",
            "payment_method": "invoice",
            "attendees.0.given_name": "Claire",
            "attendees.0.family_name": "Dubois",
            "attendees.0.country": "FR",
        },
    )
    confirm = {
        "expected_total": "450.00",
        "billing_name": "City of Toulouse",
        "billing_address": "1 Place du Capitole",
        "billing_email": "finance@toulouse.example",
        "privacy": "yes",
    }
    with inserts_stall(Attendee._meta.db_table) as wait_until_stalled:
        response = in_thread(lambda: post("review/", confirm))
        stalled = wait_until_stalled()
        seconds = cluster.restart()
        broken = response()
    check("request was inside its transaction at the restart", stalled)
    check("restart took", True, f"{seconds:.2f} s")
    check(
        "answer is 503 with Retry-After",
        broken.status_code == 503 and broken.headers.get("Retry-After") == "5",
        f"{broken.status_code} Retry-After={broken.headers.get('Retry-After')}",
    )
    fresh_orm()
    counts = (Order.objects.count(), Attendee.objects.count())
    check("no half-written order", counts == (0, 0), f"orders, attendees = {counts}")
    again = post("review/", confirm)
    order = Order.objects.filter(event=event).first()
    check(
        "pressing the button again places the order (seat not leaked)",
        again.status_code == 302 and order is not None and order.attendees.count() == 1,
        f"{again.status_code} -> {again.headers.get('Location')}",
    )


def drill_webhook(cluster: Cluster, base: str) -> None:
    import requests

    from registration.models import (
        ActivityLog,
        OrderStatus,
        OutboxMessage,
        Payment,
        PaymentStatus,
    )
    from registration.payments import services as payments
    from registration.payments import stripe as stripe_api
    from tests.registration.payments.conftest import (
        WEBHOOK_SECRET,
        WEBHOOK_URL,
        FakeStripe,
        make_order,
        sign,
    )

    print("2. PostgreSQL restarted while a Stripe webhook is being applied", flush=True)
    from django.conf import settings

    settings.STRIPE_SECRET_KEY = "sk_test_drill"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    fake = FakeStripe()
    stripe_api.http_client = fake
    order = make_order()
    payments.start_card_payment(
        order, success_url=f"{base}/done/", cancel_url=f"{base}/canceled/"
    )
    payment = Payment.objects.get(order=order)
    event = fake.event(
        "checkout.session.completed", fake.pay(payment.stripe_session_id)
    )
    body = json.dumps(event)

    def stripe_delivers():
        return requests.post(
            base + WEBHOOK_URL,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": sign(body),
            },
            timeout=30,
        )

    with inserts_stall(OutboxMessage._meta.db_table) as wait_until_stalled:
        response = in_thread(stripe_delivers)
        stalled = wait_until_stalled()
        cluster.restart()
        broken = response()
    check("webhook was inside its transaction at the restart", stalled)
    check(
        "webhook answered 503 with Retry-After (Stripe retries)",
        broken.status_code == 503 and broken.headers.get("Retry-After") == "5",
        f"{broken.status_code} {broken.text[:80]}",
    )
    fresh_orm()
    payment.refresh_from_db()
    check("payment not recorded by the broken attempt", payment.status == "open")
    retried = stripe_delivers()
    third = stripe_delivers()
    payment.refresh_from_db()
    order.refresh_from_db()
    check(
        "Stripe's retry records the payment",
        retried.status_code == 200 and retried.json()["outcome"] == "processed",
        retried.text[:80],
    )
    check("a further delivery is a duplicate", third.json()["outcome"] == "duplicate")
    check(
        "paid exactly once",
        payment.status == PaymentStatus.SUCCEEDED
        and order.status == OrderStatus.PAID
        and ActivityLog.objects.filter(
            action="payment.succeeded", object_id=str(order.pk)
        ).count()
        == 1
        and OutboxMessage.objects.filter(kind="email.payment_receipt").count() == 1,
    )


def drill_idle_restart(cluster: Cluster, base: str) -> None:
    import requests

    print("3. PostgreSQL restarted while the site is idle", flush=True)
    first = requests.get(f"{base}/register/drill-conference/", timeout=10)
    cluster.restart()
    after = requests.get(f"{base}/register/drill-conference/", timeout=10)
    check(
        "first request after the restart is served (stale connection replaced)",
        first.status_code == 200 and after.status_code == 200,
        f"{first.status_code} then {after.status_code}",
    )


def main() -> int:
    if os.geteuid() != 0:
        print("Run as root: PostgreSQL is started as the postgres user via runuser.")
        return 2
    cluster = Cluster()
    try:
        print(
            f"Starting a throwaway PostgreSQL on 127.0.0.1:{PG_PORT} in {cluster.dir}"
        )
        cluster.start()
        configure_django()
        server = serve()
        base = f"http://127.0.0.1:{WEB_PORT}"
        drill_order(cluster, base)
        drill_webhook(cluster, base)
        drill_idle_restart(cluster, base)
        server.shutdown()
    finally:
        cluster.remove()
    failed = [name for name, ok, _detail in RESULTS if not ok]
    print(f"{len(RESULTS) - len(failed)}/{len(RESULTS)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
