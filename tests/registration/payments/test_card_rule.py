"""One rule says whether an order can be paid by card (card_payment_refusal):
the order page shows the button exactly when the pay view sends the buyer to
Stripe and start_card_payment opens a session."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registration.models import (
    DelegationInvoice,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from registration.payments import services as payments
from tests.factories.travel import LedDelegationFactory
from tests.registration.payments.conftest import make_order

pytestmark = pytest.mark.django_db

URLS = {"success_url": "https://x.example/s", "cancel_url": "https://x.example/c"}
BUTTON = 'data-testid="pay-by-card"'


def _on_delegation_invoice(order) -> None:
    delegation = LedDelegationFactory(event=order.event)
    sequence = DelegationInvoice.objects.count() + 9000
    invoice = DelegationInvoice.objects.create(
        delegation=delegation,
        number=f"2026-{sequence:05d}",
        year=2026,
        sequence=sequence,
        issued_on=timezone.now().date(),
        due_on=timezone.now().date(),
        billing_name="Toulouse",
        billing_address="Capitole",
        currency=order.currency,
        total=order.total,
    )
    invoice.orders.set([order])


def _order(status, method, hold, on_delegation_invoice):
    order = make_order(status=status, payment_method=method, hold=hold)
    if on_delegation_invoice:
        _on_delegation_invoice(order)
    return order


CASES = [
    (status, method, hold, on_delegation_invoice)
    for status in OrderStatus.values
    for method in (PaymentMethod.CARD, PaymentMethod.INVOICE)
    for hold in (timedelta(minutes=30), timedelta(minutes=-1))
    for on_delegation_invoice in (False, True)
    if not on_delegation_invoice or method == PaymentMethod.INVOICE
]


@pytest.mark.parametrize("stripe_on", [True, False], ids=["stripe", "no-stripe"])
@pytest.mark.parametrize(
    "status,method,hold,on_delegation_invoice",
    CASES,
    ids=[
        f"{s}-{m}-{'live' if h > timedelta(0) else 'overdue'}{'-delegation' if d else ''}"
        for s, m, h, d in CASES
    ],
)
def test_order_page_offers_a_card_payment_exactly_when_the_view_and_service_take_it(
    client,
    fake_stripe,
    settings,
    stripe_on,
    status,
    method,
    hold,
    on_delegation_invoice,
):
    if not stripe_on:
        settings.STRIPE_WEBHOOK_SECRET = ""
    expected = (
        stripe_on
        and status == OrderStatus.PENDING
        and hold > timedelta(0)
        and not on_delegation_invoice
    )

    shown = _order(status, method, hold, on_delegation_invoice)
    page = client.get(f"/orders/{shown.code}/{shown.secret}/").content.decode()
    assert (BUTTON in page) == expected
    assert payments.can_pay_by_card(shown) == expected

    posted = _order(status, method, hold, on_delegation_invoice)
    response = client.post(f"/payments/{posted.code}/{posted.secret}/pay/")
    assert response.status_code == 302
    order_page = f"/orders/{posted.code}/{posted.secret}/"
    assert (response["Location"] != order_page) == expected
    assert Payment.objects.filter(order=posted).count() == (1 if expected else 0)

    started = _order(status, method, hold, on_delegation_invoice)
    refusal = payments.card_payment_refusal(started)
    if expected:
        url = payments.start_card_payment(started, **URLS)
        assert url == Payment.objects.get(order=started).checkout_url
        assert Payment.objects.get(order=started).status == PaymentStatus.OPEN
    else:
        with pytest.raises(payments.PaymentError) as refused:
            payments.start_card_payment(started, **URLS)
        assert refused.value.code == refusal.code
        assert Payment.objects.filter(order=started).count() == 0


def test_each_refusal_has_its_code_and_the_order_page_says_why(
    client, fake_stripe, settings
):
    overdue = make_order(hold=timedelta(minutes=-1))
    paid = make_order(status=OrderStatus.PAID)
    on_delegation = make_order(payment_method=PaymentMethod.INVOICE)
    _on_delegation_invoice(on_delegation)

    assert [
        payments.card_payment_refusal(order).code
        for order in (overdue, paid, on_delegation)
    ] == ["hold_expired", "not_payable", "delegation_invoice"]
    page = client.get(f"/orders/{overdue.code}/{overdue.secret}/").content.decode()
    assert (
        "The places of this order are no longer reserved; please order again." in page
    )

    settings.STRIPE_WEBHOOK_SECRET = ""
    assert payments.card_payment_refusal(overdue).code == "card_payments_off"
    page = client.get(f"/orders/{overdue.code}/{overdue.secret}/").content.decode()
    assert "Card payment opens here once online payments are switched on." in page


def test_the_canceled_page_offers_a_retry_by_the_same_rule(client, fake_stripe):
    live = make_order()
    overdue = make_order(hold=timedelta(minutes=-1))

    for order, expected in ((live, True), (overdue, False)):
        response = client.get(f"/payments/{order.code}/{order.secret}/canceled/")
        assert response.context["can_retry"] is expected
