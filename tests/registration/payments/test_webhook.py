"""Stripe's webhook: signed, stored once, re-fetched, applied (views + services)."""

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registration.models import (
    ActivityLog,
    Order,
    OrderStatus,
    OutboxMessage,
    Payment,
    PaymentStatus,
    Refund,
    RefundOrigin,
    RefundStatus,
    StripeEvent,
    StripeEventStatus,
)
from registration.orders.services import expire_orders, revive_order
from registration.payments import services as payments
from tests.factories import AttendeeFactory, OrderFactory
from tests.registration.payments.conftest import WEBHOOK_URL, deliver, make_order, sign

pytestmark = pytest.mark.django_db

URLS = {
    "success_url": "https://events.example.org/done/",
    "cancel_url": "https://events.example.org/canceled/",
}


def started(fake_stripe, **kwargs):
    order = make_order(**kwargs)
    payments.start_card_payment(order, **URLS)
    payment = Payment.objects.get(order=order)
    return order, payment


def paid_event(fake_stripe, payment):
    session = fake_stripe.pay(payment.stripe_session_id)
    return fake_stripe.event("checkout.session.completed", session)


def test_completed_marks_the_payment_and_the_order_paid(
    fake_stripe, client, mailoutbox, django_capture_on_commit_callbacks
):
    order, payment = started(fake_stripe)
    event = paid_event(fake_stripe, payment)

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, event)

    assert response.status_code == 200
    assert response.json() == {"received": event["id"], "outcome": "processed"}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.stripe_payment_intent_id.startswith("pi_test_")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    # The session was fetched again before money state changed.
    gets = [r.path for r in fake_stripe.requests if r.method == "GET"]
    assert gets == [f"/v1/checkout/sessions/{payment.stripe_session_id}"]
    subjects = sorted(message.subject for message in mailoutbox)
    assert any(s.startswith("Receipt for your payment") for s in subjects)


def test_the_same_event_twice_records_one_payment(fake_stripe, client):
    _order, payment = started(fake_stripe)
    event = paid_event(fake_stripe, payment)

    first = deliver(client, event)
    second = deliver(client, event)

    assert first.json()["outcome"] == "processed"
    assert second.status_code == 200
    assert second.json()["outcome"] == "duplicate"
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert ActivityLog.objects.filter(action="order.paid").count() == 1
    assert ActivityLog.objects.filter(action="payment.succeeded").count() == 1


def test_completed_and_async_succeeded_for_one_session_pay_once(fake_stripe, client):
    _order, payment = started(fake_stripe)
    session = fake_stripe.pay(payment.stripe_session_id)
    completed = fake_stripe.event("checkout.session.completed", session)
    succeeded = fake_stripe.event("checkout.session.async_payment_succeeded", session)

    deliver(client, succeeded)
    deliver(client, completed)

    assert ActivityLog.objects.filter(action="order.paid").count() == 1
    assert Refund.objects.count() == 0


def test_completed_but_unpaid_waits_for_the_async_result(fake_stripe, client):
    order, payment = started(fake_stripe)
    session = fake_stripe.pay(payment.stripe_session_id, asynchronous=True)
    deliver(client, fake_stripe.event("checkout.session.completed", session))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    page = client.get(f"/payments/{order.code}/{order.secret}/done/")
    assert "being processed" in page.content.decode()

    session = fake_stripe.settle_async(payment.stripe_session_id, succeeded=True)
    deliver(
        client, fake_stripe.event("checkout.session.async_payment_succeeded", session)
    )

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_async_failure_marks_the_attempt_failed_and_leaves_the_order_unpaid(
    fake_stripe, client
):
    order, payment = started(fake_stripe)
    session = fake_stripe.pay(payment.stripe_session_id, asynchronous=True)
    deliver(client, fake_stripe.event("checkout.session.completed", session))

    session = fake_stripe.settle_async(payment.stripe_session_id, succeeded=False)
    response = deliver(
        client, fake_stripe.event("checkout.session.async_payment_failed", session)
    )

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    assert ActivityLog.objects.filter(action="payment.failed").count() == 1


def test_expired_session_releases_the_hold(fake_stripe, client):
    order, payment = started(fake_stripe)
    session = fake_stripe.expire(payment.stripe_session_id)

    deliver(client, fake_stripe.event("checkout.session.expired", session))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED


