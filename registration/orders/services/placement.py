"""Placement: validate, lock, recheck capacity and write the order in one transaction."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.consent.services import request_guardian_consent
from registration.errors import (
    Busy,
    PriceChanged,
)
from registration.models import (
    Answer,
    Attendee,
    AttendeeExtra,
    Event,
    Order,
    OrderStatus,
    PaymentMethod,
    WaitingListEntry,
    WaitingListStatus,
    YouthDetails,
)
from registration.money import format_money
from registration.orders.services.capacity import (
    check_capacity,
    is_lock_timeout,
    lock_capacity,
)
from registration.orders.services.requests import (
    AttendeeData,
    BuyerData,
    _Plan,
    badge_name_of,
)
from registration.orders.services.validation import _validate
from registration.orders.signals import order_placed
from registration.outbox.services import enqueue_message
from registration.privacy.services import PRIVACY_NOTICE_VERSION
from registration.tokens import new_order_code

CARD_HOLD = timedelta(minutes=30)


def _new_code() -> str:
    for _attempt in range(10):
        code = new_order_code()
        if not Order.objects.filter(code=code).exists():
            return code
    raise RuntimeError("Could not find a free order code")  # pragma: no cover


def place_order(
    event: Event,
    *,
    buyer: BuyerData,
    attendees: list[AttendeeData],
    payment_method: str,
    voucher_code: str | None = None,
    member_code: str | None = None,
    expected_total: Decimal | None = None,
    waiting_list_token: str | None = None,
    billing: object | None = None,
    invoice: bool = True,
    by=None,
    now: datetime | None = None,
) -> Order:
    """Validate, price, check capacity under locks and write one order.

    The order is `paid` at once when there is nothing to pay, `awaiting_approval`
    (holding no seats) when a ticket type needs approval, otherwise `pending`
    with a hold until `expires_at` (card: 30 minutes; invoice: the event's
    payment term). Raises OrderInvalid (field errors), PriceChanged (the total
    is not `expected_total`), SoldOut, Busy, or OrderError.
    Queues after commit: the order-received or order-confirmed e-mail, attendee
    notices (paid orders), and each guardian's consent request.
    Sends `signals.order_placed` inside the transaction with `billing` and
    `invoice` as given: a pending invoice order gets its invoice there
    (payments/receivers.py), addressed to `billing` or else to the buyer,
    unless `invoice` is False (the caller invoices it later).
    """
    now = now or timezone.now()
    plan = _validate(
        event,
        buyer=buyer,
        attendees=attendees,
        voucher_code=voucher_code,
        member_code=member_code,
        payment_method=payment_method,
        waiting_list_token=waiting_list_token,
        now=now,
    )
    _raise_if_total_changed(plan, expected_total=expected_total, event=event)
    try:
        with transaction.atomic():
            order = _write_under_locks(
                event,
                plan=plan,
                buyer=buyer,
                billing=billing,
                invoice=invoice,
                by=by,
                now=now,
            )
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise Busy(
                _("Many people are registering right now; please try again.")
            ) from exc
        raise
    return order


def _raise_if_total_changed(
    plan: _Plan, *, expected_total: Decimal | None, event: Event
) -> None:
    """The buyer confirmed a total; a different one now must be confirmed again."""
    if expected_total is not None and Decimal(expected_total) != plan.quote.total:
        raise PriceChanged(
            _("The total is now %(total)s; please confirm it.")
            % {"total": format_money(plan.quote.total, event.currency)},
            total=plan.quote.total,
            expected=Decimal(expected_total),
        )


def _write_under_locks(
    event: Event,
    *,
    plan: _Plan,
    buyer: BuyerData,
    billing,
    invoice: bool,
    by,
    now: datetime,
) -> Order:
    """Inside the caller's transaction: lock, recheck the seats, write, announce."""
    ticket_type_counts = Counter(line.ticket_type.pk for line in plan.quote.attendees)
    extra_counts = Counter(
        extra.pk for line in plan.quote.attendees for extra, _price in line.extras
    )
    locked_ticket_types = lock_capacity(
        event,
        ticket_type_ids=set(ticket_type_counts),
        extra_ids=set(extra_counts),
        voucher_id=plan.voucher.pk if plan.voucher else None,
    )
    if plan.holds_seats:
        check_capacity(
            event,
            ticket_types=locked_ticket_types,
            ticket_type_counts=ticket_type_counts,
            extra_counts=extra_counts,
            voucher=plan.voucher,
            voucher_uses=plan.quote.voucher_uses,
            now=now,
            exclude_offer_id=plan.offer.pk if plan.offer else None,
        )
    order = _write_order(event, plan=plan, buyer=buyer, by=by, now=now)
    order_placed.send(
        sender=Order,
        order=order,
        billing=billing,
        invoice=invoice,
        by=by,
        now=now,
    )
    return order


def _write_order(
    event: Event, *, plan: _Plan, buyer: BuyerData, by, now: datetime
) -> Order:
    """The order, its attendees and their rows, the activity entry and the mail."""
    order = _create_order_row(event, plan=plan, buyer=buyer, by=by, now=now)
    created, extra_rows, answer_rows, youth_created = _create_attendee_rows(
        order, plan=plan, buyer=buyer
    )
    _cache_written_rows(order, created, extra_rows, answer_rows, youth_created)
    if plan.offer is not None:
        WaitingListEntry.objects.filter(pk=plan.offer.pk).update(
            status=WaitingListStatus.ACCEPTED, order=order
        )
    log_activity(
        order,
        action="order.placed",
        actor=by,
        event=event,
        data={
            "status": order.status,
            "total": str(order.total),
            "attendees": len(created),
            "payment_method": order.payment_method,
            "voucher": plan.voucher.code if plan.voucher else None,
        },
    )
    _queue_placement_mail(order, youth_created, now=now)
    return order


