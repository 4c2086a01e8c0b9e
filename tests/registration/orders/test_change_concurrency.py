"""Changes of placed orders racing each other and new orders for the last seat:
real threads and transactions on PostgreSQL, where `apply_change` takes the
same capacity locks as `place_order` (event, ticket types, extras) and then
the order's row.

On SQLite the IMMEDIATE transaction serialises writers by design, so these
run on PostgreSQL only (DATABASE_URL), like test_concurrency.py.
"""

import random
import threading
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from registration.catalogue.selectors import seat_holding
from registration.errors import Busy, OrderInvalid, SoldOut
from registration.models import (
    Attendee,
    AttendeeExtra,
    Order,
    OrderChange,
    OrderChangeStatus,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundOrigin,
    TicketType,
)
from registration.orders.services import (
    AttendeeData,
    BuyerData,
    apply_change,
    place_order,
    record_change_awaiting_payment,
)
from registration.payments import services as payments
from registration.payments import stripe as stripe_api
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    ExtraFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.registration.payments.conftest import (
    WEBHOOK_SECRET,
    FakeStripe,
    deliver,
    make_order,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL (set DATABASE_URL): row locks under real concurrency",
    ),
]

ROUNDS = 5
WEBHOOK_ROUNDS = 10


def race(
    jobs: dict, *, delays: dict[str, float] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Run each job in its own thread, all released at once (a job named in
    `delays` that many seconds later); each one's outcome ("ok", "sold_out",
    "busy", "invalid:<codes>") and every unexpected error."""
    outcomes: dict[str, str] = {}
    unexpected: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(jobs))

    def attempt(name: str, action) -> None:
        start.wait()
        time.sleep((delays or {}).get(name, 0.0))
        try:
            action()
            result = "ok"
        except SoldOut:
            result = "sold_out"
        except Busy:
            result = "busy"
        except OrderInvalid as error:
            result = "invalid:" + ",".join(sorted(e.code for e in error.errors))
        except Exception as exc:  # every other outcome is a failure
            result = "error"
            with lock:
                unexpected.append(f"{name}: {type(exc).__name__}: {exc}")
        finally:
            connection.close()
        with lock:
            outcomes[name] = result

    threads = [
        threading.Thread(target=attempt, args=(name, action))
        for name, action in jobs.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, unexpected


def seats_held(ticket_type) -> int:
    return Attendee.objects.filter(
        seat_holding(timezone.now()), ticket_type=ticket_type
    ).count()


def extras_held(extra) -> int:
    return AttendeeExtra.objects.filter(
        seat_holding(timezone.now(), prefix="attendee__order__"), extra=extra
    ).count()


def lines_total(order: Order) -> Decimal:
    """What the order's attendees and their extras add up to, from the rows."""
    tickets = Attendee.objects.filter(order=order).aggregate(s=Sum("price"))["s"]
    extras = AttendeeExtra.objects.filter(attendee__order=order).aggregate(
        s=Sum("price")
    )["s"]
    return (tickets or Decimal(0)) + (extras or Decimal(0))


def order_with_one_attendee(event, ticket_type, *, status, price="100.00") -> Order:
    order = OrderFactory(
        event=event,
        status=status,
        payment_method=PaymentMethod.CARD,
        expires_at=timezone.now() + timedelta(hours=1),
        total=Decimal(price),
    )
    AttendeeFactory(order=order, ticket_type=ticket_type, price=Decimal(price))
    return order


def add_attendee_op(ticket_type, name: str) -> dict:
    return {
        "op": "add_attendee",
        "attendee": {
            "ticket_type": ticket_type.pk,
            "given_name": name,
            "family_name": "Mensah",
            "email": f"{name.lower()}@example.org",
        },
    }


@pytest.fixture
def two_staff(transactional_db):
    return (
        UserFactory(username="registrar-a", is_staff=True, is_superuser=True),
        UserFactory(username="registrar-b", is_staff=True, is_superuser=True),
    )


