"""The allowed-move tables of payments, refunds, invoices and delegations
(PAYMENT_TRANSITIONS, REFUND_TRANSITIONS, INVOICE_TRANSITIONS,
DELEGATION_TRANSITIONS) and their guard, `payments.check_status_move`.

The walk drives the real services through a card payment, a second attempt,
an asynchronous payment that fails, an expired session, card and bank-transfer
refunds, invoices paid and credited, and a delegation closed with its
combined invoice paid. Between steps it reads every status back from the
database; each change it sees must be a move of the table. A Stripe payment
is created `creating` and a refund of ours `pending`, so a row first seen in
another status made that move within the step.
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from registration.errors import InvalidTransition
from registration.models import (
    Delegation,
    DelegationInvoice,
    DelegationStatus,
    Invoice,
    InvoiceStatus,
    OrderStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundOrigin,
    RefundStatus,
)
from registration.orders.services import AttendeeData
from registration.payments import services as payments
from registration.payments.models import (
    INVOICE_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    REFUND_TRANSITIONS,
)
from registration.travel.models import DELEGATION_TRANSITIONS
from registration.travel.services import delegations
from tests.factories import EventFactory, TicketTypeFactory
from tests.factories.travel import LedDelegationFactory
from tests.registration.payments.conftest import make_order

pytestmark = pytest.mark.django_db

URLS = {"success_url": "https://x.example/s", "cancel_url": "https://x.example/c"}
BILLING = payments.BillingData(name="City of Toulouse", address="Capitole")

TABLES = {
    Payment: PAYMENT_TRANSITIONS,
    Refund: REFUND_TRANSITIONS,
    Invoice: INVOICE_TRANSITIONS,
    DelegationInvoice: INVOICE_TRANSITIONS,
    Delegation: DELEGATION_TRANSITIONS,
}


def _statuses(model) -> list[str]:
    return [value for value, _label in model._meta.get_field("status").choices]


@pytest.mark.parametrize("model", list(TABLES), ids=lambda model: model.__name__)
def test_the_guard_allows_exactly_the_moves_of_the_table(model):
    table = TABLES[model]
    assert set(table) == set(_statuses(model))
    for old in _statuses(model):
        for new in _statuses(model):
            record = model(status=old)
            if new == old or new in table[old]:
                payments.check_status_move(record, to=new, table=table)
                continue
            with pytest.raises(InvalidTransition) as refused:
                payments.check_status_move(record, to=new, table=table)
            assert (refused.value.code, refused.value.field) == (
                "invalid_transition",
                "status",
            )


def test_the_guard_names_the_record_and_both_statuses():
    with pytest.raises(InvalidTransition) as refused:
        payments.check_status_move(
            Payment(status=PaymentStatus.SUCCEEDED),
            to=PaymentStatus.FAILED,
            table=PAYMENT_TRANSITIONS,
        )
    assert refused.value.message == (
        "The status of this payment cannot move from Succeeded to Failed."
    )


class Walk:
    """Reads every status between steps and collects the moves seen."""

    def __init__(self):
        self.seen = self._read()
        self.moves: set[tuple[str, str, str]] = set()

    @staticmethod
    def _created(model, row) -> str | None:
        if model is Payment and row.provider == PaymentProvider.STRIPE:
            return PaymentStatus.CREATING
        if model is Refund and row.origin != RefundOrigin.STRIPE:
            return RefundStatus.PENDING
        return None

    def _read(self) -> dict:
        return {
            (model, row.pk): (row.status, self._created(model, row))
            for model in TABLES
            for row in model.objects.all()
        }

    def step(self) -> None:
        now = self._read()
        for key, (status, created) in now.items():
            model = key[0]
            before = self.seen.get(key, (created, None))[0]
            if before is not None and before != status:
                self.moves.add((model.__name__, before, status))
        self.seen = now


def _session_event(fake_stripe, payment, kind="checkout.session.completed"):
    session = fake_stripe.sessions[payment.stripe_session_id]
    payments.process_stripe_event(fake_stripe.event(kind, session))


def test_every_status_change_the_services_make_is_in_its_table(fake_stripe, staff):
    walk = Walk()

    # A card payment: a second attempt closes the first; the second is paid.
    card = make_order()
    payments.start_card_payment(card, **URLS)
    walk.step()
    payments.start_card_payment(card, **URLS)
    walk.step()
    paid = Payment.objects.get(order=card, status=PaymentStatus.OPEN)
    fake_stripe.pay(paid.stripe_session_id)
    _session_event(fake_stripe, paid)
    walk.step()
    # Staff refund part of it; the bank returns the refund later.
    [refund] = payments.refund_order(
        card, amount=Decimal("50.00"), reason="x", by=staff
    )
    walk.step()
    fake_stripe.refunds[refund.stripe_refund_id]["status"] = "failed"
    intent = Payment.objects.get(pk=paid.pk).stripe_payment_intent_id
    payments.process_stripe_event(
        fake_stripe.event(
            "charge.refund.updated", {"id": "re_x", "payment_intent": intent}
        )
    )
    walk.step()

    # An asynchronous payment that the bank does not complete.
    slow = make_order()
    payments.start_card_payment(slow, **URLS)
    walk.step()
    attempt = Payment.objects.get(order=slow)
    fake_stripe.pay(attempt.stripe_session_id, asynchronous=True)
    _session_event(fake_stripe, attempt)
    walk.step()
    fake_stripe.settle_async(attempt.stripe_session_id, succeeded=False)
    _session_event(fake_stripe, attempt, "checkout.session.async_payment_failed")
    walk.step()

    # A session left to expire.
    left = make_order()
    payments.start_card_payment(left, **URLS)
    walk.step()
    lapsed = Payment.objects.get(order=left)
    fake_stripe.expire(lapsed.stripe_session_id)
    _session_event(fake_stripe, lapsed, "checkout.session.expired")
    walk.step()

    # Invoices: one paid by transfer then canceled (a bank refund staff send),
    # one canceled unpaid.
    invoiced = make_order(payment_method="invoice", hold=timedelta(days=14))
    payments.request_invoice(invoiced, billing=BILLING)
    walk.step()
    payments.mark_paid_by_transfer(invoiced, reference="TRF-1", by=staff)
    walk.step()
    _order, [bank_refund] = payments.cancel_order_with_refund(invoiced, by=staff)
    walk.step()
    payments.mark_refund_sent(bank_refund, by=staff, reference="OUT-1")
    walk.step()
    unpaid = make_order(payment_method="invoice", hold=timedelta(days=14))
    payments.request_invoice(unpaid, billing=BILLING)
    walk.step()
    payments.cancel_order_with_refund(unpaid, by=staff)
    walk.step()

    # A delegation closes its list; its combined invoice is paid.
    event = EventFactory(payment_term_days=14)
    ticket = TicketTypeFactory(event=event, price=Decimal("300.00"))
    delegation = LedDelegationFactory(event=event)
    delegations.add_member(
        delegation, member=AttendeeData(ticket_type=ticket.pk, given_name="Léa")
    )
    walk.step()
    combined = delegations.close_delegation(delegation)
    walk.step()
    delegations.mark_delegation_invoice_paid(combined, reference="TRF-9", by=staff)
    walk.step()

    for model_name, old, new in walk.moves:
        table = {model.__name__: table for model, table in TABLES.items()}[model_name]
        assert new in table[old], (model_name, old, new)
    assert walk.moves == {
        ("Payment", PaymentStatus.CREATING, PaymentStatus.OPEN),
        ("Payment", PaymentStatus.OPEN, PaymentStatus.EXPIRED),
        ("Payment", PaymentStatus.OPEN, PaymentStatus.SUCCEEDED),
        ("Payment", PaymentStatus.OPEN, PaymentStatus.PROCESSING),
        ("Payment", PaymentStatus.PROCESSING, PaymentStatus.FAILED),
        ("Refund", RefundStatus.PENDING, RefundStatus.SUCCEEDED),
        ("Refund", RefundStatus.SUCCEEDED, RefundStatus.FAILED),
        ("Invoice", InvoiceStatus.ISSUED, InvoiceStatus.PAID),
        ("Invoice", InvoiceStatus.PAID, InvoiceStatus.CREDITED),
        ("Invoice", InvoiceStatus.ISSUED, InvoiceStatus.CREDITED),
        ("DelegationInvoice", InvoiceStatus.ISSUED, InvoiceStatus.PAID),
        ("Delegation", DelegationStatus.OPEN, DelegationStatus.CLOSED),
    }
    assert card.__class__.objects.get(pk=card.pk).status == OrderStatus.PAID


def test_a_move_stripe_reports_against_the_table_is_refused_and_not_written(
    fake_stripe, staff
):
    order = make_order()
    payments.start_card_payment(order, **URLS)
    payment = Payment.objects.get(order=order)
    fake_stripe.pay(payment.stripe_session_id)
    _session_event(fake_stripe, payment)
    [refund] = payments.refund_order(order, reason="x", by=staff)
    intent = Payment.objects.get(pk=payment.pk).stripe_payment_intent_id
    fake_stripe.refunds[refund.stripe_refund_id]["status"] = "failed"
    payments.process_stripe_event(
        fake_stripe.event("refund.updated", {"id": "re_x", "payment_intent": intent})
    )

    # A failed refund never succeeds afterwards (a new refund would).
    fake_stripe.refunds[refund.stripe_refund_id]["status"] = "succeeded"
    with pytest.raises(InvalidTransition):
        payments.process_stripe_event(
            fake_stripe.event(
                "refund.updated", {"id": "re_y", "payment_intent": intent}
            )
        )

    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.FAILED
