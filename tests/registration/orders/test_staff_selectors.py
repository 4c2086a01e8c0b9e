"""selectors.order_flag_q and with_order_flags agree on each flag."""

from datetime import timedelta

import pytest
from django.utils import timezone

from registration.models import Order, OrderStatus
from registration.orders import selectors
from tests.factories import AttendeeFactory, OrderFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def test_flags_filter_and_annotation_agree():
    consent = OrderFactory(code="C1")
    AttendeeFactory(
        order=consent,
        ticket_type=TicketTypeFactory(
            event=consent.event, requires_guardian_consent=True
        ),
    )
    OrderFactory(code="A1", status=OrderStatus.AWAITING_APPROVAL)
    OrderFactory(code="N1")
    now = timezone.now() + timedelta(minutes=1)

    flagged = Order.objects.filter(selectors.order_flag_q(now=now))
    annotated = {
        order.code: selectors.order_flags(order)
        for order in selectors.staff_order_list(now=now)
    }

    assert sorted(flagged.values_list("code", flat=True)) == ["A1", "C1"]
    assert annotated == {
        "C1": ["consent_missing"],
        "A1": ["awaiting_approval"],
        "N1": [],
    }
