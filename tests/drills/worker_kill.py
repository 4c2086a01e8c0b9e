"""Drill: a task worker SIGKILLed in the middle of a job; the job runs again, once.

    python tests/drills/worker_kill.py

Uses its own SQLite database (a temporary file) and the database task backend
(django-tasks-db), as the embedded set-up does, and a real SMTP server
(aiosmtpd on 127.0.0.1:8125). An order is placed: its e-mail is a task. A real
`manage.py db_worker` takes it and starts the SMTP conversation; the server
holds the conversation after RCPT, and the drill SIGKILLs the worker there.
django-tasks-db leaves the task RUNNING for ever (it has no lease), so the
periodic loop (`manage.py run_periodic --once`, with STALLED_TASK_SECONDS=2)
marks it failed and queues the job again; a second worker delivers it.
Expected: exactly one e-mail reaches the server, the outbox row is done after
two attempts, a later pass and worker send nothing more.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMTP_PORT = int(os.environ.get("DRILL_SMTP_PORT", "8125"))
RESULTS: list[tuple[str, bool]] = []


def check(name: str, ok: bool, detail: object = "") -> None:
    RESULTS.append((name, bool(ok)))
    print(f"  [{'ok' if ok else 'FAIL'}] {name} {detail}", flush=True)


class HoldingMailbox:
    """Accepts mail; while `gate` is closed, holds each conversation after RCPT."""

    def __init__(self):
        self.gate = threading.Event()
        self.held = threading.Event()
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, options):
        if not self.gate.is_set():
            self.held.set()
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def main() -> int:
    from aiosmtpd.controller import Controller

    database = Path(tempfile.mkdtemp(prefix="sci-worker-drill-")) / "drill.sqlite3"
    env = {
        **os.environ,
        "SQLITE_PATH": str(database),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_MANIFEST": "false",
        "TASK_BACKEND": "db",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_PORT),
        "EMAIL_TIMEOUT": "120",
        "STALLED_TASK_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "conference.settings",
    }
    env.pop("DATABASE_URL", None)
    os.environ.clear()
    os.environ.update(env)

    def manage(*args, **kwargs):
        return subprocess.Popen(  # noqa: S603 (our own manage.py)
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, **kwargs
        )

    print(f"Migrating {database}", flush=True)
    if manage("migrate", "-v", "0").wait() != 0:
        return 1
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django_tasks_db.models import DBTaskResult

    from registration.models import OutboxMessage, PaymentMethod
    from registration.orders.services import place_order
    from tests.registration.conftest import (
        attendee,
        buyer,
        make_delegate,
        make_event,
    )

    mailbox = HoldingMailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=SMTP_PORT)
    smtp.start()
    workers = []
    try:
        event = make_event()
        order = place_order(
            event,
            buyer=buyer(),
            attendees=[attendee(make_delegate(event))],
            payment_method=PaymentMethod.CARD,
        )
        message = OutboxMessage.objects.get(kind="email.order_received")
        print(f"1. Order {order.code} placed; its e-mail is outbox row {message.pk}")
        worker_args = ("db_worker", "--no-startup-delay", "--interval", "0.2")
        first = manage(*worker_args, "--no-reload")
        workers.append(first)
        held = mailbox.held.wait(timeout=60)
        check("worker 1 took the job and is talking to the mail server", held)
        first.send_signal(signal.SIGKILL)
        first.wait()
        print(f"2. Worker 1 (pid {first.pid}) killed with SIGKILL", flush=True)
        task = DBTaskResult.objects.get()
        message.refresh_from_db()
        check(
            "the task is left RUNNING, the message SENDING",
            (task.status, message.status) == ("RUNNING", "sending"),
            f"({task.status}, {message.status})",
        )
        mailbox.gate.set()  # the mail server answers again
        time.sleep(3)  # longer than STALLED_TASK_SECONDS
        periodic = manage("run_periodic", "--once", stdout=subprocess.PIPE, text=True)
        summary = periodic.communicate(timeout=120)[0].strip()
        check(
            "the periodic loop queues the job again",
            "tasks_recovered=1" in summary,
            summary,
        )
        second = manage(*worker_args, "--batch")
        workers.append(second)
        second.wait(timeout=120)
        print("3. Worker 2 ran the queue", flush=True)
        message.refresh_from_db()
        check(
            "the message is sent, after two attempts",
            (message.status, message.attempts) == ("done", 2),
            f"({message.status}, {message.attempts})",
        )
        statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
        check(
            "the dead worker's task is failed, the new one successful",
            statuses == ["FAILED", "SUCCESSFUL"],
            statuses,
        )
        time.sleep(3)
        manage("run_periodic", "--once", stdout=subprocess.DEVNULL).wait(timeout=120)
        manage(*worker_args, "--batch").wait(timeout=120)
        check(
            "exactly one e-mail reached the mail server",
            mailbox.messages == [["buyer@example.org"]],
            mailbox.messages,
        )
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        smtp.stop()
        shutil.rmtree(database.parent, ignore_errors=True)
    failed = [name for name, ok in RESULTS if not ok]
    print(f"{len(RESULTS) - len(failed)}/{len(RESULTS)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