def test_two_staff_adding_an_attendee_for_the_last_seat_let_exactly_one_win(
    two_staff,
):
    """Two orders (one paid, one pending) of a ticket type with one seat left:
    two staff each add an attendee to one of them at the same moment."""
    first_staff, second_staff = two_staff
    for round_number in range(ROUNDS):
        event = EventFactory()
        delegate = TicketTypeFactory(
            event=event, name="Delegate", capacity=3, price=Decimal("100.00")
        )
        paid = order_with_one_attendee(event, delegate, status=OrderStatus.PAID)
        pending = order_with_one_attendee(event, delegate, status=OrderStatus.PENDING)
        assert seats_held(delegate) == 2

        outcomes, unexpected = race(
            {
                "paid": partial(
                    apply_change,
                    paid,
                    [add_attendee_op(delegate, "Kofi")],
                    by=first_staff,
                    as_staff=True,
                ),
                "pending": partial(
                    apply_change,
                    pending,
                    [add_attendee_op(delegate, "Ama")],
                    by=second_staff,
                    as_staff=True,
                ),
            }
        )

        assert unexpected == []
        assert sorted(outcomes.values()) == ["ok", "sold_out"], (round_number, outcomes)
        assert seats_held(delegate) == delegate.capacity == 3
        [winner] = [name for name, result in outcomes.items() if result == "ok"]
        won, lost = (paid, pending) if winner == "paid" else (pending, paid)
        won.refresh_from_db()
        lost.refresh_from_db()
        assert won.attendees.count() == 2
        assert lost.attendees.count() == 1
        assert (won.total, lost.total) == (Decimal("200.00"), Decimal("100.00"))
        assert won.total == lines_total(won)
        assert OrderChange.objects.filter(order=won).count() == 1
        assert not OrderChange.objects.filter(order=lost).exists()


def test_two_staff_adding_the_last_place_of_an_extra_let_exactly_one_win(two_staff):
    """An extra with one place: two staff each add it to an attendee of a
    different order at the same moment."""
    first_staff, second_staff = two_staff
    for round_number in range(ROUNDS):
        event = EventFactory()
        delegate = TicketTypeFactory(event=event, price=Decimal("100.00"))
        gala = ExtraFactory(
            event=event, name="Gala dinner", price=Decimal("80.00"), capacity=1
        )
        one = order_with_one_attendee(event, delegate, status=OrderStatus.PAID)
        two = order_with_one_attendee(event, delegate, status=OrderStatus.PENDING)
        a, b = one.attendees.get(), two.attendees.get()

        outcomes, unexpected = race(
            {
                "one": partial(
                    apply_change,
                    one,
                    [{"op": "add_extra", "attendee": a.pk, "extra": gala.pk}],
                    by=first_staff,
                    as_staff=True,
                ),
                "two": partial(
                    apply_change,
                    two,
                    [{"op": "add_extra", "attendee": b.pk, "extra": gala.pk}],
                    by=second_staff,
                    as_staff=True,
                ),
            }
        )

        assert unexpected == []
        assert sorted(outcomes.values()) == ["ok", "sold_out"], (round_number, outcomes)
        assert extras_held(gala) == gala.capacity == 1
        assert AttendeeExtra.objects.filter(extra=gala).count() == 1
        for order in (one, two):
            order.refresh_from_db()
            assert order.total == lines_total(order)
        assert sorted([one.total, two.total]) == [Decimal("100.00"), Decimal("180.00")]


def test_a_change_racing_a_new_order_for_the_last_seat_never_both_win(two_staff):
    """Staff add an attendee to a placed order while new buyers order the
    same ticket type's last seat, all at once: one of them gets it."""
    staff, _other = two_staff
    seen: Counter = Counter()
    for round_number in range(ROUNDS):
        event = EventFactory()
        delegate = TicketTypeFactory(
            event=event, name="Delegate", capacity=2, price=Decimal("100.00")
        )
        order = order_with_one_attendee(event, delegate, status=OrderStatus.PAID)
        jobs = {
            "change": partial(
                apply_change,
                order,
                [add_attendee_op(delegate, "Kofi")],
                by=staff,
                as_staff=True,
            )
        }
        for number in range(3):
            jobs[f"new{number}"] = partial(
                place_order,
                event,
                buyer=BuyerData(
                    name=f"Buyer {number}", email=f"new{number}@example.org"
                ),
                attendees=[AttendeeData(ticket_type=delegate.pk, given_name="New")],
                payment_method=PaymentMethod.INVOICE,
            )

        outcomes, unexpected = race(jobs)

        assert unexpected == []
        winners = [name for name, result in outcomes.items() if result == "ok"]
        assert len(winners) == 1, (round_number, outcomes)
        assert set(outcomes.values()) - {"ok"} <= {"sold_out", "busy"}
        assert seats_held(delegate) == delegate.capacity == 2
        order.refresh_from_db()
        change_won = winners == ["change"]
        assert order.attendees.count() == (2 if change_won else 1)
        assert order.total == lines_total(order)
        assert Order.objects.filter(event=event).exclude(pk=order.pk).count() == (
            0 if change_won else 1
        )
        seen["change" if change_won else "new"] += 1
    assert sum(seen.values()) == ROUNDS


