"""Sending a mailing: rows first, outbox after, once per person even through a
mail-server outage or a worker that dies mid-way."""

from datetime import timedelta

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from registration.errors import MailingError
from registration.mailings.selectors import email_log, mailing_counts
from registration.mailings.services import opt_out, sending
from registration.models import (
    MailingJob,
    MailingRecipient,
    MailingStatus,
    OutboxMessage,
    OutboxStatus,
)
from registration.outbox import services as outbox
from registration.privacy.services import erase_attendee
from tests.registration.mailings.conftest import person, texts, write_mailing

# The mail server of FlakyBackend accepts this many messages, then refuses.
SERVER = {"accepts": 10**6, "accepted": 0}


class FlakyBackend(EmailBackend):
    """The locmem backend behind a mail server that goes down after a while."""

    def send_messages(self, messages):
        if SERVER["accepted"] + len(messages) > SERVER["accepts"]:
            raise ConnectionRefusedError("SMTP server down")
        SERVER["accepted"] += len(messages)
        return super().send_messages(messages)


@pytest.fixture
def flaky_server(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.registration.mailings.test_sending.FlakyBackend"
    SERVER.update(accepts=10**6, accepted=0)
    yield SERVER
    SERVER.update(accepts=10**6, accepted=0)


def send(mailing, by, capture):
    with capture(execute=True):
        return sending.start_mailing(mailing, by=by)


def received(mailoutbox) -> list[str]:
    return sorted(address for message in mailoutbox for address in message.to)


def test_sending_mails_each_reader_once_in_their_language(
    event, manager, mailoutbox, django_capture_on_commit_callbacks
):
    person(event, "Ana", language="es")
    person(event, "Ben")
    mailing = write_mailing(
        event,
        manager,
        texts=texts(subject_es="Antes de ir", body_es="Hola {name}: {ticket_link}"),
    )

    job = send(mailing, manager, django_capture_on_commit_callbacks)

    job.refresh_from_db()
    mailing.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 2, 2)
    assert mailing.status == MailingStatus.SENT
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["ana@example.org"], "Antes de ir"),
        (["ben@example.org"], "Know before you go"),
    ]
    ana = mailoutbox[0]
    ticket = MailingRecipient.objects.get(email="ana@example.org").attendee
    assert ana.body.startswith(
        f"Hola Ana Park: http://localhost:8000/es/attendees/{ticket.secret}/"
    )
    html, mime = ana.alternatives[0]
    assert mime == "text/html"
    assert "Hola Ana Park:" in html
    unsubscribe = ana.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://localhost:8000/es/mailings/unsubscribe/")
    assert ana.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in ana.body
    assert mailing_counts(mailing) == {
        "pending": 0,
        "queued": 0,
        "sent": 2,
        "failed": 0,
        "bounced": 0,
        "skipped": 0,
    }