def hold_until(event: Event, *, payment_method: str, now: datetime) -> datetime:
    """When a hold taken `now` ends: the event's payment term for an invoice,
    CARD_HOLD otherwise."""
    if payment_method == PaymentMethod.INVOICE:
        return now + timedelta(days=event.payment_term_days)
    return now + CARD_HOLD


def _hold_until(event: Event, plan: _Plan, *, now: datetime) -> datetime | None:
    """A pending order holds its seats for the card hold or the payment term."""
    if plan.status != OrderStatus.PENDING:
        return None
    return hold_until(event, payment_method=plan.payment_method, now=now)


def _create_order_row(
    event: Event, *, plan: _Plan, buyer: BuyerData, by, now: datetime
) -> Order:
    return Order.objects.create(
        event=event,
        code=_new_code(),
        status=plan.status,
        buyer_name=buyer.name.strip(),
        buyer_email=buyer.email.strip(),
        buyer_organisation=buyer.organisation.strip(),
        buyer_phone=buyer.phone.strip(),
        buyer_address=buyer.address.strip(),
        buyer_tax_id=buyer.tax_id.strip(),
        language=buyer.language,
        payment_method=plan.payment_method,
        voucher=plan.voucher,
        member_organisation=plan.member,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        privacy_accepted_at=buyer.privacy_accepted_at,
        privacy_notice_version=(
            PRIVACY_NOTICE_VERSION if buyer.privacy_accepted_at else ""
        ),
        total=plan.quote.total,
        currency=event.currency,
        expires_at=_hold_until(event, plan, now=now),
    )


def _create_attendee_rows(order: Order, *, plan: _Plan, buyer: BuyerData):
    """Attendees in bulk, then their extras, answers and youth details in bulk."""
    rows = []
    for data, line in zip(plan.attendees, plan.quote.attendees, strict=True):
        given, family = data.given_name.strip(), data.family_name.strip()
        rows.append(
            Attendee(
                order=order,
                ticket_type=line.ticket_type,
                badge_name=badge_name_of(data.badge_name, given, family),
                badge_name_latin=data.badge_name_latin.strip(),
                given_name=given,
                family_name=family,
                email=data.email.strip(),
                language=data.language or buyer.language,
                organisation=data.organisation.strip(),
                city=data.city.strip(),
                country=data.country.upper(),
                price=line.price,
                voucher=plan.voucher if line.voucher_applied else None,
            )
        )
    created = Attendee.objects.bulk_create(rows)
    extra_rows = AttendeeExtra.objects.bulk_create(
        AttendeeExtra(attendee=attendee, extra=extra, price=price)
        for attendee, line in zip(created, plan.quote.attendees, strict=True)
        for extra, price in line.extras
    )
    answer_rows = Answer.objects.bulk_create(
        Answer(attendee=attendee, question=question, value=value)
        for attendee, answers in zip(created, plan.answers, strict=True)
        for question, value in answers.items()
    )
    youth_created = YouthDetails.objects.bulk_create(
        YouthDetails(
            attendee=attendee,
            date_of_birth=youth.date_of_birth,
            guardian_name=youth.guardian_name.strip(),
            guardian_email=youth.guardian_email.strip(),
            guardian_phone=youth.guardian_phone.strip(),
        )
        for attendee, youth in zip(created, plan.youth, strict=True)
        if youth is not None
    )
    return created, extra_rows, answer_rows, youth_created


def _queue_placement_mail(order: Order, youth_rows, *, now: datetime) -> None:
    """Confirmation or receipt of the order, and each guardian's consent request."""
    if order.status == OrderStatus.PAID:
        _queue_confirmation(order)
    else:
        enqueue_message(
            "email.order_received",
            payload={"order": order.pk},
            key=f"order_received:{order.pk}",
        )
    for youth in youth_rows:
        if youth.attendee.ticket_type.requires_guardian_consent:
            request_guardian_consent(youth, now=now)


def _cache_written_rows(order, attendees, extra_rows, answer_rows, youth_rows) -> None:
    """Attach what was just written, as a prefetch would, so that reading the new
    order back (the API's answer) needs no queries."""

    def cached(manager, rows):
        queryset = manager.get_queryset()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        return queryset

    youth_by_attendee = {id(youth.attendee): youth for youth in youth_rows}
    for youth in youth_rows:
        YouthDetails.consent.related.set_cached_value(youth, None)
    for attendee in attendees:
        attendee._prefetched_objects_cache = {
            "attendeeextra_set": cached(
                attendee.attendeeextra_set,
                [row for row in extra_rows if row.attendee is attendee],
            ),
            "answers": cached(
                attendee.answers,
                [row for row in answer_rows if row.attendee is attendee],
            ),
        }
        Attendee.youth.related.set_cached_value(
            attendee, youth_by_attendee.get(id(attendee))
        )
    order._prefetched_objects_cache = {"attendees": cached(order.attendees, attendees)}


def _queue_confirmation(order: Order) -> None:
    enqueue_message(
        "email.order_confirmed",
        payload={"order": order.pk},
        key=f"order_confirmed:{order.pk}",
    )
    for attendee_id, email in order.attendees.values_list("pk", "email"):
        if email:
            enqueue_message(
                "email.attendee_notice",
                payload={"attendee": attendee_id},
                key=f"attendee_notice:{attendee_id}",
            )
