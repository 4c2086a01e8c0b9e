from datetime import timedelta

from django.core import mail
from django.utils import timezone

from registration.models import OutboxMessage, OutboxStatus, PaymentMethod
from registration.orders import services as orders
from registration.outbox import services as outbox
from tests.registration.conftest import attendee, buyer


def place(event, ticket):
    return orders.place_order(
        event,
        buyer=buyer(),
        attendees=[attendee(ticket)],
        payment_method=PaymentMethod.CARD,
    )


def test_message_is_written_in_the_transaction_and_sent_after_commit(
    event, delegate, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = place(event, delegate)
    message = OutboxMessage.objects.get(kind="email.order_received")
    assert (message.status, message.payload, message.key) == (
        OutboxStatus.PENDING,
        {"order": order.pk},
        f"order_received:{order.pk}",
    )
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DONE, 1)
    assert [m.to for m in mailoutbox] == [["buyer@example.org"]]


def test_a_message_key_is_written_once(db):
    assert outbox.enqueue_message(
        "email.order_received", payload={"order": 1}, key="k1"
    )
    assert (
        outbox.enqueue_message("email.order_received", payload={"order": 1}, key="k1")
        is None
    )
    assert OutboxMessage.objects.filter(key="k1").count() == 1


def test_a_message_is_sent_once_even_when_delivered_twice(event, delegate, mailoutbox):
    order = place(event, delegate)
    message = OutboxMessage.objects.get(kind="email.order_received")
    assert outbox.deliver_message(message.pk) is True
    assert outbox.deliver_message(message.pk) is False
    assert len(mailoutbox) == 1
    assert (
        mailoutbox[0].extra_headers["Message-ID"] == f"<outbox-{message.pk}@localhost>"
    )
    assert order.code in mailoutbox[0].subject


def test_failed_send_is_retried_later_then_marked_failed(event, delegate, settings):
    settings.EMAIL_BACKEND = "tests.registration.outbox.test_outbox.FailingBackend"
    place(event, delegate)
    message = OutboxMessage.objects.get(kind="email.order_received")
    now = timezone.now()
    assert outbox.deliver_message(message.pk, now=now) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert message.available_at == now + timedelta(minutes=2)
    assert message.last_error == "ConnectionRefusedError: SMTP server down"
    assert outbox.deliver_message(message.pk, now=now) is False  # not due yet
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    assert outbox.deliver_message(message.pk, now=now + timedelta(days=1)) is False
    message.refresh_from_db()
    assert (message.status, message.attempts) == (
        OutboxStatus.FAILED,
        outbox.MAX_ATTEMPTS,
    )


def test_requeue_picks_up_pending_and_stuck_rows(event, delegate, mailoutbox):
    place(event, delegate)
    message = OutboxMessage.objects.get(kind="email.order_received")
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING,
        available_at=now - timedelta(seconds=1),
        created_at=now - timedelta(minutes=10),
    )
    assert outbox.requeue_messages(now=now) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE
    assert len(mailoutbox) == 1
    assert outbox.requeue_messages(now=now) == 0


def test_fresh_pending_rows_are_left_to_their_own_task(event, delegate):
    place(event, delegate)
    assert outbox.requeue_messages(now=timezone.now()) == 0


def test_a_message_that_is_no_longer_due_is_done_without_sending(
    event, delegate, mailoutbox
):
    order = place(event, delegate)
    orders.cancel_order(order, by=None)
    message = OutboxMessage.objects.get(kind="email.order_received")
    assert outbox.deliver_message(message.pk) is True
    assert mail.outbox == []


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")