def test_the_expiry_of_a_replaced_session_keeps_the_new_hold(fake_stripe, client):
    order, first = started(fake_stripe)
    payments.start_card_payment(order, **URLS)
    expired = fake_stripe.sessions[first.stripe_session_id]

    deliver(client, fake_stripe.event("checkout.session.expired", expired))

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_the_late_expiry_of_a_revived_orders_old_session_keeps_the_new_hold(
    fake_stripe, client
):
    order, payment = started(fake_stripe)
    lapsed = timezone.now() - timedelta(minutes=1)
    Order.objects.filter(pk=order.pk).update(expires_at=lapsed)
    Payment.objects.filter(pk=payment.pk).update(expires_at=lapsed)
    expire_orders()
    order.refresh_from_db()
    revive_order(order, by=None)
    # Stripe reports the old session's end after staff revived the order.
    session = fake_stripe.expire(payment.stripe_session_id)

    deliver(client, fake_stripe.event("checkout.session.expired", session))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_completed_after_expiry_with_room_left_pays_the_order(fake_stripe, client):
    order, payment = started(fake_stripe, capacity=2)
    Order.objects.filter(pk=order.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    expire_orders()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.EXPIRED

    deliver(client, paid_event(fake_stripe, payment))

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert Refund.objects.count() == 0


def test_completed_after_expiry_without_room_is_refunded_and_the_buyer_told(
    fake_stripe, client, mailoutbox, django_capture_on_commit_callbacks
):
    order, payment = started(fake_stripe, capacity=1)
    Order.objects.filter(pk=order.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    # Someone else takes the only seat the overdue hold gave up.
    other = OrderFactory(event=order.event, status=OrderStatus.PAID)
    AttendeeFactory(order=other, ticket_type=order.attendees.get().ticket_type)

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, paid_event(fake_stripe, payment))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.EXPIRED
    refund = Refund.objects.get()
    assert (refund.origin, refund.amount, refund.status) == (
        RefundOrigin.LATE_PAYMENT,
        Decimal("450.00"),
        RefundStatus.SUCCEEDED,
    )
    [request] = fake_stripe.posts("/v1/refunds")
    assert request.params["amount"] == "45000"
    assert request.headers["Idempotency-Key"] == f"sci-refund-{refund.pk}"
    assert (
        ActivityLog.objects.filter(action="payment.refunded_late_payment").count() == 1
    )
    [told] = [m for m in mailoutbox if "was refunded" in m.subject]
    assert told.to == ["buyer@example.org"]
    assert "USD 450.00" in told.body


def test_payment_for_a_canceled_order_is_refunded(fake_stripe, client):
    order, payment = started(fake_stripe)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELED)

    deliver(client, paid_event(fake_stripe, payment))

    assert Refund.objects.get().origin == RefundOrigin.LATE_PAYMENT


def test_a_tampered_body_is_refused(fake_stripe, client):
    _order, payment = started(fake_stripe)
    event = paid_event(fake_stripe, payment)
    signed = json.dumps(event)
    tampered = signed.replace(payment.stripe_session_id, "cs_test_other")

    response = client.post(
        WEBHOOK_URL,
        data=tampered,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(signed),
    )

    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0


def test_a_timestamp_older_than_300_seconds_is_refused(fake_stripe, client):
    order, payment = started(fake_stripe)
    event = paid_event(fake_stripe, payment)

    response = deliver(client, event, ts=int(time.time()) - 301)

    assert response.status_code == 400
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_a_wrong_secret_or_no_signature_is_refused(fake_stripe, client):
    event = fake_stripe.event("checkout.session.completed", {"id": "cs_x"})

    assert deliver(client, event, secret="whsec_other").status_code == 400
    assert (
        client.post(
            WEBHOOK_URL, data=json.dumps(event), content_type="application/json"
        ).status_code
        == 400
    )


def test_unknown_event_types_are_answered_200(fake_stripe, client):
    event = fake_stripe.event("customer.created", {"id": "cus_1"})

    response = deliver(client, event)

    assert response.status_code == 200
    assert StripeEvent.objects.get().status == StripeEventStatus.IGNORED


def test_stripe_unreachable_while_refetching_answers_503_and_retry_applies(
    fake_stripe, client
):
    order, payment = started(fake_stripe)
    event = paid_event(fake_stripe, payment)
    fake_stripe.unavailable = True

    response = deliver(client, event)

    assert response.status_code == 503
    assert StripeEvent.objects.get().status == StripeEventStatus.FAILED
    fake_stripe.unavailable = False
    assert deliver(client, event).json()["outcome"] == "processed"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_a_processing_error_answers_500(fake_stripe, client):
    # A session id Stripe does not know: the re-fetch fails with 404.
    event = fake_stripe.event("checkout.session.completed", {"id": "cs_missing"})

    response = deliver(client, event)

    assert response.status_code == 500
    assert StripeEvent.objects.get().status == StripeEventStatus.FAILED


def test_without_keys_the_webhook_is_not_served(settings, client):
    settings.STRIPE_SECRET_KEY = ""
    assert (
        client.post(WEBHOOK_URL, data="{}", content_type="application/json").status_code
        == 503
    )


def test_success_page_refreshes_until_the_webhook_lands(fake_stripe, client):
    order, payment = started(fake_stripe)

    waiting = client.get(f"/payments/{order.code}/{order.secret}/done/")
    assert '<meta http-equiv="refresh" content="3">' in waiting.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING

    deliver(client, paid_event(fake_stripe, payment))
    done = client.get(f"/payments/{order.code}/{order.secret}/done/")
    assert "http-equiv" not in done.content.decode()
    assert "payment is confirmed" in done.content.decode()


def test_cancel_page_links_back_to_the_order_page(fake_stripe, client):
    order, _payment = started(fake_stripe)

    page = client.get(f"/payments/{order.code}/{order.secret}/canceled/")

    assert page.status_code == 200
    assert f'href="/orders/{order.code}/{order.secret}/"' in page.content.decode()
    assert client.get(f"/payments/{order.code}/wrong/canceled/").status_code == 404


def test_a_missing_session_id_is_found_by_its_metadata(fake_stripe, client):
    _order, payment = started(fake_stripe)
    session_id = payment.stripe_session_id
    Payment.objects.filter(pk=payment.pk).update(
        stripe_session_id=None, status=PaymentStatus.CREATING
    )

    deliver(client, paid_event(fake_stripe, Payment(stripe_session_id=session_id)))

    payment.refresh_from_db()
    assert payment.stripe_session_id == session_id
    assert payment.status == PaymentStatus.SUCCEEDED
    assert OutboxMessage.objects.filter(kind="email.payment_receipt").count() == 1