def test_an_opted_out_address_is_skipped_and_so_is_one_that_opts_out_meanwhile(
    event, manager, mailoutbox, django_capture_on_commit_callbacks
):
    person(event, "Ana")
    person(event, "Ben")
    person(event, "Cid")
    opt_out.unsubscribe("ANA@example.org", source="link")
    mailing = write_mailing(event, manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sending.start_mailing(mailing, by=manager)
    opt_out.unsubscribe("ben@example.org", source="link")
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    assert received(mailoutbox) == ["cid@example.org"]
    statuses = dict(
        MailingRecipient.objects.values_list("email", "status").order_by("email")
    )
    assert statuses == {
        "ana@example.org": "skipped",
        "ben@example.org": "skipped",
        "cid@example.org": "queued",
    }
    assert sorted(
        (row.email, row.delivery_status) for row in email_log(event=event)
    ) == [
        ("ana@example.org", "skipped"),
        ("ben@example.org", "skipped"),
        ("cid@example.org", "sent"),
    ]


def test_an_outage_mid_mailing_neither_loses_nor_duplicates(
    event, manager, flaky_server, mailoutbox, django_capture_on_commit_callbacks
):
    for name in ("Ana", "Ben", "Cid", "Dee", "Eve"):
        person(event, name)
    mailing = write_mailing(event, manager)
    flaky_server["accepts"] = 2

    send(mailing, manager, django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 2
    waiting = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
    assert waiting.count() == 3
    assert {m.last_error for m in waiting} == {
        "ConnectionRefusedError: SMTP server down"
    }

    # The server is back; the loop's retries run later. A message retried
    # twice (two loops, a slow worker) still goes out once.
    flaky_server["accepts"] = 10**6
    later = timezone.now() + timedelta(minutes=5)
    for message in OutboxMessage.objects.order_by("pk"):
        outbox.deliver_message(message.pk, now=later)
        outbox.deliver_message(message.pk, now=later)

    assert received(mailoutbox) == [
        "ana@example.org",
        "ben@example.org",
        "cid@example.org",
        "dee@example.org",
        "eve@example.org",
    ]
    assert mailing_counts(mailing)["sent"] == 5


def test_a_worker_that_dies_mid_job_is_carried_on_without_duplicates(
    event, manager, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    for name in ("Ana", "Ben", "Cid", "Dee", "Eve"):
        person(event, name)
    mailing = write_mailing(event, manager)
    monkeypatch.setattr(sending, "BATCH_SIZE", 2)
    with django_capture_on_commit_callbacks(execute=False):
        job = sending.start_mailing(mailing, by=manager)
    # The first worker claimed the job, queued one batch of 2, and died.
    assert MailingJob.claim_for_running(job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.queue_pending_rows(mailing, limit=2) == 2
    assert len(mailoutbox) == 2
    # Recovery puts the job back (jobs/recovery.py) and queues it again.
    MailingJob.put_back(job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        sending.run_mailing_job(job.pk)
        sending.run_mailing_job(job.pk)  # a second copy of the task does nothing

    assert len(received(mailoutbox)) == 5
    assert len(set(received(mailoutbox))) == 5
    assert OutboxMessage.objects.filter(kind="email.mailing").count() == 5
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("done", 5, 5)


def test_a_mailing_is_sent_once_and_never_to_nobody(
    event, manager, django_capture_on_commit_callbacks
):
    mailing = write_mailing(event, manager)
    with pytest.raises(MailingError) as error:
        send(mailing, manager, django_capture_on_commit_callbacks)
    assert error.value.code == "no_recipients"
    person(event, "Ana")
    send(mailing, manager, django_capture_on_commit_callbacks)
    with pytest.raises(MailingError) as error:
        send(mailing, manager, django_capture_on_commit_callbacks)
    assert error.value.code == "already_sent"


def test_a_bounce_is_recorded_and_a_resend_goes_out_once_more(
    event, manager, mailoutbox, django_capture_on_commit_callbacks
):
    person(event, "Ana")
    mailing = write_mailing(event, manager)
    send(mailing, manager, django_capture_on_commit_callbacks)
    row = MailingRecipient.objects.get()
    message_id = mailoutbox[0].extra_headers["Message-ID"]

    assert sending.recipient_for_message_id(message_id) == row
    sending.record_bounce(row, note="550 mailbox unavailable")
    assert row.delivery_status == "bounced"

    with django_capture_on_commit_callbacks(execute=True):
        row = sending.resend_recipient(row, by=manager)
    assert (row.delivery_status, row.resent) == ("sent", 1)
    assert received(mailoutbox) == ["ana@example.org", "ana@example.org"]

    opt_out.unsubscribe("ana@example.org", source="link")
    with pytest.raises(MailingError) as error:
        sending.resend_recipient(row, by=manager)
    assert error.value.code == "unsubscribed"


def test_erasing_an_attendee_drops_their_address_from_the_log(
    event, manager, django_capture_on_commit_callbacks
):
    ana = person(event, "Ana")
    mailing = write_mailing(event, manager)
    send(mailing, manager, django_capture_on_commit_callbacks)

    erase_attendee(ana, by=manager)

    row = MailingRecipient.objects.get()
    assert (row.email, row.name, row.delivery_status) == (
        f"erased-{row.pk}@erased.invalid",
        "",
        "sent",
    )
