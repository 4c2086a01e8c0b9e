"""Mail server down: the order is placed, its e-mail waits and is sent once later.

A real SMTP exchange: Django's SMTP backend talks to aiosmtpd (a real SMTP
server in a thread); "down" is the same port with nothing listening.
"""

from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.db.models import F
from django.utils import timezone

from registration.models import OrderStatus, OutboxMessage, OutboxStatus
from registration.periodic import run_periodic_jobs
from tests.registration.outbox.test_outbox import place

SMTP_PORT = 8124  # this helper's port range; nothing listens there until started


class Mailbox:
    """aiosmtpd handler: keeps what it accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.original_content))
        )
        return "250 Message accepted for delivery"


def time_passes(minutes: int) -> None:
    """Move the outbox's clock-bound fields back, as if `minutes` had passed."""
    delta = timedelta(minutes=minutes)
    OutboxMessage.objects.update(
        created_at=F("created_at") - delta, available_at=F("available_at") - delta
    )


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = SMTP_PORT
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return settings


def test_order_is_placed_while_mail_is_down_and_its_email_is_sent_once_later(
    event, delegate, smtp_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(event, delegate)

    assert order.status == OrderStatus.PENDING
    message = OutboxMessage.objects.get(kind="email.order_received")
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert message.last_error.startswith("ConnectionRefusedError")
    # Retried with a growing delay: two minutes after the first failure.
    assert message.available_at > timezone.now() + timedelta(seconds=90)

    # Still down at the first periodic pass after the delay: one more attempt.
    time_passes(3)
    run_periodic_jobs()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 2)

    message.refresh_from_db()
    mailbox = Mailbox()
    server = Controller(mailbox, hostname="127.0.0.1", port=SMTP_PORT)
    server.start()
    try:
        run_periodic_jobs()
        assert mailbox.messages == []  # the second failure's 4-minute delay runs
        time_passes(5)
        run_periodic_jobs()
        time_passes(60)
        run_periodic_jobs()
    finally:
        server.stop()

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (
        OutboxStatus.DONE,
        3,
        "",
    )
    assert len(mailbox.messages) == 1
    recipients, sent = mailbox.messages[0]
    assert recipients == ["buyer@example.org"]
    assert order.code in sent["Subject"]
    assert sent["Message-ID"] == f"<outbox-{message.pk}@localhost>"