def test_two_staff_changing_one_order_at_once_are_serialised(two_staff):
    """Both add a different extra to the same order at the same moment: the
    order's row lock makes one wait for the other, and the second plans on
    what the first wrote, so the total is the sum of the lines."""
    first_staff, second_staff = two_staff
    for round_number in range(ROUNDS):
        event = EventFactory()
        delegate = TicketTypeFactory(event=event, price=Decimal("100.00"))
        gala = ExtraFactory(event=event, name="Gala dinner", price=Decimal("80.00"))
        tour = ExtraFactory(event=event, name="City tour", price=Decimal("35.00"))
        order = order_with_one_attendee(event, delegate, status=OrderStatus.PAID)
        AttendeeFactory(order=order, ticket_type=delegate, price=Decimal("100.00"))
        Order.objects.filter(pk=order.pk).update(total=Decimal("200.00"))
        a, b = order.attendees.order_by("pk")

        outcomes, unexpected = race(
            {
                "gala": partial(
                    apply_change,
                    order,
                    [{"op": "add_extra", "attendee": a.pk, "extra": gala.pk}],
                    by=first_staff,
                    as_staff=True,
                ),
                "tour": partial(
                    apply_change,
                    order,
                    [{"op": "add_extra", "attendee": b.pk, "extra": tour.pk}],
                    by=second_staff,
                    as_staff=True,
                ),
            }
        )

        assert unexpected == []
        assert outcomes == {"gala": "ok", "tour": "ok"}, round_number
        order.refresh_from_db()
        assert order.total == Decimal("315.00")
        assert order.total == lines_total(order)
        first, second = OrderChange.objects.filter(order=order).order_by("pk")
        assert first.status == second.status == OrderChangeStatus.APPLIED
        # The second planned on the first's result: the totals chain.
        assert first.old_total == Decimal("200.00")
        assert second.old_total == first.new_total
        assert second.new_total == Decimal("315.00")


def test_two_staff_adding_the_same_extra_to_one_attendee_add_it_once(two_staff):
    """Both add the same extra to the same attendee at once: the second plans
    again under the order's lock, sees it there and is refused (`unchanged`)."""
    first_staff, second_staff = two_staff
    for round_number in range(ROUNDS):
        event = EventFactory()
        delegate = TicketTypeFactory(event=event, price=Decimal("100.00"))
        gala = ExtraFactory(event=event, name="Gala dinner", price=Decimal("80.00"))
        order = order_with_one_attendee(event, delegate, status=OrderStatus.PAID)
        attendee = order.attendees.get()
        operations = [{"op": "add_extra", "attendee": attendee.pk, "extra": gala.pk}]

        outcomes, unexpected = race(
            {
                "a": partial(
                    apply_change, order, operations, by=first_staff, as_staff=True
                ),
                "b": partial(
                    apply_change, order, operations, by=second_staff, as_staff=True
                ),
            }
        )

        assert unexpected == []
        assert sorted(outcomes.values()) == ["invalid:unchanged", "ok"], (
            round_number,
            outcomes,
        )
        assert AttendeeExtra.objects.filter(attendee=attendee, extra=gala).count() == 1
        order.refresh_from_db()
        assert order.total == Decimal("180.00") == lines_total(order)
        assert OrderChange.objects.filter(order=order).count() == 1


URLS = {
    "success_url": "https://events.example.org/done/",
    "cancel_url": "https://events.example.org/canceled/",
}


@pytest.fixture
def stripe_fake(settings, monkeypatch):
    """Stripe replaced at its HTTP layer, as in tests/registration/payments."""
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    fake = FakeStripe()
    monkeypatch.setattr(stripe_api, "http_client", fake)
    return fake


def paid_card_order(fake, *, event=None, ticket_type=None) -> Order:
    """A card order paid through a Checkout Session and its webhook."""
    order = make_order(prices=("100.00",), event=event, ticket_type=ticket_type)
    payments.start_card_payment(order, **URLS)
    session = fake.pay(order.payments.get().stripe_session_id)
    payments.process_stripe_event(fake.event("checkout.session.completed", session))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def extra_paid_at_stripe(fake, order, extra) -> tuple[OrderChange, dict]:
    """The buyer asks for `extra`, pays for it on Stripe's page; the change and
    the webhook's event, not delivered yet."""
    change = record_change_awaiting_payment(
        order,
        [{"op": "add_extra", "attendee": order.attendees.get().pk, "extra": extra.pk}],
        by=None,
    )
    payments.start_card_payment(order, change=change, **URLS)
    payment = order.payments.get(order_change=change)
    session = fake.pay(payment.stripe_session_id)
    return change, fake.event("checkout.session.completed", session)


