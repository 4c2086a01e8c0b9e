"""Report figures (selectors, reports section) from one known data set."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registration.models import (
    Answer,
    Invoice,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentProvider,
    PaymentStatus,
    QuestionKind,
    QuestionReport,
    Refund,
    RefundOrigin,
    RefundStatus,
)
from registration.staff import selectors
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    QuestionFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal


def placed_on(order, day: date):
    Order.objects.filter(pk=order.pk).update(
        created_at=datetime(day.year, day.month, day.day, 15, 0, tzinfo=UTC)
    )


def invoice(order, *, number: str, due_on: date, total: str):
    return Invoice.objects.create(
        order=order,
        number=number,
        year=2027,
        sequence=int(number[-1]),
        issued_on=due_on - timedelta(days=14),
        due_on=due_on,
        billing_name="City of Toulouse",
        billing_address="1 Place du Capitole",
        currency="USD",
        total=D(total),
    )


@pytest.fixture
def report_event():
    """Ten places; orders paid, pending, overdue, awaiting approval and canceled."""
    event = EventFactory(slug="conf", capacity=10)
    today = timezone.localtime(timezone.now(), event.tz).date()
    delegate = TicketTypeFactory(
        event=event, name="Delegate", price=D("100.00"), capacity=5, sort_order=1
    )
    youth = TicketTypeFactory(
        event=event,
        name="Youth",
        price=D("50.00"),
        requires_guardian_consent=True,
        sort_order=2,
    )
    diet = QuestionFactory(
        event=event,
        label="Diet",
        kind=QuestionKind.CHOICE,
        choices="None\nVegetarian\nVegan",
        report_as=QuestionReport.DIETARY,
    )
    access = QuestionFactory(
        event=event, label="Access needs", report_as=QuestionReport.ACCESSIBILITY
    )
    shirt = QuestionFactory(
        event=event,
        label="T-shirt",
        kind=QuestionKind.CHOICE,
        choices="S\nM\nL",
        report_as=QuestionReport.T_SHIRT_SIZE,
    )

    def person(order, ticket, price, answers):
        attendee = AttendeeFactory(order=order, ticket_type=ticket, price=D(price))
        for question, value in zip((diet, access, shirt), answers, strict=True):
            if value is not None:
                Answer.objects.create(attendee=attendee, question=question, value=value)
        return attendee

    card = OrderFactory(
        event=event, total=D("200.00"), payment_method=PaymentMethod.CARD
    )
    person(card, delegate, "100.00", ["Vegetarian", "Wheelchair", "M"])
    person(card, delegate, "100.00", ["None", "none", "M"])
    placed_on(card, date(2027, 3, 1))
    paid = Payment.objects.create(
        order=card,
        provider=PaymentProvider.STRIPE,
        status=PaymentStatus.SUCCEEDED,
        amount=D("200.00"),
        currency="USD",
    )
    Refund.objects.create(
        payment=paid,
        order=card,
        amount=D("50.00"),
        currency="USD",
        status=RefundStatus.SUCCEEDED,
        origin=RefundOrigin.STAFF,
    )
    Refund.objects.create(  # failed: not counted
        payment=paid,
        order=card,
        amount=D("20.00"),
        currency="USD",
        status=RefundStatus.FAILED,
        origin=RefundOrigin.STAFF,
    )

    invoiced = OrderFactory(
        event=event, total=D("150.00"), payment_method=PaymentMethod.INVOICE
    )
    person(invoiced, delegate, "100.00", ["Vegan", "Wheelchair", "L"])
    person(invoiced, youth, "50.00", ["Vegan", "", None])  # no consent signed
    placed_on(invoiced, date(2027, 3, 2))
    Payment.objects.create(
        order=invoiced,
        provider=PaymentProvider.BANK_TRANSFER,
        status=PaymentStatus.SUCCEEDED,
        amount=D("150.00"),
        currency="USD",
    )
    Payment.objects.create(  # an abandoned card attempt: not counted
        order=invoiced,
        provider=PaymentProvider.STRIPE,
        status=PaymentStatus.EXPIRED,
        amount=D("150.00"),
        currency="USD",
    )

    later = timezone.now() + timedelta(days=10)
    due = OrderFactory(
        event=event,
        status=OrderStatus.PENDING,
        expires_at=later,
        total=D("100.00"),
        payment_method=PaymentMethod.INVOICE,
    )
    person(due, delegate, "100.00", [None, None, "S"])
    invoice(due, number="2027-0001", due_on=today + timedelta(days=3), total="100.00")
    overdue = OrderFactory(
        event=event,
        status=OrderStatus.PENDING,
        expires_at=later,
        total=D("100.00"),
        payment_method=PaymentMethod.INVOICE,
    )
    person(overdue, delegate, "100.00", [None, None, None])
    invoice(
        overdue, number="2027-0002", due_on=today - timedelta(days=1), total="100.00"
    )

    waiting = OrderFactory(event=event, status=OrderStatus.AWAITING_APPROVAL)
    person(waiting, youth, "50.00", ["Vegan", None, "S"])  # holds no seat
    person(waiting, delegate, "100.00", [None, None, None])
    canceled = OrderFactory(event=event, status=OrderStatus.CANCELED)
    person(canceled, delegate, "100.00", ["Vegan", "Crutches", "L"])
    expired_hold = OrderFactory(
        event=event,
        status=OrderStatus.PENDING,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    person(expired_hold, delegate, "100.00", ["Vegan", None, None])
    return event


def test_event_report_figures(report_event):
    report = selectors.get_event_report(report_event)
    assert report.ticket_types == [
        selectors.TicketTypeSales("Delegate", 5, sold=3, held=2, revenue=D("300.00")),
        selectors.TicketTypeSales("Youth", None, sold=1, held=0, revenue=D("50.00")),
    ]
    assert report.sold == 4
    assert report.days == [
        selectors.DaySales(date(2027, 3, 1), orders=1, attendees=2, amount=D("200.00")),
        selectors.DaySales(date(2027, 3, 2), orders=1, attendees=2, amount=D("150.00")),
    ]
    assert [(m.method, m.gross, m.refunded, m.net) for m in report.revenue] == [
        ("card", D("200.00"), D("50.00"), D("150.00")),
        ("invoice", D("150.00"), D("0.00"), D("150.00")),
        ("free", D("0.00"), D("0.00"), D("0.00")),
    ]
    assert (report.gross, report.refunded, report.net) == (
        D("350.00"),
        D("50.00"),
        D("300.00"),
    )
    assert (report.capacity, report.seats_held, report.capacity_percent) == (10, 6, 60)
    assert (report.invoices_due, report.invoices_due_amount) == (1, D("100.00"))
    assert (report.invoices_overdue, report.invoices_overdue_amount) == (1, D("100.00"))
    assert (
        report.consent_outstanding == 2
    )  # the paid youth and the one awaiting approval
    assert (report.approvals_waiting, report.approval_attendees) == (1, 2)
    assert report.dietary == [
        selectors.AnswerCount("Diet", "None", 0),
        selectors.AnswerCount("Diet", "Vegetarian", 1),
        selectors.AnswerCount("Diet", "Vegan", 2),
    ]
    assert report.accessibility == [
        selectors.AnswerCount("Access needs", "Wheelchair", 2)
    ]
    assert report.t_shirts == [
        selectors.AnswerCount("T-shirt", "S", 1),
        selectors.AnswerCount("T-shirt", "M", 2),
        selectors.AnswerCount("T-shirt", "L", 1),
    ]


def test_report_of_an_empty_event_is_all_zero():
    event = EventFactory()
    report = selectors.get_event_report(event)
    assert (report.sold, report.seats_held, report.capacity_percent) == (0, 0, None)
    assert report.days == []
    assert report.net == D("0.00")
    assert report.dietary == report.accessibility == report.t_shirts == []


def test_dashboard_lists_events_not_over_soonest_first(report_event):
    EventFactory(name="Past", starts_at=timezone.now() - timedelta(days=10))
    soon = EventFactory(name="Soon", starts_at=timezone.now() + timedelta(days=5))
    reports = selectors.get_dashboard_events()
    assert [r.event.name for r in reports] == ["Soon", report_event.name]
    assert reports[0].event == soon
