from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registration.catalogue.selectors import get_availability
from registration.errors import (
    InvalidTransition,
    OrderError,
    OrderInvalid,
    PriceChanged,
    SoldOut,
)
from registration.models import (
    ActivityLog,
    Attendee,
    Order,
    OrderStatus,
    PaymentMethod,
    QuestionKind,
)
from registration.orders import services as orders
from registration.tokens import SECRET_LENGTH
from tests.factories import (
    AttendeeFactory,
    ExtraFactory,
    OrderFactory,
    QuestionFactory,
    TicketTypeFactory,
    UserFactory,
    VoucherFactory,
)
from tests.factories.registration_more import MemberOrganisationFactory
from tests.registration.conftest import attendee, buyer


def place(event, attendees, **kwargs):
    kwargs.setdefault("payment_method", PaymentMethod.CARD)
    return orders.place_order(event, buyer=buyer(), attendees=attendees, **kwargs)


def field_codes(raised) -> list[tuple[str, str]]:
    return [(error.field, error.code) for error in raised.value.errors]


# --- Placement ------------------------------------------------------------------------


def test_place_order_by_card_holds_seats_for_30_minutes(event, delegate):
    now = timezone.now()
    order = place(
        event, [attendee(delegate), attendee(delegate, given_name="Jo")], now=now
    )
    assert order.status == OrderStatus.PENDING
    assert order.payment_method == PaymentMethod.CARD
    assert order.expires_at == now + timedelta(minutes=30)
    assert order.total == Decimal("900.00")
    assert order.currency == "USD"
    assert len(order.code) == 6
    assert len(order.secret) == SECRET_LENGTH
    assert get_availability(event, now=now).held_by_ticket_type == {delegate.pk: 2}


def test_place_order_by_invoice_holds_for_the_payment_term(event, delegate):
    event.payment_term_days = 21
    event.save()
    now = timezone.now()
    event.registration_opens_at = now - timedelta(days=30)
    event.save()
    order = place(
        event, [attendee(delegate)], payment_method=PaymentMethod.INVOICE, now=now
    )
    assert order.status == OrderStatus.PENDING
    assert order.expires_at == now + timedelta(days=21)


def test_place_order_with_nothing_to_pay_is_paid_at_once(event):
    free = TicketTypeFactory(event=event, price=Decimal("0.00"))
    order = place(event, [attendee(free)])
    assert order.status == OrderStatus.PAID
    assert order.payment_method == PaymentMethod.FREE
    assert order.expires_at is None


def test_place_order_refuses_free_method_when_there_is_something_to_pay(
    event, delegate
):
    with pytest.raises(OrderInvalid) as raised:
        place(event, [attendee(delegate)], payment_method=PaymentMethod.FREE)
    assert field_codes(raised) == [("payment_method", "payment_required")]


def test_place_order_writes_attendees_extras_and_answers(event, delegate):
    gala = ExtraFactory(event=event, name="Gala dinner", price=Decimal("85.00"))
    diet = QuestionFactory(
        event=event,
        label="Diet",
        kind=QuestionKind.CHOICE,
        choices="None\nVegetarian\nVegan",
    )
    order = place(
        event,
        [
            attendee(
                delegate,
                badge_name="Mina P.",
                extras=[gala.pk],
                answers={diet.pk: "Vegan"},
                country="kr",
                language="fr",
            ),
        ],
    )
    person = order.attendees.get()
    assert (person.badge_name, person.given_name, person.family_name) == (
        "Mina P.",
        "Mina",
        "Park",
    )
    assert (person.country.code, person.language, person.price) == (
        "KR",
        "fr",
        Decimal("450.00"),
    )
    assert [(e.extra.name, e.price) for e in person.attendeeextra_set.all()] == [
        ("Gala dinner", Decimal("85.00"))
    ]
    assert [(a.question.label, a.value) for a in person.answers.all()] == [
        ("Diet", "Vegan")
    ]
    assert order.total == Decimal("535.00")


