"""Reads shared by the public pages, the API and the admin.

Availability follows DESIGN.md: an attendee holds a seat while its order is
paid, or pending with `expires_at` still in the future, computed at the moment
of the read, so an overdue hold frees its seat before the expiry job runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries as country_names

from registration.models import (
    LIVE_ORDER_STATUSES,
    SETTLED_DISPUTE_STATUSES,
    ActivityLog,
    Answer,
    Attendee,
    AttendeeExtra,
    CheckIn,
    CheckInResult,
    CheckInType,
    DisputeStatus,
    Event,
    Extra,
    Invoice,
    InvoiceStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    RefundStatus,
    TicketType,
)
from registration.money import CURRENCY_DECIMALS, format_money
from registration.travel.models import (
    Exchange,
    ExchangeKind,
    Partnership,
    PartnershipKind,
    PartnershipStatus,
    Programme,
)


def seat_holding(now: datetime, prefix: str = "order__") -> Q:
    """Rows whose order holds seats at `now`: paid, or pending and unexpired."""
    return Q(**{f"{prefix}status": OrderStatus.PAID}) | Q(
        **{f"{prefix}status": OrderStatus.PENDING, f"{prefix}expires_at__gt": now}
    )


def consent_missing(prefix: str = "") -> Q:
    """Attendees whose ticket needs guardian consent and who have none signed.

    The query twin of `Attendee.consent_missing`, for filters and counts.
    """
    return Q(**{f"{prefix}ticket_type__requires_guardian_consent": True}) & (
        Q(**{f"{prefix}youth__isnull": True})
        | Q(**{f"{prefix}youth__consent__isnull": True})
    )


def _remaining(capacity: int | None, held: int) -> int | None:
    return None if capacity is None else max(capacity - held, 0)


@dataclass(frozen=True)
class Availability:
    """Seats left at one moment; None means no limit."""

    event_held: int
    event_remaining: int | None
    ticket_types: dict[int, int | None] = field(default_factory=dict)
    extras: dict[int, int | None] = field(default_factory=dict)
    held_by_ticket_type: dict[int, int] = field(default_factory=dict)
    held_by_extra: dict[int, int] = field(default_factory=dict)

    def for_ticket_type(self, ticket_type: TicketType) -> int | None:
        return self.ticket_types.get(ticket_type.pk)

    def for_extra(self, extra: Extra) -> int | None:
        return self.extras.get(extra.pk)


def get_availability(
    event: Event,
    *,
    ticket_types: list[TicketType] | None = None,
    extras: list[Extra] | None = None,
    now: datetime | None = None,
) -> Availability:
    """Seats left for the event, each ticket type and each extra (three queries at most).

    A ticket type that counts toward the event's capacity is limited by both
    its own capacity and what is left of the event's.
    """
    now = now or timezone.now()
    if ticket_types is None:
        ticket_types = list(event.ticket_types.all())
    if extras is None:
        extras = list(event.extras.all())

    held_by_ticket_type = dict(
        Attendee.objects.filter(seat_holding(now), order__event=event)
        .values_list("ticket_type")
        .annotate(held=Count("pk"))
        .order_by()
    )
    counting = {tt.pk for tt in ticket_types if tt.counts_toward_event_capacity}
    event_held = sum(n for pk, n in held_by_ticket_type.items() if pk in counting)
    event_remaining = _remaining(event.capacity, event_held)

    remaining_by_ticket_type: dict[int, int | None] = {}
    for ticket_type in ticket_types:
        own = _remaining(
            ticket_type.capacity, held_by_ticket_type.get(ticket_type.pk, 0)
        )
        if ticket_type.counts_toward_event_capacity and event_remaining is not None:
            own = event_remaining if own is None else min(own, event_remaining)
        remaining_by_ticket_type[ticket_type.pk] = own

    held_by_extra: dict[int, int] = {}
    if any(extra.capacity is not None for extra in extras):
        held_by_extra = dict(
            AttendeeExtra.objects.filter(
                seat_holding(now, prefix="attendee__order__"),
                attendee__order__event=event,
            )
            .values_list("extra")
            .annotate(held=Count("pk"))
            .order_by()
        )
    remaining_by_extra = {
        extra.pk: _remaining(extra.capacity, held_by_extra.get(extra.pk, 0))
        for extra in extras
    }
    return Availability(
        event_held=event_held,
        event_remaining=event_remaining,
        ticket_types=remaining_by_ticket_type,
        extras=remaining_by_extra,
        held_by_ticket_type=held_by_ticket_type,
        held_by_extra=held_by_extra,
    )


class SalesState(StrEnum):
    OPEN = "open"
    NOT_YET_OPEN = "not_yet_open"
    CLOSED = "closed"
    SOLD_OUT = "sold_out"


@dataclass(frozen=True)
class TicketOffer:
    """One row of an event page's ticket table."""

    ticket_type: TicketType
    remaining: int | None
    state: SalesState

    @property
    def on_sale(self) -> bool:
        return self.state == SalesState.OPEN


