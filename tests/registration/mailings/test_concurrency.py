"""Two periodic loops (or two staff clicks) at the same moment still mail each
person once: real threads, real transactions, on PostgreSQL."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection

from registration.errors import MailingError
from registration.mailings.services import sending
from registration.mailings.services.compose import set_rule_active
from registration.mailings.services.rules import run_mailing_rules
from registration.models import MailingRecipient, OutboxMessage
from tests.registration.mailings.conftest import person, write_mailing

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL (set DATABASE_URL): row locks under real concurrency",
    ),
]

THREADS = 8


def at_once(work) -> Counter:
    """Run `work()` in THREADS threads released together; what each returned."""
    results: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker():
        start.wait()
        try:
            outcome = work()
        except MailingError as error:
            outcome = error.code
        finally:
            connection.close()
        with lock:
            results[outcome] += 1

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_loops_running_a_rule_at_once_mail_each_person_once(
    event, superuser, mailoutbox
):
    for name in ("Ana", "Ben", "Cid", "Dee", "Eve", "Fay"):
        person(event, name)
    rule = write_mailing(event, superuser, schedule="before_start", schedule_days=7)
    set_rule_active(rule, active=True, by=superuser)
    week_before = event.starts_at - timedelta(days=7)

    results = at_once(lambda: run_mailing_rules(now=week_before))

    assert sum(count * queued for queued, count in results.items()) == 6
    assert MailingRecipient.objects.filter(mailing=rule).count() == 6
    assert OutboxMessage.objects.filter(kind="email.mailing").count() == 6
    assert sorted(m.to[0] for m in mailoutbox) == [
        f"{name}@example.org" for name in ("ana", "ben", "cid", "dee", "eve", "fay")
    ]


def test_two_clicks_on_send_at_once_send_once(event, superuser, mailoutbox):
    person(event, "Ana")
    person(event, "Ben")
    mailing = write_mailing(event, superuser)

    results = at_once(lambda: bool(sending.start_mailing(mailing, by=superuser)))

    assert results == Counter({True: 1, "already_sent": THREADS - 1})
    assert sorted(m.to[0] for m in mailoutbox) == ["ana@example.org", "ben@example.org"]
