"""Refunds: staff (admin and API), Stripe's refund events, cancellation policy."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registration.models import (
    Order,
    OrderStatus,
    Payment,
    Refund,
    RefundOrigin,
    RefundPolicy,
    RefundStatus,
)
from registration.payments import services as payments
from tests.factories import UserFactory
from tests.registration.payments.conftest import deliver, make_order

pytestmark = pytest.mark.django_db

URLS = {
    "success_url": "https://events.example.org/done/",
    "cancel_url": "https://events.example.org/canceled/",
}


def paid_order(fake_stripe, client, **kwargs):
    order = make_order(**kwargs)
    payments.start_card_payment(order, **URLS)
    payment = Payment.objects.get(order=order)
    session = fake_stripe.pay(payment.stripe_session_id)
    deliver(client, fake_stripe.event("checkout.session.completed", session))
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order, payment


@pytest.fixture
def staff(db):
    return UserFactory(username="finance", is_staff=True, is_superuser=True)


def test_partial_then_full_refund_adds_up_to_the_amount_paid(
    fake_stripe, client, staff, mailoutbox, django_capture_on_commit_callbacks
):
    order, payment = paid_order(fake_stripe, client, prices=("450.00", "380.50"))

    with django_capture_on_commit_callbacks(execute=True):
        [first] = payments.refund_order(
            order, amount=Decimal("100.25"), reason="Gala canceled", by=staff
        )
        [second] = payments.refund_order(order, reason="Could not travel", by=staff)

    assert (first.amount, second.amount) == (Decimal("100.25"), Decimal("730.25"))
    assert first.amount + second.amount == payment.amount
    assert [r.params["amount"] for r in fake_stripe.posts("/v1/refunds")] == [
        "10025",
        "73025",
    ]
    assert {r.status for r in Refund.objects.all()} == {RefundStatus.SUCCEEDED}
    summary = payments.summarize_order_money(order)
    assert (summary.paid, summary.refunded, summary.state) == (
        Decimal("830.50"),
        Decimal("830.50"),
        "refunded",
    )
    with pytest.raises(payments.PaymentError) as error:
        payments.refund_order(order, amount=Decimal("0.01"), reason="more", by=staff)
    assert error.value.code == "amount_too_high"
    refund_mails = [
        m for m in mailoutbox if m.subject.startswith("Refund for your order")
    ]
    assert len(refund_mails) == 2
    assert "USD 100.25" in refund_mails[0].body
    assert "Gala canceled" in refund_mails[0].body


def test_refund_needs_a_reason_and_a_positive_amount(fake_stripe, client, staff):
    order, _payment = paid_order(fake_stripe, client)

    with pytest.raises(payments.PaymentError) as no_reason:
        payments.refund_order(order, amount=Decimal("10"), reason=" ", by=staff)
    with pytest.raises(payments.PaymentError) as too_much:
        payments.refund_order(order, amount=Decimal("450.01"), reason="x", by=staff)

    assert (no_reason.value.field, too_much.value.code) == ("reason", "amount_too_high")
    assert Refund.objects.count() == 0


def test_refund_events_record_a_refund_made_in_the_stripe_dashboard_once(
    fake_stripe, client
):
    _order, payment = paid_order(fake_stripe, client)
    refund = fake_stripe.refund_in_dashboard(payment.stripe_payment_intent_id, 5000)
    charge = {
        "id": payment.stripe_charge_id,
        "object": "charge",
        "payment_intent": payment.stripe_payment_intent_id,
    }

    deliver(client, fake_stripe.event("charge.refunded", charge))
    deliver(client, fake_stripe.event("refund.created", refund))

    [recorded] = Refund.objects.all()
    assert (recorded.amount, recorded.origin, recorded.status) == (
        Decimal("50.00"),
        RefundOrigin.STRIPE,
        RefundStatus.SUCCEEDED,
    )


def test_refund_status_follows_stripes_updates(fake_stripe, client, staff):
    order, payment = paid_order(fake_stripe, client)
    fake_stripe.refund_status = "pending"
    [refund] = payments.refund_order(order, amount=Decimal("50"), reason="x", by=staff)
    assert refund.status == RefundStatus.PENDING

    fake_stripe.refunds[refund.stripe_refund_id]["status"] = "failed"
    deliver(
        client,
        fake_stripe.event(
            "refund.failed", fake_stripe.refunds[refund.stripe_refund_id]
        ),
    )

    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert payments.refundable_amount(payment) == Decimal("450.00")


def test_a_refund_whose_request_got_no_answer_is_sent_again_with_the_same_key(
    fake_stripe, client, staff
):
    order, _payment = paid_order(fake_stripe, client)
    fake_stripe.unavailable = True
    [refund] = payments.refund_order(order, amount=Decimal("20"), reason="x", by=staff)
    assert (refund.status, refund.stripe_refund_id) == (RefundStatus.PENDING, None)
    fake_stripe.unavailable = False

    retried = payments.retry_pending_refunds(now=timezone.now() + timedelta(minutes=5))

    assert retried == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    keys = {r.headers["Idempotency-Key"] for r in fake_stripe.posts("/v1/refunds")}
    assert keys == {f"sci-refund-{refund.pk}"}


def test_buyer_cancellation_keeps_the_policy_fee(fake_stripe, client):
    order, _payment = paid_order(fake_stripe, client)
    event = order.event
    event.buyer_cancellation_until = timezone.now() + timedelta(days=10)
    event.save()
    RefundPolicy.objects.create(
        event=event, fee_fixed=Decimal("25.00"), fee_percent=Decimal("10")
    )

    order, [refund] = payments.cancel_order_with_refund(
        order, by=None, reason="Cannot come", as_buyer=True
    )

    assert order.status == OrderStatus.CANCELED
    assert (refund.amount, refund.origin) == (
        Decimal("380.00"),
        RefundOrigin.CANCELLATION,
    )


def test_buyers_cannot_cancel_after_the_deadline(fake_stripe, client):
    order, _payment = paid_order(fake_stripe, client)
    order.event.buyer_cancellation_until = timezone.now() - timedelta(days=1)
    order.event.save()

    with pytest.raises(payments.PaymentError) as error:
        payments.cancel_order_with_refund(order, by=None, as_buyer=True)

    assert error.value.code == "cancellation_not_allowed"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_staff_cancellation_refunds_everything(fake_stripe, client, staff):
    order, _payment = paid_order(fake_stripe, client, currency="JPY", prices=("52000",))

    _order, [refund] = payments.cancel_order_with_refund(
        order, by=staff, reason="Event moved"
    )

    assert refund.amount == Decimal("52000")
    [request] = fake_stripe.posts("/v1/refunds")
    assert request.params["amount"] == "52000"


def test_refund_api_and_its_errors(fake_stripe, client, staff):
    from rest_framework.test import APIClient

    from registration.staff.services.api_tokens import create_api_token

    order, _payment = paid_order(fake_stripe, client)
    _token, raw = create_api_token(staff, name="tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    url = f"/api/v1/orders/{order.code}/refunds/"

    partial = api.post(
        url, {"amount": "150.00", "reason": "Workshop full"}, format="json"
    )
    too_much = api.post(url, {"amount": "400.00", "reason": "again"}, format="json")
    missing = api.post(url, {"amount": "10.00"}, format="json")
    rest = api.post(url, {"reason": "Everything else"}, format="json")

    assert partial.status_code == 201
    assert partial.json()["refunded"] == "150.00"
    assert partial.json()["money_state"] == "partly_refunded"
    assert (too_much.status_code, too_much.json()["code"]) == (400, "amount_too_high")
    assert missing.status_code == 400
    assert "reason" in missing.json()["errors"]
    assert rest.json()["refunded"] == "450.00"
    assert rest.json()["money_state"] == "refunded"


def test_cancelling_a_pending_order_closes_its_open_checkout_session(fake_stripe):
    order = make_order()
    payments.start_card_payment(order, **URLS)
    payment = Payment.objects.get(order=order)

    payments.cancel_order_with_refund(order, by=None, reason="Changed plans")

    assert fake_stripe.sessions[payment.stripe_session_id]["status"] == "expired"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELED
