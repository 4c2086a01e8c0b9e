"""Every figure of the dashboard panel and the event report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import (
    Count,
    Q,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from registration.catalogue.selectors import get_availability, seat_holding
from registration.models import (
    LIVE_ORDER_STATUSES,
    Answer,
    Attendee,
    Event,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    RefundStatus,
)
from registration.orders.selectors import OrderFlag, consent_missing, order_flag_q

#
# Every figure of the dashboard panel and the event report is computed here, so
# the admin page, its CSV downloads and the tests read the same numbers.
# Definitions:
# - sold: attendees of paid orders; held: attendees of pending orders whose
#   hold has not run out; revenue by ticket type: the ticket prices of sold
#   attendees (extras apart);
# - sales by day: paid orders by the day (in the event's zone) they were placed;
# - gross: succeeded payments; refunded: succeeded refunds; net = gross − refunded,
#   grouped by the order's payment method;
# - capacity used: seats held now (paid + unexpired pending) of ticket types that
#   count toward the event's capacity;
# - invoices: issued and unpaid, due from today on (due) or before today
#   (overdue), today in the event's zone;
# - consent outstanding: attendees of live orders whose ticket needs guardian
#   consent and who have none signed; approvals waiting: orders awaiting approval;
# - dietary, accessibility and T-shirt counts: answers to the questions tagged
#   for them (`Question.report_as`), of attendees holding a seat. A choice
#   counts per option; yes/no counts "yes"; a text answer counts when it is not
#   empty and not a "none" word (NO_NEED_ANSWERS), grouped by its wording.

NO_NEED_ANSWERS = frozenset({"", "-", "no", "none", "n/a", "na", "nil", "nothing"})


@dataclass(frozen=True)
class TicketTypeSales:
    name: str
    capacity: int | None
    sold: int
    held: int
    revenue: Decimal


@dataclass(frozen=True)
class DaySales:
    day: date
    orders: int
    attendees: int
    amount: Decimal


@dataclass(frozen=True)
class MethodRevenue:
    method: str
    label: str
    gross: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.refunded


@dataclass(frozen=True)
class AnswerCount:
    question: str
    answer: str
    count: int


@dataclass(frozen=True)
class EventReport:
    event: Event
    ticket_types: list[TicketTypeSales]
    days: list[DaySales]
    revenue: list[MethodRevenue]
    capacity: int | None
    seats_held: int
    invoices_due: int
    invoices_due_amount: Decimal
    invoices_overdue: int
    invoices_overdue_amount: Decimal
    consent_outstanding: int
    approvals_waiting: int
    approval_attendees: int
    dietary: list[AnswerCount]
    accessibility: list[AnswerCount]
    t_shirts: list[AnswerCount]
    # Orders whose card payment is disputed (OrderFlag.PAYMENT_DISPUTED).
    payments_disputed: int = 0

    @property
    def capacity_percent(self) -> int | None:
        if not self.capacity:
            return None
        return round(100 * self.seats_held / self.capacity)

    @property
    def gross(self) -> Decimal:
        return sum((m.gross for m in self.revenue), ZERO)

    @property
    def refunded(self) -> Decimal:
        return sum((m.refunded for m in self.revenue), ZERO)

    @property
    def net(self) -> Decimal:
        return self.gross - self.refunded

    @property
    def sold(self) -> int:
        return sum(t.sold for t in self.ticket_types)


ZERO = Decimal("0.00")


def get_ticket_type_sales(
    event: Event, *, now: datetime | None = None
) -> list[TicketTypeSales]:
    """Sold, held and ticket revenue per ticket type, in the event's order (one query)."""
    now = now or timezone.now()
    ticket_types = event.ticket_types.annotate(
        sold=Count("attendees", filter=Q(attendees__order__status=OrderStatus.PAID)),
        held=Count(
            "attendees",
            filter=Q(
                attendees__order__status=OrderStatus.PENDING,
                attendees__order__expires_at__gt=now,
            ),
        ),
        revenue=Sum(
            "attendees__price", filter=Q(attendees__order__status=OrderStatus.PAID)
        ),
    ).order_by("sort_order", "pk")
    return [
        TicketTypeSales(
            name=tt.name,
            capacity=tt.capacity,
            sold=tt.sold,
            held=tt.held,
            revenue=tt.revenue or ZERO,
        )
        for tt in ticket_types
    ]


def get_sales_by_day(event: Event) -> list[DaySales]:
    """Paid orders by the day they were placed, in the event's time zone (one query)."""

    rows = (
        Order.objects.filter(event=event, status=OrderStatus.PAID)
        .annotate(day=TruncDate("created_at", tzinfo=event.tz))
        .values("day")
        .annotate(
            orders=Count("pk", distinct=True),
            amount=Sum("total"),
        )
        .order_by("day")
    )
    attendees = dict(
        Attendee.objects.filter(order__event=event, order__status=OrderStatus.PAID)
        .annotate(day=TruncDate("order__created_at", tzinfo=event.tz))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        DaySales(
            day=row["day"],
            orders=row["orders"],
            attendees=attendees.get(row["day"], 0),
            amount=row["amount"] or ZERO,
        )
        for row in rows
    ]