@dataclass(frozen=True)
class EventSales:
    """What an event page shows: the ticket table and whether one may register."""

    event: Event
    state: SalesState
    offers: list[TicketOffer]
    extras: list[tuple[Extra, int | None]]
    availability: Availability

    @property
    def can_register(self) -> bool:
        return self.state == SalesState.OPEN

    @property
    def reason(self) -> str:
        """Why registration is not possible, in words, or an empty string."""
        if self.state == SalesState.NOT_YET_OPEN:
            return _("Registration has not opened yet.")
        if self.state == SalesState.CLOSED:
            return _("Registration is closed.")
        if self.state == SalesState.SOLD_OUT:
            return _("Sold out.")
        return ""


def _window_state(
    now: datetime, opens: datetime | None, closes: datetime | None
) -> SalesState:
    if opens and now < opens:
        return SalesState.NOT_YET_OPEN
    if closes and now >= closes:
        return SalesState.CLOSED
    return SalesState.OPEN


def get_event_sales(event: Event, *, now: datetime | None = None) -> EventSales:
    """The public ticket table: visible ticket types with price, seats left and state.

    Ticket types hidden unless a voucher unlocks them are left out; members-only
    types are listed (a member code unlocks them at checkout).
    """
    now = now or timezone.now()
    ticket_types = list(event.ticket_types.all())
    extras = list(event.extras.all())
    availability = get_availability(
        event, ticket_types=ticket_types, extras=extras, now=now
    )
    event_state = _window_state(
        now, event.registration_opens_at, event.registration_closes_at
    )

    offers = []
    for ticket_type in ticket_types:
        if ticket_type.hidden_unless_voucher:
            continue
        remaining = availability.for_ticket_type(ticket_type)
        state = event_state
        if state == SalesState.OPEN:
            state = _window_state(
                now, ticket_type.available_from, ticket_type.available_until
            )
        if state == SalesState.OPEN and remaining == 0:
            state = SalesState.SOLD_OUT
        offers.append(TicketOffer(ticket_type, remaining, state))

    if event_state != SalesState.OPEN:
        state = event_state
    elif any(offer.on_sale for offer in offers):
        state = SalesState.OPEN
    elif not offers and ticket_types:
        # Only voucher-unlocked types (an invited-speakers event): open to code holders.
        state = SalesState.OPEN
    elif (
        offers
        and all(
            offer.state in {SalesState.SOLD_OUT, SalesState.CLOSED} for offer in offers
        )
        and any(offer.state == SalesState.SOLD_OUT for offer in offers)
    ):
        state = SalesState.SOLD_OUT
    elif any(offer.state == SalesState.NOT_YET_OPEN for offer in offers):
        state = SalesState.NOT_YET_OPEN
    else:
        state = SalesState.CLOSED
    return EventSales(
        event=event,
        state=state,
        offers=offers,
        extras=[(extra, availability.for_extra(extra)) for extra in extras],
        availability=availability,
    )


def get_offered_places(
    event: Event, *, now: datetime | None = None, exclude_entry_id: int | None = None
) -> dict[int, int]:
    """Seats reserved by open waiting-list offers, by ticket type id.

    Those seats are free in `get_availability` but only the person offered
    them may buy them until the offer runs out.
    """
    from django.db.models import Sum

    from registration.models import WaitingListEntry, WaitingListStatus

    now = now or timezone.now()
    offers = WaitingListEntry.objects.filter(
        event=event, status=WaitingListStatus.OFFERED, offer_expires_at__gt=now
    )
    if exclude_entry_id is not None:
        offers = offers.exclude(pk=exclude_entry_id)
    return dict(
        offers.values_list("ticket_type").annotate(places=Sum("quantity")).order_by()
    )


