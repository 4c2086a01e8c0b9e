"""Changes of a paid card order that are paid by card (orders/services/
changes.py, payments/services/checkout.py and webhooks.py): a buyer's extras
bought later, applied when the payment arrives or refunded in full when the
extra is gone by then; and a balance a staff change left, paid once."""

from decimal import Decimal

import pytest

from registration.models import (
    AttendeeExtra,
    OrderChange,
    OrderChangeStatus,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundOrigin,
    StripeEvent,
)
from registration.orders import services as orders
from registration.payments import services as payments
from tests.factories import ExtraFactory, UserFactory
from tests.registration.payments.conftest import deliver, make_order

pytestmark = pytest.mark.django_db

URLS = {
    "success_url": "https://events.example.org/done/",
    "cancel_url": "https://events.example.org/canceled/",
}


@pytest.fixture
def staff(db):
    return UserFactory(username="registrar", is_staff=True, is_superuser=True)


def latest_payment(order) -> Payment:
    return order.payments.order_by("-pk").first()


def pay_latest(fake_stripe, client, order) -> tuple[Payment, dict]:
    """The buyer pays the order's latest session and Stripe's webhook arrives;
    the payment and the event delivered."""
    payment = latest_payment(order)
    session = fake_stripe.pay(payment.stripe_session_id)
    event = fake_stripe.event("checkout.session.completed", session)
    response = deliver(client, event)
    assert response.status_code == 200, response.content
    payment.refresh_from_db()
    order.refresh_from_db()
    return payment, event


def paid_card_order(fake_stripe, client, **kwargs):
    order = make_order(**kwargs)
    payments.start_card_payment(order, **URLS)
    pay_latest(fake_stripe, client, order)
    assert order.status == OrderStatus.PAID
    assert payments.balance_due(order) == Decimal("0")
    return order


def buy_extra_later(order, extra):
    """The buyer asks for `extra` on their paid order and starts its payment."""
    attendee = order.attendees.get()
    change = orders.record_change_awaiting_payment(
        order,
        [{"op": "add_extra", "attendee": attendee.pk, "extra": extra.pk}],
        by=None,
    )
    assert change.status == OrderChangeStatus.AWAITING_PAYMENT
    payments.start_card_payment(order, change=change, **URLS)
    return attendee, change


def test_extras_bought_later_are_added_when_their_card_payment_arrives(
    fake_stripe, client
):
    order = paid_card_order(fake_stripe, client, prices=("450.00",))
    gala = ExtraFactory(
        event=order.event, name="Gala dinner", price=Decimal("80.00"), capacity=5
    )
    attendee, change = buy_extra_later(order, gala)

    # Nothing is added before the money arrives.
    assert not AttendeeExtra.objects.filter(attendee=attendee).exists()
    order.refresh_from_db()
    assert order.total == Decimal("450.00")
    pending = latest_payment(order)
    assert (pending.amount, pending.order_change) == (Decimal("80.00"), change)
    [session_params] = [r.params for r in fake_stripe.posts("/v1/checkout/sessions")][
        -1:
    ]
    assert session_params["line_items"][0]["price_data"]["unit_amount"] == "8000"

    payment, _event = pay_latest(fake_stripe, client, order)

    change.refresh_from_db()
    assert change.status == OrderChangeStatus.APPLIED
    assert change.applied_at is not None
    row = AttendeeExtra.objects.get(attendee=attendee)
    assert (row.extra, row.price) == (gala, Decimal("80.00"))
    assert order.total == Decimal("530.00")
    assert order.status == OrderStatus.PAID
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payments.net_received(order) == Decimal("530.00")
    assert payments.balance_due(order) == Decimal("0")
    assert not Refund.objects.exists()
    assert fake_stripe.posts("/v1/refunds") == []