def test_badge_name_defaults_to_given_and_family_name(event, delegate):
    order = place(event, [attendee(delegate, badge_name="")])
    assert order.attendees.get().badge_name == "Mina Park"


def test_place_order_logs_the_placement(event, delegate):
    staff = UserFactory(is_staff=True)
    order = place(event, [attendee(delegate)], by=staff)
    entry = ActivityLog.objects.get(action="order.placed")
    assert (entry.object_id, entry.actor, entry.event) == (str(order.pk), staff, event)
    assert entry.data == {
        "status": "pending",
        "total": "450.00",
        "attendees": 1,
        "payment_method": "card",
        "voucher": None,
    }
    assert order.created_by == staff


def test_place_order_names_every_invalid_field(event, delegate):
    question = QuestionFactory(event=event, required=True)
    with pytest.raises(OrderInvalid) as raised:
        orders.place_order(
            event,
            buyer=buyer(name=" ", email="not-an-address"),
            attendees=[
                attendee(delegate),
                attendee(delegate, given_name="", email="x@"),
            ],
            payment_method="cheque",
        )
    assert field_codes(raised) == [
        ("buyer.name", "required"),
        ("buyer.email", "invalid"),
        ("payment_method", "invalid_choice"),
        (f"attendees.0.answers.{question.pk}", "required"),
        ("attendees.1.given_name", "required"),
        ("attendees.1.email", "invalid"),
        (f"attendees.1.answers.{question.pk}", "required"),
    ]


def test_place_order_refuses_ticket_type_of_another_event(event):
    foreign = TicketTypeFactory()
    with pytest.raises(OrderInvalid) as raised:
        place(event, [attendee(foreign)])
    assert field_codes(raised) == [("attendees.0.ticket_type", "invalid_choice")]


def test_place_order_refuses_an_empty_order(event):
    with pytest.raises(OrderInvalid) as raised:
        place(event, [])
    assert field_codes(raised) == [("attendees", "required")]


def test_place_order_validates_answers_by_kind(event, delegate):
    number = QuestionFactory(event=event, kind=QuestionKind.NUMBER)
    day = QuestionFactory(event=event, kind=QuestionKind.DATE)
    yes_no = QuestionFactory(event=event, kind=QuestionKind.YES_NO)
    many = QuestionFactory(
        event=event, kind=QuestionKind.MULTIPLE_CHOICE, choices="A\nB\nC"
    )
    with pytest.raises(OrderInvalid) as raised:
        place(
            event,
            [
                attendee(
                    delegate,
                    answers={
                        number.pk: "lots",
                        day.pk: "31/12/2026",
                        yes_no.pk: "maybe",
                        many.pk: ["A", "D"],
                        999999: "stray",
                    },
                )
            ],
        )
    assert field_codes(raised) == [
        (f"attendees.0.answers.{number.pk}", "invalid"),
        (f"attendees.0.answers.{day.pk}", "invalid"),
        (f"attendees.0.answers.{yes_no.pk}", "invalid_choice"),
        (f"attendees.0.answers.{many.pk}", "invalid_choice"),
        ("attendees.0.answers.999999", "unknown_question"),
    ]
    order = place(
        event,
        [
            attendee(
                delegate,
                answers={
                    number.pk: "3",
                    day.pk: "2026-12-31",
                    yes_no.pk: True,
                    many.pk: ["A", "C"],
                },
            )
        ],
    )
    values = {a.question_id: a.value for a in order.attendees.get().answers.all()}
    assert values == {
        number.pk: "3",
        day.pk: "2026-12-31",
        yes_no.pk: "yes",
        many.pk: "A\nC",
    }


def test_questions_limited_to_ticket_types_are_asked_only_of_them(event, delegate):
    speaker = TicketTypeFactory(event=event)
    question = QuestionFactory(event=event, required=True)
    question.ticket_types.set([speaker])
    question.ticket_types.commit()  # a ParentalManyToManyField writes on commit
    order = place(event, [attendee(delegate)])
    assert order.status == OrderStatus.PENDING