def get_seats_for_sale(
    event: Event,
    *,
    ticket_types: list[TicketType] | None = None,
    extras: list[Extra] | None = None,
    now: datetime | None = None,
    exclude_offer_id: int | None = None,
) -> Availability:
    """Like `get_availability`, less the seats held for waiting-list offers.

    What placement checks under its locks and what the API shows as seats left.
    """
    now = now or timezone.now()
    if ticket_types is None:
        ticket_types = list(event.ticket_types.all())
    availability = get_availability(
        event, ticket_types=ticket_types, extras=extras, now=now
    )
    offered = get_offered_places(event, now=now, exclude_entry_id=exclude_offer_id)
    if not offered:
        return availability
    counting = {tt.pk for tt in ticket_types if tt.counts_toward_event_capacity}
    event_held = availability.event_held + sum(
        n for pk, n in offered.items() if pk in counting
    )
    event_remaining = _remaining(event.capacity, event_held)
    held_by_ticket_type = dict(availability.held_by_ticket_type)
    for pk, n in offered.items():
        held_by_ticket_type[pk] = held_by_ticket_type.get(pk, 0) + n
    remaining_by_ticket_type: dict[int, int | None] = {}
    for ticket_type in ticket_types:
        own = _remaining(
            ticket_type.capacity, held_by_ticket_type.get(ticket_type.pk, 0)
        )
        if ticket_type.counts_toward_event_capacity and event_remaining is not None:
            own = event_remaining if own is None else min(own, event_remaining)
        remaining_by_ticket_type[ticket_type.pk] = own
    return Availability(
        event_held=event_held,
        event_remaining=event_remaining,
        ticket_types=remaining_by_ticket_type,
        extras=availability.extras,
        held_by_ticket_type=held_by_ticket_type,
        held_by_extra=availability.held_by_extra,
    )


@dataclass(frozen=True)
class CatalogueItem:
    """A ticket type or extra with its seats left for sale and its sales state."""

    item: TicketType | Extra
    remaining: int | None
    state: SalesState


def get_event_catalogue(
    event: Event, *, now: datetime | None = None
) -> tuple[list[CatalogueItem], list[CatalogueItem], Availability]:
    """Every ticket type (hidden ones too) and extra with seats left, for staff and the API.

    Seats left exclude places held for waiting-list offers (`get_seats_for_sale`).
    """
    now = now or timezone.now()
    ticket_types = list(event.ticket_types.all())
    extras = list(event.extras.all())
    seats = get_seats_for_sale(event, ticket_types=ticket_types, extras=extras, now=now)
    event_state = _window_state(
        now, event.registration_opens_at, event.registration_closes_at
    )

    def state_of(item, remaining):
        state = event_state
        if state == SalesState.OPEN:
            state = _window_state(now, item.available_from, item.available_until)
        if state == SalesState.OPEN and remaining == 0:
            state = SalesState.SOLD_OUT
        return state

    tickets = [
        CatalogueItem(
            tt, seats.for_ticket_type(tt), state_of(tt, seats.for_ticket_type(tt))
        )
        for tt in ticket_types
    ]
    extra_items = [
        CatalogueItem(
            extra, seats.for_extra(extra), state_of(extra, seats.for_extra(extra))
        )
        for extra in extras
    ]
    return tickets, extra_items, seats


# --- Staff lists: flagged orders, checked-in attendees -----------------------------


class OrderFlag(StrEnum):
    """Why an order needs a look from staff (the Orders screen's "Flagged" filter).

    - `consent_missing`: a live order has an attendee whose ticket needs guardian
      consent and who has none signed;
    - `awaiting_approval`: an application waits for a decision;
    - `invoice_overdue`: an issued invoice is unpaid after its due date;
    - `checkin_conflict`: a device admitted an attendee offline whom the server
      refused on upload (DESIGN invariant 6: reported, never prevented);
    - `payment_disputed`: a card payment has a dispute (chargeback or inquiry)
      that is open, or lost while the order still admits its people (neither
      canceled nor its tickets blocked); a won or closed one is not flagged;
    - `amount_mismatch`: Stripe charged another amount or currency than the
      order's total (the order was not marked paid), unless it is canceled.
    """

    CONSENT_MISSING = "consent_missing"
    AWAITING_APPROVAL = "awaiting_approval"
    INVOICE_OVERDUE = "invoice_overdue"
    CHECKIN_CONFLICT = "checkin_conflict"
    PAYMENT_DISPUTED = "payment_disputed"
    AMOUNT_MISMATCH = "amount_mismatch"