def test_an_extra_sold_out_before_the_payment_arrives_fails_the_change_and_refunds_it(
    fake_stripe, client, staff
):
    order = paid_card_order(fake_stripe, client, prices=("450.00",))
    delegate = order.attendees.get().ticket_type
    gala = ExtraFactory(
        event=order.event, name="Gala dinner", price=Decimal("80.00"), capacity=1
    )
    attendee, change = buy_extra_later(order, gala)

    # While the buyer is on Stripe's page, staff give the last place to someone else.
    other = make_order(prices=("450.00",), event=order.event, ticket_type=delegate)
    orders.apply_change(
        other,
        [{"op": "add_extra", "attendee": other.attendees.get().pk, "extra": gala.pk}],
        by=staff,
        as_staff=True,
    )

    payment, _event = pay_latest(fake_stripe, client, order)

    change.refresh_from_db()
    assert change.status == OrderChangeStatus.FAILED
    assert "Gala dinner is sold out" in change.problem
    assert change.applied_at is None
    assert not AttendeeExtra.objects.filter(attendee=attendee).exists()
    assert AttendeeExtra.objects.filter(extra=gala).count() == 1
    assert order.total == Decimal("450.00")
    assert order.status == OrderStatus.PAID
    [refund] = Refund.objects.filter(order=order)
    assert refund.payment == payment
    assert refund.amount == payment.amount == Decimal("80.00")
    assert refund.origin == RefundOrigin.LATE_PAYMENT
    assert [r.params["amount"] for r in fake_stripe.posts("/v1/refunds")] == ["8000"]
    # What was kept is exactly what the order costs.
    assert payments.net_received(order) == Decimal("450.00")
    assert payments.balance_due(order) == Decimal("0")


def test_the_same_webhook_delivered_twice_applies_the_change_once(fake_stripe, client):
    order = paid_card_order(fake_stripe, client, prices=("450.00",))
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80.00"))
    attendee, change = buy_extra_later(order, gala)

    payment, event = pay_latest(fake_stripe, client, order)
    again = deliver(client, event)
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    # Another event about the same session (Stripe sends several) changes nothing.
    session = fake_stripe.sessions[payment.stripe_session_id]
    other_event = fake_stripe.event("checkout.session.async_payment_succeeded", session)
    assert deliver(client, other_event).json()["outcome"] == "processed"

    order.refresh_from_db()
    change.refresh_from_db()
    assert change.status == OrderChangeStatus.APPLIED
    assert AttendeeExtra.objects.filter(attendee=attendee, extra=gala).count() == 1
    assert order.total == Decimal("530.00")
    assert OrderChange.objects.filter(order=order).count() == 1
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert payments.balance_due(order) == Decimal("0")
    assert not Refund.objects.exists()


def test_a_balance_a_staff_change_left_is_paid_once_and_kept(
    fake_stripe, client, staff
):
    order = paid_card_order(fake_stripe, client, prices=("450.00",))
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80.00"))
    orders.apply_change(
        order,
        [{"op": "add_extra", "attendee": order.attendees.get().pk, "extra": gala.pk}],
        by=staff,
        as_staff=True,
    )
    order.refresh_from_db()
    assert order.total == Decimal("530.00")
    assert payments.balance_due(order) == Decimal("80.00")

    payments.start_card_payment(order, **URLS)
    payment, _event = pay_latest(fake_stripe, client, order)

    assert payment.amount == Decimal("80.00")
    assert payment.order_change is None
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payments.balance_due(order) == Decimal("0")
    assert order.status == OrderStatus.PAID
    assert not Refund.objects.exists()

    # Nothing is left to pay: a second payment of the balance cannot start.
    with pytest.raises(payments.PaymentError) as refused:
        payments.start_card_payment(order, **URLS)
    assert refused.value.code == "not_payable"
    assert not Refund.objects.exists()
    assert payments.balance_due(order) == Decimal("0")


def test_a_second_balance_attempt_after_the_first_was_paid_is_refused(
    fake_stripe, client, staff
):
    """The buyer paid the balance on Stripe's page but its webhook has not
    arrived when a second attempt starts: the first is applied and kept, the
    second refused, and nothing is charged twice."""
    order = paid_card_order(fake_stripe, client, prices=("450.00",))
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80.00"))
    orders.apply_change(
        order,
        [{"op": "add_extra", "attendee": order.attendees.get().pk, "extra": gala.pk}],
        by=staff,
        as_staff=True,
    )
    payments.start_card_payment(order, **URLS)
    first = latest_payment(order)
    session = fake_stripe.pay(first.stripe_session_id)

    with pytest.raises(payments.PaymentError) as refused:
        payments.start_card_payment(order, **URLS)
    assert refused.value.code == "already_paid"

    first.refresh_from_db()
    order.refresh_from_db()
    assert first.status == PaymentStatus.SUCCEEDED
    assert payments.balance_due(order) == Decimal("0")
    # The webhook of the first arrives late and changes nothing.
    deliver(client, fake_stripe.event("checkout.session.completed", session))
    order.refresh_from_db()
    assert payments.net_received(order) == order.total == Decimal("530.00")
    assert not Refund.objects.exists()
    assert (
        Payment.objects.filter(order=order, status=PaymentStatus.SUCCEEDED).count() == 2
    )