def get_revenue_by_method(event: Event) -> list[MethodRevenue]:
    """Gross (succeeded payments), refunded (succeeded refunds) and net per payment
    method of the order, every method listed (two queries)."""
    from registration.models import (
        PaymentMethod,
        Refund,
    )

    gross = dict(
        Payment.objects.filter(order__event=event, status=PaymentStatus.SUCCEEDED)
        .values_list("order__payment_method")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    refunded = dict(
        Refund.objects.filter(order__event=event, status=RefundStatus.SUCCEEDED)
        .values_list("order__payment_method")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return [
        MethodRevenue(
            method=method,
            label=str(label),
            gross=gross.get(method) or ZERO,
            refunded=refunded.get(method) or ZERO,
        )
        for method, label in PaymentMethod.choices
    ]


def get_answer_counts(
    event: Event, report_as: str, *, now: datetime | None = None
) -> list[AnswerCount]:
    """Counts of the answers to the event's questions tagged `report_as`, of attendees
    holding a seat; choice options in their order (zeros included), then text
    answers by how often they were given (two queries)."""
    from registration.models import QuestionKind

    now = now or timezone.now()
    questions = list(event.questions.filter(report_as=report_as).order_by("sort_order"))
    if not questions:
        return []
    answers = Answer.objects.filter(
        seat_holding(now, prefix="attendee__order__"),
        question__in=questions,
    ).values_list("question_id", "value")
    counted: dict[int, dict[str, int]] = {q.pk: {} for q in questions}
    for question_id, value in answers:
        for part in value.split("\n"):
            text = " ".join(part.split())
            if text.casefold() in NO_NEED_ANSWERS:
                continue
            counted[question_id][text] = counted[question_id].get(text, 0) + 1
    result = []
    for question in questions:
        counts = counted[question.pk]
        if question.kind in {QuestionKind.CHOICE, QuestionKind.MULTIPLE_CHOICE}:
            order = [
                *question.choice_list,
                *sorted(set(counts) - set(question.choice_list)),
            ]
            items = [(option, counts.get(option, 0)) for option in order]
        elif question.kind == QuestionKind.YES_NO:
            items = [("yes", counts.get("yes", 0))]
        else:
            items = sorted(
                counts.items(), key=lambda item: (-item[1], item[0].casefold())
            )
        result.extend(AnswerCount(question.label, answer, n) for answer, n in items)
    return result


def get_event_report(event: Event, *, now: datetime | None = None) -> EventReport:
    """Everything the event report page shows, computed at `now` (about 14 queries)."""
    from registration.models import QuestionReport

    now = now or timezone.now()
    today = timezone.localtime(now, event.tz).date()
    availability = get_availability(event, now=now)
    invoices = Invoice.objects.filter(order__event=event, status=InvoiceStatus.ISSUED)
    due = invoices.filter(due_on__gte=today).aggregate(
        n=Count("pk"), total=Sum("total")
    )
    overdue = invoices.filter(due_on__lt=today).aggregate(
        n=Count("pk"), total=Sum("total")
    )
    waiting = Order.objects.filter(
        event=event, status=OrderStatus.AWAITING_APPROVAL
    ).aggregate(orders=Count("pk", distinct=True), attendees=Count("attendees"))
    return EventReport(
        event=event,
        ticket_types=get_ticket_type_sales(event, now=now),
        days=get_sales_by_day(event),
        revenue=get_revenue_by_method(event),
        capacity=event.capacity,
        seats_held=availability.event_held,
        invoices_due=due["n"],
        invoices_due_amount=due["total"] or ZERO,
        invoices_overdue=overdue["n"],
        invoices_overdue_amount=overdue["total"] or ZERO,
        consent_outstanding=Attendee.objects.filter(
            consent_missing(),
            order__event=event,
            order__status__in=LIVE_ORDER_STATUSES,
        ).count(),
        approvals_waiting=waiting["orders"],
        approval_attendees=waiting["attendees"],
        dietary=get_answer_counts(event, QuestionReport.DIETARY, now=now),
        accessibility=get_answer_counts(event, QuestionReport.ACCESSIBILITY, now=now),
        t_shirts=get_answer_counts(event, QuestionReport.T_SHIRT_SIZE, now=now),
        payments_disputed=Order.objects.filter(
            order_flag_q(OrderFlag.PAYMENT_DISPUTED, now=now), event=event
        ).count(),
    )


def get_dashboard_events(
    *, now: datetime | None = None, limit: int = 3
) -> list[EventReport]:
    """Reports of the events not yet over, soonest first, for the admin dashboard."""
    now = now or timezone.now()
    events = Event.objects.filter(ends_at__gte=now).order_by("starts_at")[:limit]
    return [get_event_report(event, now=now) for event in events]
