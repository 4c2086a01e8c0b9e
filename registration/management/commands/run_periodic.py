"""The periodic loop: expiry, waiting lists, reminders and the outbox, every interval."""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from registration.periodic import run_periodic_jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (expire holds, offer waiting-list places, send "
        "reminders, re-queue stuck e-mails) every --interval seconds, or once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Run one pass and exit."
        )
        parser.add_argument(
            "--interval", type=float, default=60.0, help="Seconds between passes (60)."
        )

    def handle(self, *args, once: bool = False, interval: float = 60.0, **options):
        self._stop = False
        if not once:
            signal.signal(signal.SIGTERM, self._request_stop)
            signal.signal(signal.SIGINT, self._request_stop)
        while True:
            close_old_connections()
            counts = run_periodic_jobs()
            summary = ", ".join(f"{name}={count}" for name, count in counts.items())
            self.stdout.write(summary)
            if once or self._stop:
                return
            slept = 0.0
            while slept < interval and not self._stop:
                time.sleep(min(1.0, interval - slept))
                slept += 1.0
            if self._stop:
                return

    def _request_stop(self, *_args):
        self._stop = True