def assert_change_refunded(order, change, *, total: str) -> None:
    """The change failed, nothing was added, and its payment came back in full."""
    change.refresh_from_db()
    order.refresh_from_db()
    payment = order.payments.get(order_change=change)
    assert payment.status == PaymentStatus.SUCCEEDED
    assert change.status == OrderChangeStatus.FAILED
    assert change.applied_at is None
    assert order.total == Decimal(total)
    [refund] = Refund.objects.filter(payment=payment)
    assert (refund.amount, refund.origin) == (payment.amount, RefundOrigin.LATE_PAYMENT)


def test_a_change_paid_after_staff_added_the_same_extra_is_refunded(
    fake_stripe, client, staff
):
    order = paid_card_order(fake_stripe, client, prices=("450.00",))
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80.00"))
    attendee, change = buy_extra_later(order, gala)
    # Staff add it meanwhile (the buyer asked by e-mail too); the order owes 80.
    orders.apply_change(
        order,
        [{"op": "add_extra", "attendee": attendee.pk, "extra": gala.pk}],
        by=staff,
        as_staff=True,
    )

    pay_latest(fake_stripe, client, order)

    assert_change_refunded(order, change, total="530.00")
    assert AttendeeExtra.objects.filter(attendee=attendee, extra=gala).count() == 1


def test_a_change_paid_after_the_extra_got_dearer_is_refunded_not_undercharged(
    fake_stripe, client
):
    order = paid_card_order(fake_stripe, client, prices=("450.00",))
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80.00"))
    attendee, change = buy_extra_later(order, gala)
    gala.price = Decimal("100.00")
    gala.save()

    pay_latest(fake_stripe, client, order)

    assert_change_refunded(order, change, total="450.00")
    assert not AttendeeExtra.objects.filter(attendee=attendee).exists()
    assert payments.balance_due(order) == Decimal("0")


def test_a_change_paid_after_the_order_was_canceled_is_refunded(
    fake_stripe, client, staff
):
    order = paid_card_order(fake_stripe, client, prices=("450.00",))
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80.00"))
    attendee, change = buy_extra_later(order, gala)
    orders.cancel_order(order, by=staff, reason="Asked by the buyer")

    pay_latest(fake_stripe, client, order)

    assert order.status == OrderStatus.CANCELED
    assert_change_refunded(order, change, total="450.00")
    assert not AttendeeExtra.objects.filter(attendee=attendee).exists()


def test_an_abandoned_checkout_of_extras_fails_the_change(fake_stripe, client):
    order = make_order(prices=("450.00",))
    payments.start_card_payment(
        order, success_url="https://x.example/ok", cancel_url="https://x.example/no"
    )
    first = order.payments.get()
    deliver(
        client,
        fake_stripe.event(
            "checkout.session.completed", fake_stripe.pay(first.stripe_session_id)
        ),
    )
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80"))
    change = orders.record_change_awaiting_payment(
        order,
        [{"op": "add_extra", "attendee": order.attendees.get().pk, "extra": gala.pk}],
        by=None,
    )
    payments.start_card_payment(
        order,
        change=change,
        success_url="https://x.example/ok",
        cancel_url="https://x.example/no",
    )
    attempt = order.payments.exclude(pk=first.pk).get()

    session = fake_stripe.expire(attempt.stripe_session_id)
    deliver(client, fake_stripe.event("checkout.session.expired", session))

    change.refresh_from_db()
    order.refresh_from_db()
    assert change.status == OrderChangeStatus.FAILED
    assert change.problem == "The card payment was not completed."
    assert order.status == OrderStatus.PAID
    assert not order.attendees.get().attendeeextra_set.exists()