ORDER_FLAG_LABELS = {
    OrderFlag.CONSENT_MISSING: _("Consent missing"),
    OrderFlag.AWAITING_APPROVAL: _("Awaiting approval"),
    OrderFlag.INVOICE_OVERDUE: _("Invoice overdue"),
    OrderFlag.CHECKIN_CONFLICT: _("Check-in conflict"),
    OrderFlag.PAYMENT_DISPUTED: _("Payment disputed"),
    OrderFlag.AMOUNT_MISMATCH: _("Amount charged differs"),
}


def _disputed_payments() -> QuerySet:
    """Payments with a dispute that is not settled in our favour (or closed)."""
    return Payment.objects.filter(disputed_at__isnull=False).exclude(
        dispute_status__in=SETTLED_DISPUTE_STATUSES
    )


def _mismatched_payments() -> QuerySet:
    return Payment.objects.exclude(charged_currency="")


def _order_flag_expressions(now: datetime) -> dict[str, Q | Exists]:
    today = timezone.localdate(now)
    disputed = _disputed_payments().filter(order=OuterRef("pk"))
    # The cheap column test first: an OR stops at the first true term.
    return {
        OrderFlag.AWAITING_APPROVAL: Q(status=OrderStatus.AWAITING_APPROVAL),
        OrderFlag.CONSENT_MISSING: Q(status__in=LIVE_ORDER_STATUSES)
        & Q(Exists(Attendee.objects.filter(consent_missing(), order=OuterRef("pk")))),
        OrderFlag.INVOICE_OVERDUE: Exists(
            Invoice.objects.filter(
                order=OuterRef("pk"), status=InvoiceStatus.ISSUED, due_on__lt=today
            )
        ),
        OrderFlag.CHECKIN_CONFLICT: Exists(
            CheckIn.objects.filter(attendee__order=OuterRef("pk"), forced=True).exclude(
                result=CheckInResult.OK
            )
        ),
        OrderFlag.PAYMENT_DISPUTED: Q(
            Exists(disputed.exclude(dispute_status=DisputeStatus.LOST))
        )
        | (
            Q(tickets_blocked=False)
            & ~Q(status=OrderStatus.CANCELED)
            & Q(Exists(disputed.filter(dispute_status=DisputeStatus.LOST)))
        ),
        OrderFlag.AMOUNT_MISMATCH: ~Q(status=OrderStatus.CANCELED)
        & Q(Exists(_mismatched_payments().filter(order=OuterRef("pk")))),
    }


def order_flag_q(flag: str | None = None, *, now: datetime | None = None) -> Q:
    """Orders carrying `flag`, or any flag when `flag` is None, as a filter.

    Written as `pk IN (...)` rather than correlated EXISTS: over every order
    (the filter and its count) PostgreSQL then hashes each subquery once.
    """
    today = timezone.localdate(now or timezone.now())
    conditions = {
        OrderFlag.AWAITING_APPROVAL: Q(status=OrderStatus.AWAITING_APPROVAL),
        OrderFlag.CONSENT_MISSING: Q(
            status__in=LIVE_ORDER_STATUSES,
            pk__in=Attendee.objects.filter(consent_missing()).values("order_id"),
        ),
        OrderFlag.INVOICE_OVERDUE: Q(
            pk__in=Invoice.objects.filter(
                status=InvoiceStatus.ISSUED, due_on__lt=today
            ).values("order_id")
        ),
        OrderFlag.CHECKIN_CONFLICT: Q(
            pk__in=CheckIn.objects.filter(forced=True)
            .exclude(result=CheckInResult.OK)
            .values("attendee__order_id")
        ),
        OrderFlag.PAYMENT_DISPUTED: Q(
            pk__in=_disputed_payments()
            .exclude(dispute_status=DisputeStatus.LOST)
            .values("order_id")
        )
        | (
            Q(
                tickets_blocked=False,
                pk__in=_disputed_payments()
                .filter(dispute_status=DisputeStatus.LOST)
                .values("order_id"),
            )
            & ~Q(status=OrderStatus.CANCELED)
        ),
        OrderFlag.AMOUNT_MISMATCH: Q(pk__in=_mismatched_payments().values("order_id"))
        & ~Q(status=OrderStatus.CANCELED),
    }
    chosen = [conditions[OrderFlag(flag)]] if flag else list(conditions.values())
    condition = chosen[0]
    for more in chosen[1:]:
        condition |= more
    return condition


