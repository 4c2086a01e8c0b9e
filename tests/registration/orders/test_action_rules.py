"""Which staff action applies to an order in which state is decided once, in the
orders service (`action_refusal`). The walk below takes every action in every
order state and proves that the order list and page, the action's screen (GET
and POST) and its service all give the same answer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from registration.errors import RegistrationError
from registration.models import (
    ActivityLog,
    Attendee,
    Order,
    OrderStatus,
    Payment,
    Refund,
)
from registration.orders import services as order_service
from registration.outbox.models import OutboxMessage
from registration.payments import services as payments
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Every status, with and without blocked tickets; a canceled order also as a
# declined application, the one canceled order staff may revive.
STATES = [
    (status, blocked, False)
    for status in OrderStatus.values
    for blocked in (False, True)
] + [(OrderStatus.CANCELED, blocked, True) for blocked in (False, True)]


def test_staff_actions_allowed_in_each_state():
    def allowed(status, blocked=False, declined=False):
        return order_service.allowed_actions(
            Order(
                status=status,
                tickets_blocked=blocked,
                declined_at=timezone.now() if declined else None,
            )
        )

    assert {status: allowed(status) for status in OrderStatus.values} == {
        "pending": [
            "admit_before_payment",
            "extend_hold",
            "resend",
            "block_tickets",
            "cancel",
            "mark_paid",
            "edit_attendee",
            "transfer",
            "change",
        ],
        "awaiting_approval": [
            "approve",
            "decline",
            "admit_before_payment",
            "resend",
            "block_tickets",
            "cancel",
            "edit_attendee",
            "transfer",
            "change",
        ],
        "paid": [
            "resend",
            "block_tickets",
            "cancel",
            "edit_attendee",
            "transfer",
            "change",
        ],
        "expired": ["revive", "block_tickets", "cancel", "mark_paid"],
        "canceled": [],
    }
    assert {status: allowed(status, True) for status in OrderStatus.values} == {
        "pending": [
            "admit_before_payment",
            "extend_hold",
            "resend",
            "unblock_tickets",
            "cancel",
            "mark_paid",
            "edit_attendee",
            "transfer",
            "change",
        ],
        "awaiting_approval": [
            "approve",
            "decline",
            "admit_before_payment",
            "resend",
            "unblock_tickets",
            "cancel",
            "edit_attendee",
            "transfer",
            "change",
        ],
        "paid": [
            "resend",
            "unblock_tickets",
            "cancel",
            "edit_attendee",
            "transfer",
            "change",
        ],
        "expired": ["revive", "unblock_tickets", "cancel", "mark_paid"],
        "canceled": ["unblock_tickets"],
    }
    assert allowed(OrderStatus.CANCELED, declined=True) == ["revive"]
    assert allowed(OrderStatus.CANCELED, True, declined=True) == [
        "revive",
        "unblock_tickets",
    ]


def test_status_moves_of_the_actions_follow_order_transitions():
    """An action that changes the status applies only where the move is allowed."""
    moves = {
        "approve": {OrderStatus.PENDING, OrderStatus.PAID},
        "decline": {OrderStatus.CANCELED},
        "cancel": {OrderStatus.CANCELED},
        "mark_paid": {OrderStatus.PAID},
        # Pending again, or paid when there is nothing to pay.
        "revive": {OrderStatus.PENDING, OrderStatus.PAID},
    }

    assert {
        action: sorted(
            status
            for status in order_service.STAFF_ACTION_STATUSES[action]
            if not targets <= order_service.ORDER_TRANSITIONS[status]
            # Approval with nothing to pay goes straight to paid.
            and not (action == "approve" and status == OrderStatus.AWAITING_APPROVAL)
        )
        for action, targets in moves.items()
    } == {"approve": [], "decline": [], "cancel": [], "mark_paid": [], "revive": []}


def test_a_canceled_order_leaves_canceled_only_by_reviving_a_decline():
    """ORDER_TRANSITIONS lets canceled orders become pending or paid: only the
    revival of a declined application may, and no other action takes them."""
    may_leave_canceled = {
        action
        for action, statuses in order_service.STAFF_ACTION_STATUSES.items()
        if OrderStatus.CANCELED in statuses
    }

    assert order_service.ORDER_TRANSITIONS[OrderStatus.CANCELED] == {
        OrderStatus.PENDING,
        OrderStatus.PAID,
    }
    assert may_leave_canceled == {"revive", "unblock_tickets"}


def test_a_refused_cancel_speaks_as_order_transitions():
    refusal = order_service.action_refusal(Order(status=OrderStatus.CANCELED), "cancel")

    assert refusal == order_service.ActionRefusal(
        "An order that is Canceled cannot become Canceled.",
        code="invalid_transition",
        field="status",
    )


# --- The walk -------------------------------------------------------------------------


def order_in(status: str, *, blocked: bool, declined: bool) -> tuple[Order, Attendee]:
    event = EventFactory()
    ticket = TicketTypeFactory(event=event, price=Decimal("450.00"))
    now = timezone.now()
    expires_at = {
        OrderStatus.PENDING: now + timedelta(days=2),
        OrderStatus.EXPIRED: now - timedelta(days=1),
    }.get(status)
    order = OrderFactory(
        event=event,
        status=status,
        tickets_blocked=blocked,
        total=Decimal("450.00"),
        expires_at=expires_at,
        declined_at=now - timedelta(days=1) if declined else None,
    )
    attendee = AttendeeFactory(order=order, ticket_type=ticket, given_name="Mina")
    return order, attendee


# Actions on one attendee, offered on the attendee's row of the order page.
ATTENDEE_ACTIONS = {"edit_attendee", "transfer"}


def screen_url(action: str, order: Order, attendee: Attendee) -> str:
    if action in ATTENDEE_ACTIONS:
        return reverse(f"orders:{action}", args=[attendee.pk])
    return reverse(f"orders:{action}", args=[order.pk])


def later_wall_time(order: Order) -> str:
    later = timezone.localtime(timezone.now() + timedelta(days=30), order.event.tz)
    return later.strftime("%Y-%m-%d %H:%M")


def post_data(action: str, order: Order) -> dict:
    """What a member of staff would send: valid, so only the state can refuse."""
    return {
        "decline": {"reason": "All places are taken."},
        "extend_hold": {"until": later_wall_time(order)},
        "block_tickets": {"reason": "Disputed payment"},
        "unblock_tickets": {"reason": "Dispute won"},
        "cancel": {"reason": "Duplicate order"},
        "mark_paid": {"reference": "BANK-42"},
        "edit_attendee": {"given_name": "Changed", "language": "en"},
        "transfer": {
            "given_name": "Noor",
            "email": "noor@example.org",
            "language": "en",
        },
    }.get(action, {})


def perform(action: str, order: Order, attendee: Attendee, *, by):
    """The service each action's screen calls, with the same valid input."""
    if action == "approve":
        return order_service.approve_order(order, by=by)
    if action == "decline":
        return order_service.decline_order(order, by=by, reason="Full")
    if action == "admit_before_payment":
        return order_service.set_admit_before_payment(order, allowed=True, by=by)
    if action == "extend_hold":
        until = timezone.now() + timedelta(days=30)
        return order_service.extend_order_hold(order, until=until, by=by)
    if action == "resend":
        return order_service.resend_order_emails(order, by=by)
    if action in {"block_tickets", "unblock_tickets"}:
        return order_service.set_tickets_blocked(
            order, blocked=action == "block_tickets", by=by, reason="Disputed"
        )
    if action == "cancel":
        return payments.cancel_order_with_refund(order, by=by, reason="Duplicate")
    if action == "mark_paid":
        return payments.mark_paid_by_transfer(order, reference="BANK-42", by=by)
    if action == "revive":
        return order_service.revive_order(order, by=by)
    if action == "change":
        return order_service.apply_change(
            order,
            [{"op": "set_price", "attendee": attendee.pk, "price": "1.00"}],
            reason="Speaker",
            by=by,
            as_staff=True,
        )
    if action == "transfer":
        return order_service.transfer_ticket(
            attendee,
            to=order_service.TransferData(given_name="Noor", email="noor@example.org"),
            by=by,
            as_staff=True,
        )
    assert action == "edit_attendee"
    return order_service.update_attendee(
        attendee, data={"given_name": "Changed"}, by=by, as_staff=True
    )