# --- Sale windows, limits, member and voucher rules ------------------------------------


def test_place_order_refuses_before_registration_opens(event, delegate):
    event.registration_opens_at = timezone.now() + timedelta(days=1)
    event.save()
    with pytest.raises(OrderError) as raised:
        place(event, [attendee(delegate)])
    assert raised.value.code == "not_yet_open"


def test_place_order_refuses_after_registration_closes(event, delegate):
    now = timezone.now()
    event.registration_closes_at = now
    with pytest.raises(OrderError) as raised:
        place(event, [attendee(delegate)], now=now)
    assert raised.value.code == "registration_closed"


def test_place_order_refuses_ticket_type_outside_its_sale_window(event, delegate):
    now = timezone.now()
    early = TicketTypeFactory(event=event, name="Early bird", available_until=now)
    later = TicketTypeFactory(
        event=event, name="Late", available_from=now + timedelta(days=1)
    )
    with pytest.raises(OrderInvalid) as raised:
        place(event, [attendee(early), attendee(later)], now=now)
    assert field_codes(raised) == [
        ("attendees.0.ticket_type", "no_longer_on_sale"),
        ("attendees.1.ticket_type", "not_on_sale_yet"),
    ]


def test_place_order_refuses_extra_outside_its_sale_window(event, delegate):
    now = timezone.now()
    tour = ExtraFactory(event=event, available_until=now - timedelta(minutes=1))
    with pytest.raises(OrderInvalid) as raised:
        place(event, [attendee(delegate, extras=[tour.pk])], now=now)
    assert field_codes(raised) == [("attendees.0.extras", "no_longer_on_sale")]


def test_place_order_enforces_min_and_max_per_order(event):
    group = TicketTypeFactory(
        event=event, name="Group", min_per_order=3, max_per_order=4
    )
    with pytest.raises(OrderInvalid) as few:
        place(event, [attendee(group)] * 2)
    with pytest.raises(OrderInvalid) as many:
        place(event, [attendee(group)] * 5)
    assert field_codes(few) == [("attendees", "below_minimum")]
    assert field_codes(many) == [("attendees", "above_maximum")]
    assert place(event, [attendee(group)] * 3).attendees.count() == 3


def test_members_only_ticket_needs_a_member_code(event):
    member_ticket = TicketTypeFactory(
        event=event,
        members_only=True,
        price=Decimal("450.00"),
        member_price=Decimal("350.00"),
    )
    with pytest.raises(OrderInvalid) as raised:
        place(event, [attendee(member_ticket)])
    assert field_codes(raised) == [("member_code", "member_code_required")]
    member = MemberOrganisationFactory(code="LYON")
    order = place(event, [attendee(member_ticket)], member_code="lyon")
    assert (order.total, order.member_organisation) == (Decimal("350.00"), member)


def test_unknown_member_code_names_the_field(event, delegate):
    with pytest.raises(OrderInvalid) as raised:
        place(event, [attendee(delegate)], member_code="NOBODY")
    assert field_codes(raised) == [("member_code", "member_code_unknown")]


def test_hidden_ticket_type_is_sold_only_with_an_unlocking_voucher(event):
    hidden = TicketTypeFactory(
        event=event, hidden_unless_voucher=True, price=Decimal("0.00")
    )
    voucher = VoucherFactory(
        event=event, code="SPEAKER", unlocks_hidden_tickets=True, value=Decimal("0")
    )
    voucher.ticket_types.set([hidden])
    with pytest.raises(OrderInvalid) as raised:
        place(event, [attendee(hidden)])
    assert field_codes(raised) == [("attendees.0.ticket_type", "invalid_choice")]
    order = place(event, [attendee(hidden)], voucher_code="speaker")
    assert (order.status, order.voucher) == (OrderStatus.PAID, voucher)


