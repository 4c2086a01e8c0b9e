"""Changing a placed order (orders/services/changes.py, payments/services/
settlement.py): each operation, the seats under the locks, the new total and
how the money is settled, the log and the e-mails."""

from decimal import Decimal

import pytest

from registration.errors import OrderError, OrderInvalid, PriceChanged, SoldOut
from registration.models import (
    ActivityLog,
    Attendee,
    Invoice,
    InvoiceStatus,
    Order,
    OrderChange,
    OrderStatus,
    OutboxMessage,
    PaymentMethod,
    Refund,
    RefundOrigin,
)
from registration.orders import services as orders
from registration.payments import services as payments
from tests.factories import ExtraFactory, TicketTypeFactory, UserFactory
from tests.registration.payments.conftest import deliver, make_order

pytestmark = pytest.mark.django_db

URLS = {
    "success_url": "https://events.example.org/done/",
    "cancel_url": "https://events.example.org/canceled/",
}


@pytest.fixture
def staff(db):
    return UserFactory(username="registrar", is_staff=True, is_superuser=True)


def pay_by_card(fake_stripe, client, order):
    payments.start_card_payment(order, **URLS)
    payment = order.payments.order_by("-pk").first()
    session = fake_stripe.pay(payment.stripe_session_id)
    deliver(client, fake_stripe.event("checkout.session.completed", session))
    order.refresh_from_db()
    return payment


def paid_card_order(fake_stripe, client, **kwargs):
    order = make_order(**kwargs)
    pay_by_card(fake_stripe, client, order)
    assert order.status == OrderStatus.PAID
    return order


def test_changing_a_ticket_type_prices_it_and_logs_old_and_new(
    fake_stripe, client, staff
):
    order = make_order(prices=("450.00", "380.00"))
    first = order.attendees.order_by("pk").first()
    student = TicketTypeFactory(event=order.event, name="Student", price=Decimal("150"))

    preview = orders.preview_change(
        order,
        [{"op": "change_ticket_type", "attendee": first.pk, "ticket_type": student.pk}],
        as_staff=True,
    )
    assert (preview.old_total, preview.new_total) == (
        Decimal("830.00"),
        Decimal("530.00"),
    )
    assert [(line.what, line.old, line.new) for line in preview.lines] == [
        ("ticket_type", "Delegate", "Student")
    ]
    assert not OrderChange.objects.exists()

    change = orders.apply_change(
        order,
        [{"op": "change_ticket_type", "attendee": first.pk, "ticket_type": student.pk}],
        by=staff,
        as_staff=True,
        expected_total=Decimal("530.00"),
    )
    first.refresh_from_db()
    order.refresh_from_db()
    assert (first.ticket_type, first.price, order.total) == (
        student,
        Decimal("150.00"),
        Decimal("530.00"),
    )
    entry = ActivityLog.objects.get(action="order.changed")
    assert entry.actor == staff
    assert entry.data["lines"][0]["old"] == "Delegate"
    assert entry.data["lines"][0]["new"] == "Student"
    assert (entry.data["old_total"], entry.data["new_total"]) == ("830.00", "530.00")
    assert change.difference == Decimal("-300.00")


def test_a_total_other_than_the_preview_is_refused(staff):
    order = make_order(prices=("450.00",))
    attendee = order.attendees.get()
    with pytest.raises(PriceChanged):
        orders.apply_change(
            order,
            [{"op": "set_price", "attendee": attendee.pk, "price": "100"}],
            reason="Speaker",
            by=staff,
            as_staff=True,
            expected_total=Decimal("450.00"),
        )
    attendee.refresh_from_db()
    assert attendee.price == Decimal("450.00")


def test_bad_operations_name_their_fields_and_change_nothing(staff):
    order = make_order(prices=("450.00", "450.00"))
    a, b = order.attendees.order_by("pk")
    with pytest.raises(OrderInvalid) as error:
        orders.apply_change(
            order,
            [
                {"op": "set_price", "attendee": a.pk, "price": "abc"},
                {"op": "change_ticket_type", "attendee": b.pk, "ticket_type": 999999},
                {"op": "add_extra", "attendee": 999999, "extra": 1},
                {"op": "explode"},
            ],
            by=staff,
            as_staff=True,
        )
    assert set(error.value.by_field()) == {
        "operations.0.price",
        "operations.1.ticket_type",
        "operations.2.attendee",
        "operations.3.op",
    }
    with pytest.raises(OrderInvalid) as no_reason:
        orders.apply_change(
            order,
            [{"op": "set_price", "attendee": a.pk, "price": "10"}],
            by=staff,
            as_staff=True,
        )
    assert set(no_reason.value.by_field()) == {"reason"}
    order.refresh_from_db()
    assert order.total == Decimal("900.00")
    assert not OrderChange.objects.exists()


def test_canceling_one_attendee_splits_them_off_into_a_canceled_order(
    fake_stripe, client, staff, django_capture_on_commit_callbacks
):
    order = paid_card_order(fake_stripe, client, prices=("450.00", "380.00"))
    keep, leave = order.attendees.order_by("pk")

    with django_capture_on_commit_callbacks(execute=True):
        orders.apply_change(
            order,
            [{"op": "cancel_attendee", "attendee": leave.pk}],
            by=staff,
            as_staff=True,
        )

    order.refresh_from_db()
    leave.refresh_from_db()
    assert list(order.attendees.all()) == [keep]
    assert order.total == Decimal("450.00")
    split = leave.order
    assert (split.status, split.split_from, split.total) == (
        OrderStatus.CANCELED,
        order,
        Decimal("380.00"),
    )
    [refund] = Refund.objects.filter(order=order)
    assert (refund.amount, refund.origin) == (
        Decimal("380.00"),
        RefundOrigin.ORDER_CHANGE,
    )
    assert [r.params["amount"] for r in fake_stripe.posts("/v1/refunds")] == ["38000"]
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {"email.order_changed", "email.attendee_changed"} <= kinds


