"""Starting a card payment: one Checkout Session per attempt
(registration/payments/services/checkout.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registration.models import Order, OrderStatus, Payment, PaymentStatus
from registration.payments import services as payments
from tests.registration.payments.conftest import make_order

pytestmark = pytest.mark.django_db

URLS = {
    "success_url": "https://events.example.org/done/",
    "cancel_url": "https://events.example.org/canceled/",
}


def test_checkout_session_has_a_line_per_attendee_and_extra_adding_up_to_the_total(
    fake_stripe,
):
    order = make_order(prices=("450.00", "380.50"), extra_prices=("85.25",))

    url = payments.start_card_payment(order, **URLS)

    [request] = fake_stripe.posts("/v1/checkout/sessions")
    params = request.params
    assert url == fake_stripe.sessions[url.rsplit("/", 1)[1]]["url"]
    assert [
        (item["price_data"]["product_data"]["name"], item["price_data"]["unit_amount"])
        for item in params["line_items"]
    ] == [
        ("Delegate – Guest0 Park", "45000"),
        ("Gala dinner – Guest0 Park", "8525"),
        ("Delegate – Guest1 Park", "38050"),
    ]
    assert {item["price_data"]["currency"] for item in params["line_items"]} == {"usd"}
    assert params["customer_email"] == "buyer@example.org"
    assert params["metadata"]["order_code"] == order.code
    assert params["payment_intent_data"]["metadata"]["order_code"] == order.code
    payment = Payment.objects.get(order=order)
    assert request.headers["Idempotency-Key"] == f"sci-checkout-{payment.pk}"
    assert fake_stripe.sessions[payment.stripe_session_id]["amount_total"] == 91575
    assert payment.status == PaymentStatus.OPEN


def test_jpy_amounts_are_sent_in_whole_yen(fake_stripe):
    order = make_order(currency="JPY", prices=("52000",), extra_prices=("8000",))

    payments.start_card_payment(order, **URLS)

    [request] = fake_stripe.posts("/v1/checkout/sessions")
    assert [
        item["price_data"]["unit_amount"] for item in request.params["line_items"]
    ] == ["52000", "8000"]
    assert request.params["line_items"][0]["price_data"]["currency"] == "jpy"
    session = fake_stripe.sessions[Payment.objects.get().stripe_session_id]
    assert session["amount_total"] == 60000


def test_the_hold_moves_to_the_sessions_expiry(fake_stripe):
    order = make_order(hold=timedelta(minutes=5))

    payments.start_card_payment(order, **URLS)

    payment = Payment.objects.get(order=order)
    order.refresh_from_db()
    session = fake_stripe.sessions[payment.stripe_session_id]
    assert int(order.expires_at.timestamp()) == session["expires_at"]
    assert order.expires_at > timezone.now() + timedelta(minutes=30)


def test_a_longer_invoice_hold_is_never_shortened(fake_stripe):
    order = make_order(payment_method="invoice", hold=timedelta(days=14))
    before = order.expires_at

    payments.start_card_payment(order, **URLS)

    order.refresh_from_db()
    assert order.expires_at == before


def test_a_new_attempt_expires_the_previous_open_session_first(fake_stripe):
    order = make_order()
    payments.start_card_payment(order, **URLS)
    first = Payment.objects.get(order=order)

    payments.start_card_payment(order, **URLS)

    first.refresh_from_db()
    assert first.status == PaymentStatus.EXPIRED
    assert fake_stripe.sessions[first.stripe_session_id]["status"] == "expired"
    paths = [r.path for r in fake_stripe.requests if r.method == "POST"]
    assert paths == [
        "/v1/checkout/sessions",
        f"/v1/checkout/sessions/{first.stripe_session_id}/expire",
        "/v1/checkout/sessions",
    ]
    assert Payment.objects.filter(order=order, status=PaymentStatus.OPEN).count() == 1


def test_a_new_attempt_after_the_previous_session_was_paid_refuses(fake_stripe):
    order = make_order()
    payments.start_card_payment(order, **URLS)
    first = Payment.objects.get(order=order)
    fake_stripe.pay(first.stripe_session_id)

    with pytest.raises(payments.PaymentError) as error:
        payments.start_card_payment(order, **URLS)

    assert error.value.code == "already_paid"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert len(fake_stripe.posts("/v1/checkout/sessions")) == 1


def test_an_order_whose_hold_ran_out_cannot_start_a_payment(fake_stripe):
    order = make_order(hold=timedelta(minutes=-1))

    with pytest.raises(payments.PaymentError) as error:
        payments.start_card_payment(order, **URLS)

    assert error.value.code == "hold_expired"
    assert fake_stripe.requests == []


def test_without_stripe_keys_card_payment_is_off(settings):
    settings.STRIPE_SECRET_KEY = ""
    order = make_order()

    assert payments.card_payments_enabled() is False
    assert "STRIPE_SECRET_KEY" in payments.card_payments_disabled_reason()
    with pytest.raises(payments.PaymentError) as error:
        payments.start_card_payment(order, **URLS)
    assert error.value.code == "card_payments_off"


def test_stripe_down_leaves_the_order_pending_and_the_attempt_failed(fake_stripe):
    order = make_order()
    fake_stripe.unavailable = True

    with pytest.raises(payments.PaymentError) as error:
        payments.start_card_payment(order, **URLS)

    assert error.value.code == "stripe_unavailable"
    assert Payment.objects.get(order=order).status == PaymentStatus.FAILED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_the_pay_button_redirects_to_stripe_checkout(fake_stripe, client):
    order = make_order()

    response = client.post(f"/payments/{order.code}/{order.secret}/pay/")

    payment = Payment.objects.get(order=order)
    assert response.status_code == 302
    assert response["Location"] == payment.checkout_url
    [request] = fake_stripe.posts("/v1/checkout/sessions")
    assert request.params["success_url"] == (
        f"http://testserver/payments/{order.code}/{order.secret}/done/"
    )