def test_voucher_prices_are_recorded_per_attendee(event, delegate):
    voucher = VoucherFactory(event=event, code="HALF", value=Decimal("50"))
    order = place(event, [attendee(delegate), attendee(delegate)], voucher_code="HALF")
    assert order.total == Decimal("450.00")
    assert list(order.attendees.values_list("price", "voucher")) == [
        (Decimal("225.00"), voucher.pk),
        (Decimal("225.00"), voucher.pk),
    ]


def test_voucher_not_valid_for_any_chosen_ticket_is_refused(event, delegate):
    other = TicketTypeFactory(event=event)
    voucher = VoucherFactory(event=event, code="SPEAKERS")
    voucher.ticket_types.set([other])
    with pytest.raises(OrderInvalid) as raised:
        place(event, [attendee(delegate)], voucher_code="SPEAKERS")
    assert field_codes(raised) == [("voucher_code", "voucher_not_applicable")]


def test_voucher_max_uses_count_attendees_in_holding_orders(event, delegate):
    VoucherFactory(event=event, code="TEN", max_uses=3)
    place(event, [attendee(delegate), attendee(delegate)], voucher_code="TEN")
    with pytest.raises(SoldOut) as raised:
        place(event, [attendee(delegate), attendee(delegate)], voucher_code="TEN")
    assert (raised.value.code, raised.value.field) == ("sold_out", "voucher_code")
    assert place(event, [attendee(delegate)], voucher_code="TEN").total == Decimal(
        "405.00"
    )


def test_voucher_uses_of_expired_holds_are_free_again(event, delegate):
    VoucherFactory(event=event, code="ONE", max_uses=1)
    now = timezone.now()
    place(
        event, [attendee(delegate)], voucher_code="ONE", now=now - timedelta(minutes=31)
    )
    assert (
        place(event, [attendee(delegate)], voucher_code="ONE", now=now).voucher.code
        == "ONE"
    )


def test_place_order_refuses_when_the_total_changed_since_review(event, delegate):
    with pytest.raises(PriceChanged) as raised:
        place(event, [attendee(delegate)], expected_total=Decimal("400.00"))
    assert (raised.value.code, raised.value.field) == (
        "price_changed",
        "expected_total",
    )
    assert raised.value.total == Decimal("450.00")
    assert Order.objects.count() == 0
    assert place(event, [attendee(delegate)], expected_total=Decimal("450.00")).pk


# --- Capacity -------------------------------------------------------------------------


def test_place_order_refuses_when_sold_out(event):
    ticket = TicketTypeFactory(event=event, name="Delegate", capacity=2)
    place(event, [attendee(ticket)])
    with pytest.raises(SoldOut) as raised:
        place(event, [attendee(ticket), attendee(ticket)])
    assert raised.value.code == "sold_out"
    assert raised.value.message == "Only 1 places are left for Delegate."
    place(event, [attendee(ticket)])
    with pytest.raises(SoldOut) as again:
        place(event, [attendee(ticket)])
    assert again.value.message == "Delegate is sold out."


def test_event_capacity_counts_all_counting_ticket_types_together(event):
    event.capacity = 3
    event.save()
    adult = TicketTypeFactory(event=event)
    day = TicketTypeFactory(event=event)
    staff = TicketTypeFactory(event=event, counts_toward_event_capacity=False)
    place(event, [attendee(adult), attendee(day)])
    with pytest.raises(SoldOut):
        place(event, [attendee(adult), attendee(day)])
    assert place(event, [attendee(day), attendee(staff), attendee(staff)]).pk


def test_extra_capacity_is_checked(event, delegate):
    tour = ExtraFactory(event=event, name="Site visit", capacity=1)
    place(event, [attendee(delegate, extras=[tour.pk])])
    with pytest.raises(SoldOut) as raised:
        place(event, [attendee(delegate, extras=[tour.pk])])
    assert raised.value.message == "Site visit is sold out."