def test_the_last_attendee_cannot_be_canceled_on_its_own(staff):
    order = make_order(prices=("450.00",))
    with pytest.raises(OrderInvalid) as error:
        orders.apply_change(
            order,
            [{"op": "cancel_attendee", "attendee": order.attendees.get().pk}],
            by=staff,
            as_staff=True,
        )
    assert error.value.errors[0].code == "last_attendee"


def test_an_extra_added_past_its_capacity_is_sold_out(staff):
    order = make_order(prices=("450.00",))
    other = make_order(
        prices=("450.00",),
        event=order.event,
        ticket_type=order.attendees.get().ticket_type,
    )
    gala = ExtraFactory(
        event=order.event, name="Gala dinner", price=Decimal("80"), capacity=1
    )
    orders.apply_change(
        other,
        [{"op": "add_extra", "attendee": other.attendees.get().pk, "extra": gala.pk}],
        by=staff,
        as_staff=True,
    )
    with pytest.raises(SoldOut):
        orders.apply_change(
            order,
            [
                {
                    "op": "add_extra",
                    "attendee": order.attendees.get().pk,
                    "extra": gala.pk,
                }
            ],
            by=staff,
            as_staff=True,
        )
    order.refresh_from_db()
    assert order.total == Decimal("450.00")


def test_adding_an_attendee_to_a_full_ticket_type_is_sold_out_but_a_swap_is_not(staff):
    order = make_order(prices=("450.00",), capacity=1)
    delegate = order.attendees.get().ticket_type
    with pytest.raises(SoldOut):
        orders.apply_change(
            order,
            [
                {
                    "op": "add_attendee",
                    "attendee": {
                        "ticket_type": delegate.pk,
                        "given_name": "Kofi",
                        "family_name": "Mensah",
                        "email": "kofi@example.org",
                    },
                }
            ],
            by=staff,
            as_staff=True,
        )
    observer = TicketTypeFactory(
        event=order.event, name="Observer", price=Decimal("0"), capacity=1
    )
    orders.apply_change(
        order,
        [
            {
                "op": "change_ticket_type",
                "attendee": order.attendees.get().pk,
                "ticket_type": observer.pk,
            }
        ],
        by=staff,
        as_staff=True,
    )
    order.refresh_from_db()
    # The free observer ticket leaves nothing to pay: the pending order is paid.
    assert (order.total, order.status) == (Decimal("0.00"), OrderStatus.PAID)


def test_a_card_balance_is_paid_from_the_order_page_and_kept(
    fake_stripe, client, staff
):
    order = paid_card_order(fake_stripe, client, prices=("450.00",))
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80"))
    orders.apply_change(
        order,
        [{"op": "add_extra", "attendee": order.attendees.get().pk, "extra": gala.pk}],
        by=staff,
        as_staff=True,
    )
    order.refresh_from_db()
    assert payments.balance_due(order) == Decimal("80.00")

    payment = pay_by_card(fake_stripe, client, order)
    payment.refresh_from_db()
    assert payment.amount == Decimal("80.00")
    assert payments.balance_due(order) == Decimal("0")
    assert not Refund.objects.exists()
    assert order.status == OrderStatus.PAID


def test_an_invoiced_order_gets_a_credit_note_and_a_new_invoice(staff):
    order = make_order(prices=("450.00",), payment_method=PaymentMethod.INVOICE)
    payments.request_invoice(
        order,
        billing=payments.BillingData(
            name="City of Toulouse", address="1 Place du Capitole"
        ),
    )
    first = Invoice.objects.get(order=order)
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80"))

    orders.apply_change(
        order,
        [{"op": "add_extra", "attendee": order.attendees.get().pk, "extra": gala.pk}],
        by=staff,
        as_staff=True,
    )

    first.refresh_from_db()
    assert first.status == InvoiceStatus.CREDITED
    assert first.credit_notes.get().amount == Decimal("450.00")
    new = Invoice.objects.exclude(pk=first.pk).get(order=order)
    assert (new.total, new.status, new.sequence) == (
        Decimal("530.00"),
        InvoiceStatus.ISSUED,
        first.sequence + 1,
    )
    assert [line["description"] for line in new.lines][-1].startswith("Gala dinner")


def test_a_buyer_may_only_buy_extras(staff):
    order = make_order(prices=("450.00",))
    attendee = order.attendees.get()
    with pytest.raises(OrderInvalid) as error:
        orders.preview_change(
            order,
            [{"op": "set_price", "attendee": attendee.pk, "price": "1"}],
            as_staff=False,
        )
    assert error.value.errors[0].code == "staff_only"


def test_a_closed_order_cannot_change(staff):
    order = make_order(prices=("450.00",), status=OrderStatus.CANCELED)
    with pytest.raises(OrderError) as error:
        orders.preview_change(
            order,
            [{"op": "cancel_attendee", "attendee": order.attendees.get().pk}],
            as_staff=True,
        )
    assert error.value.code == "order_closed"
    assert Attendee.objects.filter(order=order).count() == 1
    assert Order.objects.count() == 1
