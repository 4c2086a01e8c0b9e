"""Services behind the staff actions: extend a hold, resend e-mails,
staff edits of attendees, bulk vouchers and waiting-list actions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registration.catalogue.services import vouchers
from registration.errors import OrderError, SoldOut, WaitingListError
from registration.models import ActivityLog, OrderStatus, Voucher, WaitingListStatus
from registration.orders import services as orders
from registration.waiting_list import services as waiting_list
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
    VoucherFactory,
)
from tests.factories.registration_more import (
    WaitingListEntryFactory,
    YouthDetailsFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True)


def test_extend_hold_moves_expiry_and_logs(staff):
    now = timezone.now()
    order = OrderFactory(status=OrderStatus.PENDING, expires_at=now + timedelta(days=1))

    orders.extend_order_hold(order, until=now + timedelta(days=8), by=staff, now=now)

    order.refresh_from_db()
    assert order.expires_at == now + timedelta(days=8)
    assert ActivityLog.objects.get(action="order.hold_extended").actor == staff


def test_extend_hold_refuses_paid_orders_and_shorter_holds(staff):
    now = timezone.now()
    paid = OrderFactory(status=OrderStatus.PAID)
    pending = OrderFactory(
        status=OrderStatus.PENDING, expires_at=now + timedelta(days=5)
    )

    with pytest.raises(OrderError) as not_pending:
        orders.extend_order_hold(paid, until=now + timedelta(days=9), by=staff, now=now)
    with pytest.raises(OrderError) as shorter:
        orders.extend_order_hold(
            pending, until=now + timedelta(days=2), by=staff, now=now
        )

    assert (not_pending.value.code, shorter.value.code) == ("invalid_status", "invalid")
    assert shorter.value.field == "until"


def test_extending_an_overdue_hold_rechecks_the_seats(staff):
    now = timezone.now()
    ticket = TicketTypeFactory(capacity=1)
    overdue = OrderFactory(
        event=ticket.event,
        status=OrderStatus.PENDING,
        expires_at=now - timedelta(hours=1),
    )
    AttendeeFactory(order=overdue, ticket_type=ticket)
    AttendeeFactory(order=OrderFactory(event=ticket.event), ticket_type=ticket)

    with pytest.raises(SoldOut):
        orders.extend_order_hold(
            overdue, until=now + timedelta(days=3), by=staff, now=now
        )

    overdue.refresh_from_db()
    assert overdue.expires_at == now - timedelta(hours=1)


def test_resend_for_a_pending_order_with_a_missing_consent(staff):
    order = OrderFactory(status=OrderStatus.PENDING)
    youth = YouthDetailsFactory(
        attendee=AttendeeFactory(
            order=order,
            ticket_type=TicketTypeFactory(
                event=order.event, requires_guardian_consent=True
            ),
        )
    )

    sent = orders.resend_order_emails(order, by=staff)

    assert sent == ["order_received", "consent_request"]
    assert youth.pk
    assert ActivityLog.objects.get(action="order.emails_resent").data == {
        "order_received": 1,
        "consent_request": 1,
    }


def test_resend_refuses_canceled_orders(staff):
    with pytest.raises(OrderError) as refused:
        orders.resend_order_emails(OrderFactory(status=OrderStatus.CANCELED), by=staff)

    assert refused.value.code == "nothing_to_resend"


def test_buyers_are_held_to_the_cut_off_but_staff_are_not(staff):
    event = EventFactory(attendee_edit_until=timezone.now() - timedelta(hours=1))
    attendee = AttendeeFactory(order=OrderFactory(event=event), given_name="Jon")

    with pytest.raises(OrderError) as buyer:
        orders.update_attendee(attendee, data={"given_name": "John"})
    orders.update_attendee(
        attendee, data={"given_name": "John"}, by=staff, as_staff=True
    )

    attendee.refresh_from_db()
    assert buyer.value.code == "edit_closed"
    assert attendee.given_name == "John"


def test_bulk_vouchers_skip_codes_already_taken(staff):
    event = EventFactory()
    VoucherFactory(event=event, code="TEAM-AAAAAAAA")
    draws = iter(["AAAAAAAA", "AAAAAAAA", "BBBBBBBB", "CCCCCCCC"])

    created = vouchers.create_vouchers(
        event,
        count=2,
        prefix="team",
        settings=vouchers.VoucherSettings(kind="fixed", value=Decimal("20")),
        by=staff,
        draw=lambda: next(draws),
    )

    assert [v.code for v in created] == ["TEAM-BBBBBBBB", "TEAM-CCCCCCCC"]
    assert Voucher.objects.filter(event=event).count() == 3


@pytest.mark.parametrize(
    ("count", "prefix", "value", "field"),
    [
        (0, "OK", "10", "count"),
        (1001, "OK", "10", "count"),
        (1, "", "10", "prefix"),
        (1, "ÉTÉ", "10", "prefix"),
        (1, "X" * 32, "10", "prefix"),
        (1, "OK", "101", "value"),
    ],
)
def test_bulk_vouchers_name_the_bad_field(staff, count, prefix, value, field):
    with pytest.raises(vouchers.VoucherError) as refused:
        vouchers.create_vouchers(
            EventFactory(),
            count=count,
            prefix=prefix,
            settings=vouchers.VoucherSettings(kind="percent", value=Decimal(value)),
            by=staff,
        )

    assert refused.value.field == field
    assert Voucher.objects.count() == 0


def test_bulk_vouchers_refuse_another_events_ticket_types(staff):
    with pytest.raises(vouchers.VoucherError) as refused:
        vouchers.create_vouchers(
            EventFactory(),
            count=1,
            prefix="X",
            settings=vouchers.VoucherSettings(
                kind="fixed", value=Decimal("5"), ticket_types=(TicketTypeFactory(),)
            ),
            by=staff,
        )

    assert refused.value.field == "ticket_types"


def test_staff_offer_reserves_for_the_event_offer_hours(staff):
    now = timezone.now()
    ticket = TicketTypeFactory(capacity=3)
    entry = WaitingListEntryFactory(event=ticket.event, ticket_type=ticket, quantity=2)

    waiting_list.offer_waiting_list_entry(entry, by=staff, now=now)

    entry.refresh_from_db()
    assert entry.status == WaitingListStatus.OFFERED
    assert entry.offer_expires_at == now + timedelta(
        hours=ticket.event.waiting_list_offer_hours
    )


def test_staff_offer_and_cancel_refuse_closed_entries(staff):
    entry = WaitingListEntryFactory(status=WaitingListStatus.ACCEPTED)

    with pytest.raises(WaitingListError) as offer:
        waiting_list.offer_waiting_list_entry(entry, by=staff)
    with pytest.raises(WaitingListError) as cancel:
        waiting_list.cancel_waiting_list_entry(entry, by=staff)

    assert (offer.value.code, cancel.value.code) == ("invalid_status", "invalid_status")