def test_a_paid_extra_racing_a_staff_change_for_its_last_place_lets_one_win(
    two_staff, stripe_fake
):
    """The webhook of a buyer's paid extra and a staff change giving that
    extra's last place to another order, at once: one of them gets it; when the
    staff change wins, the buyer's change fails and their payment is refunded
    in full."""
    staff, _other = two_staff
    seen: Counter = Counter()
    jitter = random.Random(7)
    for round_number in range(WEBHOOK_ROUNDS):
        buyer = paid_card_order(stripe_fake)
        delegate = buyer.attendees.get().ticket_type
        other = paid_card_order(stripe_fake, event=buyer.event, ticket_type=delegate)
        gala = ExtraFactory(
            event=buyer.event, name="Gala dinner", price=Decimal("80.00"), capacity=1
        )
        change, event = extra_paid_at_stripe(stripe_fake, buyer, gala)

        outcomes, unexpected = race(
            {
                "webhook": partial(payments.process_stripe_event, event),
                "staff": partial(
                    apply_change,
                    other,
                    [
                        {
                            "op": "add_extra",
                            "attendee": other.attendees.get().pk,
                            "extra": gala.pk,
                        }
                    ],
                    by=staff,
                    as_staff=True,
                ),
            },
            # The webhook asks Stripe for the session before it locks: the
            # staff change starts later in some rounds so that either may win.
            delays={"staff": jitter.uniform(0, 0.3) if round_number % 2 else 0.0},
        )

        assert unexpected == []
        assert outcomes["webhook"] == "ok", (round_number, outcomes)
        assert AttendeeExtra.objects.filter(extra=gala).count() == 1
        [holder] = AttendeeExtra.objects.filter(extra=gala)
        change.refresh_from_db()
        buyer.refresh_from_db()
        payment = buyer.payments.get(order_change=change)
        if holder.attendee.order_id == buyer.pk:
            assert outcomes["staff"] == "sold_out"
            assert change.status == OrderChangeStatus.APPLIED
            assert buyer.total == Decimal("180.00")
            assert not Refund.objects.filter(order=buyer).exists()
            seen["buyer"] += 1
        else:
            assert outcomes["staff"] == "ok"
            assert change.status == OrderChangeStatus.FAILED
            assert buyer.total == Decimal("100.00")
            [refund] = Refund.objects.filter(order=buyer)
            assert (refund.payment, refund.amount, refund.origin) == (
                payment,
                payment.amount,
                RefundOrigin.LATE_PAYMENT,
            )
            seen["staff"] += 1
        assert buyer.total == lines_total(buyer)
        assert payments.balance_due(buyer) == Decimal("0")
        assert payments.net_received(buyer) == buyer.total
    assert sum(seen.values()) == WEBHOOK_ROUNDS
    # Both orders of arrival happen; each is covered above.
    assert set(seen) == {"buyer", "staff"}


def test_a_lock_wait_while_applying_a_paid_change_is_retried_not_refunded(
    two_staff, stripe_fake, settings, client
):
    """The capacity locks are busy (a rush of orders, a long staff change) when
    a buyer's paid change arrives: like every other lock wait of the webhook it
    answers 503 and Stripe retries; the buyer's money is not refunded for it,
    and the change is applied on the retry."""
    settings.LOCK_TIMEOUT_SECONDS = 1
    order = paid_card_order(stripe_fake)
    gala = ExtraFactory(event=order.event, name="Gala dinner", price=Decimal("80.00"))
    change, event = extra_paid_at_stripe(stripe_fake, order, gala)
    ticket_type = order.attendees.get().ticket_type
    holding = threading.Event()
    release = threading.Event()

    def hold_a_capacity_lock():
        with transaction.atomic():
            list(TicketType.objects.select_for_update().filter(pk=ticket_type.pk))
            holding.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_a_capacity_lock)
    holder.start()
    assert holding.wait(5)
    try:
        response = deliver(client, event)
    finally:
        release.set()
        holder.join()

    change.refresh_from_db()
    assert not Refund.objects.filter(order=order).exists()
    assert change.status == OrderChangeStatus.AWAITING_PAYMENT
    assert response.status_code == 503
    assert response["Retry-After"]

    retried = deliver(client, event)
    assert retried.status_code == 200
    change.refresh_from_db()
    order.refresh_from_db()
    assert change.status == OrderChangeStatus.APPLIED
    assert order.total == Decimal("180.00")
    assert not Refund.objects.filter(order=order).exists()