def snapshot(order: Order) -> tuple:
    """Everything an order action may change."""
    return (
        list(
            Order.objects.filter(pk=order.pk).values(
                "status",
                "expires_at",
                "tickets_blocked",
                "admit_before_payment",
                "declined_at",
                "updated_at",
            )
        ),
        list(Attendee.objects.filter(order=order).values()),
        ActivityLog.objects.count(),
        Payment.objects.count(),
        Refund.objects.count(),
        OutboxMessage.objects.count(),
    )


def expected_post_message(action: str, order: Order, message: str) -> str:
    if action in {"approve", "decline"}:
        verb = {"approve": "approved", "decline": "declined"}[action]
        return f"Order {order.code} was not {verb}: {message}"
    return message


@pytest.mark.parametrize(("status", "blocked", "declined"), STATES)
def test_list_screens_and_services_agree_on_every_action(
    client, status, blocked, declined
):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    observed, expected = {}, {}
    for action in order_service.STAFF_ACTIONS:
        order, attendee = order_in(status, blocked=blocked, declined=declined)
        refusal = order_service.action_refusal(order, action)
        url = screen_url(action, order, attendee)
        listing = client.get(reverse("orders:index")).content.decode()
        page = client.get(reverse("orders:inspect", args=[order.pk]))
        screen = client.get(url)
        seen = {
            # Attendees are edited from their row on the order's page.
            "listed": url
            in (page.content.decode() if action in ATTENDEE_ACTIONS else listing),
            "on_page": url in page.content.decode(),
            "screen_refusal": screen.context["refusal"],
            "screen_shows_it": refusal is not None
            and escape(refusal.message) in screen.content.decode(),
        }
        if refusal is None:
            before = snapshot(order)
            perform(action, order, attendee, by=root)
            seen["service_changed_something"] = snapshot(order) != before
            expected[action] = {
                "listed": True,
                "on_page": True,
                "screen_refusal": "",
                "screen_shows_it": False,
                "service_changed_something": True,
            }
        else:
            before = snapshot(order)
            response = client.post(url, post_data(action, order), follow=True)
            seen["post_messages"] = [str(m) for m in response.context["messages"]]
            seen["post_changed_something"] = snapshot(order) != before
            try:
                perform(action, order, attendee, by=root)
            except RegistrationError as error:
                seen["service_refusal"] = (error.message, error.code, error.field)
            seen["service_changed_something"] = snapshot(order) != before
            expected[action] = {
                "listed": False,
                "on_page": False,
                "screen_refusal": refusal.message,
                "screen_shows_it": True,
                "post_messages": [
                    expected_post_message(action, order, refusal.message)
                ],
                "post_changed_something": False,
                "service_refusal": (refusal.message, refusal.code, refusal.field),
                "service_changed_something": False,
            }
        observed[action] = seen

    assert observed == expected