def test_expired_hold_frees_its_seats_before_the_expiry_job(event):
    ticket = TicketTypeFactory(event=event, capacity=1)
    now = timezone.now()
    place(event, [attendee(ticket)], now=now - timedelta(minutes=31))
    assert place(event, [attendee(ticket)], now=now).status == OrderStatus.PENDING


def test_expire_orders_marks_overdue_holds_expired_and_frees_seats(event):
    ticket = TicketTypeFactory(event=event, capacity=1)
    now = timezone.now()
    old = place(event, [attendee(ticket)], now=now - timedelta(minutes=31))
    fresh_event_ticket = TicketTypeFactory(event=event)
    fresh = place(event, [attendee(fresh_event_ticket)], now=now)
    assert orders.expire_orders(now=now) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (OrderStatus.EXPIRED, OrderStatus.PENDING)
    assert get_availability(event, now=now).for_ticket_type(ticket) == 1
    entry = ActivityLog.objects.get(action="order.expired")
    assert entry.data == {"from": "pending", "to": "expired", "reason": "hold expired"}
    assert orders.expire_orders(now=now) == 0


def test_awaiting_approval_orders_hold_no_seats(event):
    youth = TicketTypeFactory(event=event, capacity=1, requires_approval=True)
    first = place(event, [attendee(youth)])
    second = place(event, [attendee(youth)])
    assert (first.status, second.status) == (
        OrderStatus.AWAITING_APPROVAL,
        OrderStatus.AWAITING_APPROVAL,
    )
    assert first.expires_at is None
    assert get_availability(event).for_ticket_type(youth) == 1


# --- Status moves --------------------------------------------------------------------


def test_approve_order_checks_capacity_then_holds_for_the_payment_term(event):
    youth = TicketTypeFactory(event=event, capacity=1, requires_approval=True)
    staff = UserFactory(is_staff=True)
    first = place(event, [attendee(youth)])
    second = place(event, [attendee(youth)])
    now = timezone.now()
    orders.approve_order(first, by=staff, now=now)
    assert first.status == OrderStatus.PENDING
    assert first.expires_at == now + timedelta(days=event.payment_term_days)
    with pytest.raises(SoldOut):
        orders.approve_order(second, by=staff, now=now)
    second.refresh_from_db()
    assert second.status == OrderStatus.AWAITING_APPROVAL
    entry = ActivityLog.objects.get(action="order.pending")
    assert (entry.actor, entry.data) == (
        staff,
        {"from": "awaiting_approval", "to": "pending", "reason": "approved"},
    )


def test_approving_a_free_application_confirms_it(event):
    youth = TicketTypeFactory(
        event=event, requires_approval=True, price=Decimal("0.00")
    )
    order = place(event, [attendee(youth)])
    assert order.status == OrderStatus.AWAITING_APPROVAL
    orders.approve_order(order, by=UserFactory(is_staff=True))
    assert order.status == OrderStatus.PAID


def test_decline_order_cancels_the_application(event):
    youth = TicketTypeFactory(event=event, requires_approval=True)
    order = place(event, [attendee(youth)])
    orders.decline_order(order, by=UserFactory(is_staff=True), reason="Places are full")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED
    with pytest.raises(InvalidTransition):
        orders.decline_order(order, by=None)


def test_transition_order_refuses_moves_not_allowed(event, delegate):
    order = place(event, [attendee(delegate)])
    orders.transition_order(order, to=OrderStatus.CANCELED, reason="test")
    with pytest.raises(InvalidTransition) as raised:
        orders.transition_order(order, to=OrderStatus.PAID)
    assert raised.value.code == "invalid_transition"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELED


def test_mark_order_paid_confirms_a_pending_invoice(event, delegate):
    order = place(event, [attendee(delegate)], payment_method=PaymentMethod.INVOICE)
    orders.mark_order_paid(order, by=UserFactory(is_staff=True), reason="bank transfer")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_late_payment_of_an_expired_order_needs_free_seats(event):
    ticket = TicketTypeFactory(event=event, capacity=1)
    now = timezone.now()
    late = place(event, [attendee(ticket)], now=now - timedelta(hours=1))
    orders.expire_orders(now=now)
    late.refresh_from_db()
    place(event, [attendee(ticket)], now=now)
    with pytest.raises(SoldOut):
        orders.mark_order_paid(late, by=None, now=now)
    other = TicketTypeFactory(event=event, capacity=1)
    late_with_room = place(event, [attendee(other)], now=now - timedelta(hours=1))
    orders.expire_orders(now=now)
    late_with_room.refresh_from_db()
    orders.mark_order_paid(late_with_room, by=None, now=now)
    assert late_with_room.status == OrderStatus.PAID


def test_overdue_pending_hold_is_paid_only_if_its_seats_are_still_free(event):
    ticket = TicketTypeFactory(event=event, capacity=1)
    now = timezone.now()
    overdue = place(event, [attendee(ticket)], now=now - timedelta(hours=1))
    # The expiry job has not run, so the hold is still pending, yet its seat
    # already counts as free and is taken by someone else.
    place(event, [attendee(ticket)], now=now)
    with pytest.raises(SoldOut):
        orders.mark_order_paid(overdue, by=None, now=now)
    assert Order.objects.get(pk=overdue.pk).status == OrderStatus.PENDING

    other = TicketTypeFactory(event=event, capacity=1)
    overdue_with_room = place(event, [attendee(other)], now=now - timedelta(hours=1))
    orders.mark_order_paid(overdue_with_room, by=None, now=now)
    assert Order.objects.get(pk=overdue_with_room.pk).status == OrderStatus.PAID


def test_buyer_may_cancel_unpaid_orders_and_paid_ones_until_the_deadline(
    event, delegate
):
    now = timezone.now()
    unpaid = place(event, [attendee(delegate)])
    orders.cancel_order(unpaid, by=None, as_buyer=True)
    assert unpaid.status == OrderStatus.CANCELED
    paid = OrderFactory(event=event, status=OrderStatus.PAID)
    with pytest.raises(OrderError) as raised:
        orders.cancel_order(paid, by=None, as_buyer=True, now=now)
    assert raised.value.code == "cancellation_not_allowed"
    event.buyer_cancellation_until = now + timedelta(days=1)
    event.save()
    paid.refresh_from_db()
    orders.cancel_order(paid, by=None, as_buyer=True, now=now)
    assert paid.status == OrderStatus.CANCELED


def test_staff_may_cancel_a_paid_order(event):
    paid = OrderFactory(event=event, status=OrderStatus.PAID)
    AttendeeFactory(order=paid)
    orders.cancel_order(paid, by=UserFactory(is_staff=True), reason="duplicate")
    assert paid.status == OrderStatus.CANCELED


def test_expiry_warning_is_sent_once_for_a_long_hold(
    event, delegate, mailoutbox, django_capture_on_commit_callbacks
):
    now = timezone.now()
    event.registration_opens_at = now - timedelta(days=30)
    event.save()
    order = place(
        event,
        [attendee(delegate)],
        payment_method=PaymentMethod.INVOICE,
        now=now - timedelta(days=12),
    )
    Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=12))
    card = place(event, [attendee(delegate)], now=now)
    Order.objects.filter(pk=card.pk).update(created_at=now - timedelta(days=2))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert orders.send_expiry_warnings(now=now) == 1
        assert orders.send_expiry_warnings(now=now) == 0
    assert [m.subject for m in mailoutbox] == [
        f"Payment due soon: Annual Conference ({order.code})"
    ]


def test_attendee_counts_per_ticket_type_are_exact_after_mixed_orders(event, delegate):
    day = TicketTypeFactory(event=event)
    place(event, [attendee(delegate), attendee(day), attendee(day)])
    held = Counter(Attendee.objects.values_list("ticket_type", flat=True))
    assert held == Counter({delegate.pk: 1, day.pk: 2})
