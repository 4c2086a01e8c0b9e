"""An attendee canceled on their own leaves every list that counts the
registered: they move to a canceled order split off theirs, so each rule that
reads order statuses leaves them out. One walk over those rules."""

from decimal import Decimal

import pytest

from registration.catalogue.selectors import get_availability
from registration.checkin.services.devices import create_device
from registration.checkin.services.scans import (
    hash_secret,
    redeem_ticket,
    search_attendees,
    sync_list,
)
from registration.documents.services.badges import admissible_attendees
from registration.models import CheckInList, CheckInResult, ExportKind, OrderStatus
from registration.orders import services as orders
from registration.orders.selectors import staff_order_detail
from registration.staff.selectors import get_ticket_type_sales
from registration.staff.services.exports import ExportFilters, export_queryset
from tests.factories import UserFactory
from tests.registration.payments.conftest import make_order

pytestmark = pytest.mark.django_db


def test_a_canceled_attendee_is_gone_from_seats_door_badges_reports_and_exports():
    order = make_order(prices=("450.00", "380.00"), status=OrderStatus.PAID, capacity=2)
    event = order.event
    keep, leave = order.attendees.order_by("pk")
    delegate = keep.ticket_type
    door = CheckInList.objects.create(event=event, name="Main door")
    device = create_device(name="Door 1", events=[event])[0]
    assert get_availability(event).for_ticket_type(delegate) == 0

    orders.apply_change(
        order,
        [{"op": "cancel_attendee", "attendee": leave.pk}],
        by=UserFactory(is_staff=True, is_superuser=True),
        as_staff=True,
    )

    registered = {keep.pk}
    assert get_availability(event).for_ticket_type(delegate) == 1
    assert set(admissible_attendees(event).values_list("pk", flat=True)) == registered
    # The door knows every ticket of the event, so that it can say why one is
    # refused: the canceled one stands as canceled, offline and online.
    standing = {
        entry["hash"]: entry["standing"] for entry in sync_list(door)["attendees"]
    }
    assert standing[hash_secret(leave.secret)] == CheckInResult.CANCELED
    assert standing[hash_secret(keep.secret)] == CheckInResult.OK
    scanned = redeem_ticket(door, device=device, nonce="n-1", secret=leave.secret)
    assert scanned.check_in.result == CheckInResult.CANCELED
    found = search_attendees(door, leave.given_name)
    assert {row["standing"] for row in found} == {CheckInResult.CANCELED}
    [sales] = [row for row in get_ticket_type_sales(event) if row.name == delegate.name]
    assert sales.sold == 1
    exported = export_queryset(ExportKind.ATTENDEES, event, ExportFilters())
    assert set(exported.values_list("pk", flat=True)) == registered
    detail = staff_order_detail(order, with_youth=False)
    assert [a.pk for a in detail["attendees"]] == [keep.pk]
    assert detail["split_orders"][0].total == Decimal("380.00")