def with_order_flags(orders: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """Annotate `flag_<name>` booleans on each order, and what `order_flag_reasons`
    needs to say why: one query for the whole page."""
    expressions = _order_flag_expressions(now or timezone.now())
    annotations = {}
    for flag, expression in expressions.items():
        if isinstance(expression, Q):
            expression = ExpressionWrapper(expression, output_field=BooleanField())
        annotations[f"flag_{flag}"] = expression
    disputed = _disputed_payments().filter(order=OuterRef("pk")).order_by("-pk")
    mismatched = _mismatched_payments().filter(order=OuterRef("pk")).order_by("-pk")
    annotations.update(
        flag_dispute_reason=Subquery(disputed.values("dispute_reason")[:1]),
        flag_dispute_status=Subquery(disputed.values("dispute_status")[:1]),
        flag_charged_amount=Subquery(mismatched.values("charged_amount")[:1]),
        flag_charged_currency=Subquery(mismatched.values("charged_currency")[:1]),
    )
    return orders.annotate(**annotations)


def order_flags(order) -> list[str]:
    """The flags of an order annotated by `with_order_flags`, in a fixed order."""
    return [flag for flag in OrderFlag if getattr(order, f"flag_{flag}", False)]


def order_flag_reasons(order) -> dict[str, str]:
    """Why, for the flags that carry a reason (an order from `with_order_flags`):
    the dispute's reason and status, or what Stripe charged."""
    reasons = {}
    if getattr(order, "flag_payment_disputed", False):
        status = order.flag_dispute_status or ""
        reason = (order.flag_dispute_reason or "-").replace("_", " ")
        reasons[OrderFlag.PAYMENT_DISPUTED] = (
            _("%(reason)s, %(status)s")
            % {"reason": reason, "status": DisputeStatus(status).label}
            if status in DisputeStatus.values
            else reason
        )
    if getattr(order, "flag_amount_mismatch", False):
        currency = order.flag_charged_currency or ""
        amount = order.flag_charged_amount
        charged = (
            format_money(amount, currency)
            if amount is not None and currency in CURRENCY_DECIMALS
            else currency
        )
        reasons[OrderFlag.AMOUNT_MISMATCH] = _(
            "Stripe charged %(charged)s; the order total is %(total)s."
        ) % {"charged": charged, "total": format_money(order.total, order.currency)}
    return reasons


def order_flag_items(order) -> list[tuple[str, str, str]]:
    """(flag, label, reason or "") of an order from `with_order_flags`."""
    reasons = order_flag_reasons(order)
    return [
        (flag, ORDER_FLAG_LABELS[flag], reasons.get(flag, ""))
        for flag in order_flags(order)
    ]


def checked_in() -> Exists:
    """Attendees admitted at least once at any door of their event."""
    return Exists(
        CheckIn.objects.filter(
            attendee=OuterRef("pk"),
            result=CheckInResult.OK,
            type=CheckInType.ENTRY,
        )
    )


def staff_order_list(*, now: datetime | None = None) -> QuerySet:
    """The Orders screen's rows: the event joined, the flags annotated."""
    return with_order_flags(Order.objects.select_related("event"), now=now)


def staff_attendee_list() -> QuerySet:
    """The Attendees screen's rows: order, event, ticket type, delegation and the
    consent flag's data joined, and `is_checked_in` annotated."""
    return Attendee.objects.select_related(
        "order__event", "ticket_type", "delegation", "youth__consent"
    ).annotate(is_checked_in=checked_in())


def staff_order_detail(order: Order, *, with_youth: bool) -> dict:
    """What an order's staff page shows, in a fixed number of queries.

    `attendees` (ticket type, delegation, extras, answers, consent and
    `is_checked_in`), `payments`, `refunds`, `invoice` (with its credit note),
    `money` (received and refunded) and `activity` (the ActivityLog of the
    order and its attendees, newest first). Youth details and the consent
    text are joined only `with_youth`; the consent flag needs the signature
    row alone.
    """
    related = ["ticket_type", "delegation"]
    related.append("youth__consent__consent_text" if with_youth else "youth__consent")
    attendees = list(
        order.attendees.select_related(*related)
        .prefetch_related(
            Prefetch(
                "attendeeextra_set",
                queryset=AttendeeExtra.objects.select_related("extra").order_by(
                    "extra__sort_order", "pk"
                ),
            ),
            Prefetch(
                "answers",
                queryset=Answer.objects.select_related("question").order_by(
                    "question__sort_order", "pk"
                ),
            ),
        )
        .annotate(is_checked_in=checked_in())
        .order_by("pk")
    )
    payments = list(order.payments.order_by("pk"))
    refunds = list(order.refunds.order_by("pk"))
    invoice = (
        Invoice.objects.filter(order=order).prefetch_related("credit_notes").first()
    )
    types = ContentType.objects.get_for_models(Order, Attendee)
    activity = list(
        ActivityLog.objects.filter(
            Q(content_type=types[Order], object_id=str(order.pk))
            | Q(
                content_type=types[Attendee],
                object_id__in=[str(a.pk) for a in attendees],
            )
        )
        .select_related("actor", "content_type")
        .order_by("-created_at", "-pk")[:200]
    )
    paid = sum(
        (p.amount for p in payments if p.status == PaymentStatus.SUCCEEDED),
        Decimal("0"),
    )
    refunded = sum(
        (r.amount for r in refunds if r.status == RefundStatus.SUCCEEDED),
        Decimal("0"),
    )
    return {
        "attendees": attendees,
        "payments": payments,
        "refunds": refunds,
        "invoice": invoice,
        "money": {"paid": paid, "refunded": refunded},
        "activity": activity,
    }


# --- Reports -------------------------------------------------------------------------
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
    from registration.models import Order

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
        Payment,
        PaymentMethod,
        PaymentStatus,
        Refund,
        RefundStatus,
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
    from registration.models import Answer, QuestionKind

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
    from registration.models import Invoice, InvoiceStatus, Order, QuestionReport

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


# --- Network: the partnership directory and impact figures --------------------------

# What the public directory may read of a partnership: never contacts, never the
# agreement file, never staff notes.
PUBLIC_PARTNERSHIP_FIELDS = (
    "id",
    "kind",
    "local_name",
    "local_region",
    "local_country",
    "partner_name",
    "partner_region",
    "partner_country",
    "signed_on",
    "description",
)


def get_partnership_directory(
    *, country: str = "", state: str = "", kind: str = ""
) -> list[Partnership]:
    """Active partnerships for the public directory, with their programmes.

    `country` matches either side (a US city or its partner abroad); `state` is
    the local state or region. Only public fields are loaded.
    """
    partnerships = Partnership.objects.filter(status=PartnershipStatus.ACTIVE).only(
        *PUBLIC_PARTNERSHIP_FIELDS
    )
    if country:
        partnerships = partnerships.filter(
            Q(local_country=country) | Q(partner_country=country)
        )
    if state:
        partnerships = partnerships.filter(local_region__iexact=state)
    if kind:
        partnerships = partnerships.filter(kind=kind)
    return list(
        partnerships.prefetch_related(
            Prefetch("programmes", queryset=Programme.objects.only("id", "name"))
        ).order_by("local_name", "partner_name", "pk")
    )


@dataclass(frozen=True)
class DirectoryChoices:
    """The values the directory's filters offer: only those that find something."""

    countries: list[tuple[str, str]]
    states: list[str]
    kinds: list[tuple[str, str]]


def get_directory_choices() -> DirectoryChoices:
    """Countries (either side), local states and kinds of the active partnerships."""
    rows = (
        Partnership.objects.filter(status=PartnershipStatus.ACTIVE)
        .values_list("local_country", "partner_country", "local_region", "kind")
        .distinct()
    )
    codes, states, kinds = set(), set(), set()
    for local_country, partner_country, region, kind in rows:
        codes.update((local_country, partner_country))
        if region:
            states.add(region)
        kinds.add(kind)
    countries = sorted(
        ((code, str(country_names.name(code) or code)) for code in codes if code),
        key=lambda pair: pair[1],
    )
    return DirectoryChoices(
        countries=countries,
        states=sorted(states, key=str.casefold),
        kinds=[
            (value, label) for value, label in PartnershipKind.choices if value in kinds
        ],
    )


@dataclass(frozen=True)
class AidTotal:
    """Humanitarian aid in one currency; amounts in different currencies never add up."""

    currency: str
    amount: Decimal

    @property
    def display(self) -> str:
        if self.currency in CURRENCY_DECIMALS:
            return format_money(self.amount, self.currency)
        return f"{self.currency} {self.amount:,.2f}".strip()


@dataclass(frozen=True)
class KindImpact:
    kind: str
    label: str
    exchanges: int
    participants: int
    volunteers: int
    jobs_created: int


@dataclass(frozen=True)
class NetworkImpact:
    """Figures summed from the Exchange records that start within the year range."""

    exchanges: int
    participants: int
    volunteers: int
    jobs_created: int
    aid: list[AidTotal]
    by_kind: list[KindImpact]
    year_from: int | None = None
    year_to: int | None = None


def _exchanges_in_years(year_from: int | None, year_to: int | None):
    exchanges = Exchange.objects.all()
    if year_from is not None:
        exchanges = exchanges.filter(starts_on__year__gte=year_from)
    if year_to is not None:
        exchanges = exchanges.filter(starts_on__year__lte=year_to)
    return exchanges


def get_network_impact(
    *, year_from: int | None = None, year_to: int | None = None
) -> NetworkImpact:
    """Volunteers, events, jobs, people and aid (per currency) of the exchanges.

    Two queries: the per-kind sums (the totals are their sums) and the aid per
    currency.
    """
    exchanges = _exchanges_in_years(year_from, year_to)
    rows = (
        exchanges.order_by()
        .values("kind")
        .annotate(
            n=Count("id"),
            people=Sum("participants"),
            helpers=Sum("volunteers"),
            jobs=Sum("jobs_created"),
        )
    )
    by_value = {row["kind"]: row for row in rows}
    by_kind = [
        KindImpact(
            kind=value,
            label=str(label),
            exchanges=by_value[value]["n"],
            participants=by_value[value]["people"] or 0,
            volunteers=by_value[value]["helpers"] or 0,
            jobs_created=by_value[value]["jobs"] or 0,
        )
        for value, label in ExchangeKind.choices
        if value in by_value
    ]
    aid = [
        AidTotal(currency=row["aid_currency"], amount=row["total"])
        for row in exchanges.filter(aid_value__isnull=False)
        .order_by()
        .values("aid_currency")
        .annotate(total=Sum("aid_value"))
        .order_by("aid_currency")
    ]
    return NetworkImpact(
        exchanges=sum(k.exchanges for k in by_kind),
        participants=sum(k.participants for k in by_kind),
        volunteers=sum(k.volunteers for k in by_kind),
        jobs_created=sum(k.jobs_created for k in by_kind),
        aid=aid,
        by_kind=by_kind,
        year_from=year_from,
        year_to=year_to,
    )


def get_exchange_years() -> tuple[int, int] | None:
    """The first and last year any exchange starts in, or None without exchanges."""
    bounds = Exchange.objects.aggregate(first=Min("starts_on"), last=Max("starts_on"))
    if bounds["first"] is None:
        return None
    return bounds["first"].year, bounds["last"].year


@dataclass(frozen=True)
class ProgrammeProgress:
    """A programme's count of active partnerships signed by its target date."""

    programme: Programme
    partnerships: list[Partnership]
    target: int | None

    @property
    def achieved(self) -> int:
        return len(self.partnerships)

    @property
    def percent(self) -> int:
        """Share of the target reached, 0–100 (a bar cannot run past full)."""
        if not self.target:
            return 100 if self.achieved else 0
        return min(100, self.achieved * 100 // self.target)


def get_programme_progress(programme: Programme) -> ProgrammeProgress:
    """Active partnerships in the programme signed on or before its target date."""
    partnerships = programme.partnerships.filter(
        status=PartnershipStatus.ACTIVE, signed_on__isnull=False
    )
    if programme.target_date:
        partnerships = partnerships.filter(signed_on__lte=programme.target_date)
    return ProgrammeProgress(
        programme=programme,
        partnerships=list(
            partnerships.only(*PUBLIC_PARTNERSHIP_FIELDS).order_by(
                "signed_on", "local_name"
            )
        ),
        target=programme.target_count,
    )


# --- Delegations and travel -------------------------------------------------------


def get_delegation_members(delegation) -> list[Attendee]:
    """The delegation's members with their order, ticket, consent and travel, in a
    fixed number of queries. `has_visa_details` says whether passport details are
    on file without loading them."""
    from django.db.models import Exists, OuterRef

    from registration.models import VisaDetails

    return list(
        Attendee.objects.filter(delegation=delegation)
        .select_related("order", "ticket_type", "youth__consent", "travel")
        .annotate(
            has_visa_details=Exists(VisaDetails.objects.filter(attendee=OuterRef("pk")))
        )
        .order_by("family_name", "given_name", "pk")
    )


def get_delegation_list(event: Event | None = None):
    """Delegations with their member counts, for the admin and the API."""
    from registration.models import Delegation

    queryset = Delegation.objects.select_related("event", "partnership").annotate(
        member_count=Count("members", distinct=True)
    )
    if event is not None:
        queryset = queryset.filter(event=event)
    return queryset.order_by("event__starts_at", "name")


def get_travel_plans(event: Event | None = None):
    """Travel plans of registered attendees (live orders), with who they belong to."""
    from registration.models import LIVE_ORDER_STATUSES, TravelPlan

    queryset = TravelPlan.objects.select_related(
        "attendee__order__event", "attendee__delegation", "attendee__ticket_type"
    ).filter(attendee__order__status__in=LIVE_ORDER_STATUSES)
    if event is not None:
        queryset = queryset.filter(attendee__order__event=event)
    return queryset.order_by("arrival_at", "attendee__family_name", "pk")


@dataclass
class ManifestRow:
    """One traveller's arrival or departure, at its airport's local time."""

    plan: object
    attendee: Attendee
    at: datetime  # the actual instant
    local: datetime  # the same instant in the airport's zone
    airport: str
    carrier: str
    number: str

    @property
    def zone_name(self) -> str:
        return self.local.tzname() or ""

    @property
    def clock(self) -> str:
        """ "23:30", local at the airport (the `date` filter would convert to UTC)."""
        return self.local.strftime("%H:%M")


@dataclass
class ManifestSlot:
    """The travellers at one airport within one local hour."""

    airport: str
    hour: int
    rows: list[ManifestRow] = field(default_factory=list)


@dataclass
class ManifestDay:
    day: object  # a date, local to each slot's airport
    slots: list[ManifestSlot] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(slot.rows) for slot in self.slots)


def get_travel_manifest(
    event: Event, *, direction: str = "arrival", pickup_only: bool = False
) -> list[ManifestDay]:
    """Arrivals (or departures) by local day, hour and airport, for pickups.

    Each time is shown in its own airport's zone; a row belongs to the day and
    hour it is at that airport. Days run in calendar order; within a day, slots
    and rows run by the actual instant, so an arrival at 23:30 in Los Angeles
    comes before one at 23:00 in Honolulu (three hours later in real time).
    Two queries whatever the number of travellers.
    """
    from registration.travel.airports import airport_zone

    if direction not in {"arrival", "departure"}:
        raise ValueError(direction)
    plans = get_travel_plans(event).filter(**{f"{direction}_at__isnull": False})
    if pickup_only:
        plans = plans.filter(pickup_needed=True)
    plans = plans.order_by(f"{direction}_at", "attendee__family_name", "pk")
    days: dict = {}
    for plan in plans:
        at = getattr(plan, f"{direction}_at")
        airport = getattr(plan, f"{direction}_airport")
        local = at.astimezone(airport_zone(airport) or event.tz)
        row = ManifestRow(
            plan=plan,
            attendee=plan.attendee,
            at=at,
            local=local,
            airport=airport,
            carrier=getattr(plan, f"{direction}_carrier"),
            number=getattr(plan, f"{direction}_number"),
        )
        slots = days.setdefault(local.date(), {})
        slot = slots.setdefault(
            (airport, local.hour), ManifestSlot(airport=airport, hour=local.hour)
        )
        slot.rows.append(row)
    return [
        ManifestDay(day=day, slots=list(days[day].values())) for day in sorted(days)
    ]


@dataclass
class RoomingGroup:
    lodging_kind: str
    lodging_name: str
    plans: list = field(default_factory=list)


def get_rooming_list(event: Event) -> list[RoomingGroup]:
    """Who sleeps where: travel plans by hotel or host family, then by name."""
    plans = (
        get_travel_plans(event)
        .exclude(lodging_kind="")
        .order_by(
            "lodging_kind",
            "lodging_name",
            "attendee__family_name",
            "attendee__given_name",
            "pk",
        )
    )
    groups: dict[tuple[str, str], RoomingGroup] = {}
    for plan in plans:
        key = (plan.lodging_kind, plan.lodging_name.strip())
        groups.setdefault(key, RoomingGroup(*key)).plans.append(plan)
    return list(groups.values())
