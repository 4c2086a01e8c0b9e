"""Objects of read-only screens are linked to their inspect page (admin_links.py)."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from wagtail.admin.admin_url_finder import AdminURLFinder

from registration.models import Payment, Refund
from tests.factories import AttendeeFactory, DelegationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def usage_links(client, url: str) -> set[str]:
    """Where the rows of a usage table link to (without the field anchors)."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    main = html.split("<main", 1)[1]
    table = main.split("<table", 1)[1].split("</table>", 1)[0]
    return {link.split("#")[0] for link in re.findall(r'href="(/admin/[^"]+)"', table)}


def test_a_delegation_usage_page_links_its_member_to_the_attendee_page(
    client, superuser
):
    delegation = DelegationFactory()
    attendee = AttendeeFactory(
        order__event=delegation.event, delegation=delegation, badge_name="Mina Park"
    )
    # The admin's models join the reference index when its URLs load (as the
    # command's system checks do outside tests).
    reverse("wagtailadmin_home")
    call_command("rebuild_references_index", stdout=io.StringIO())
    client.force_login(superuser)

    assert usage_links(client, f"/admin/delegations/usage/{delegation.pk}/") == {
        f"/admin/attendees/inspect/{attendee.pk}/"
    }


def test_money_rows_link_to_inspect_because_nobody_edits_them(superuser):
    attendee = AttendeeFactory()
    order = attendee.order
    payment = Payment.objects.create(
        order=order,
        provider="stripe",
        amount=Decimal("100.00"),
        currency=order.currency,
    )
    refund = Refund.objects.create(
        payment=payment,
        order=order,
        amount=Decimal("10.00"),
        currency=order.currency,
        origin="staff",
    )
    finder = AdminURLFinder(superuser)

    assert (
        finder.get_edit_url(payment) == f"/admin/payment_records/inspect/{payment.pk}/"
    )
    assert finder.get_edit_url(refund) == f"/admin/refunds/inspect/{refund.pk}/"
    assert finder.get_edit_url(order) == f"/admin/orders/inspect/{order.pk}/"
    assert finder.get_edit_url(attendee) == f"/admin/attendees/inspect/{attendee.pk}/"
    assert finder.get_edit_url(attendee.ticket_type.event) == (
        f"/admin/events/edit/{attendee.ticket_type.event.pk}/"
    )


def test_staff_without_the_view_permission_get_no_link():
    clerk = UserFactory(username="clerk", is_staff=True)
    attendee = AttendeeFactory()

    assert AdminURLFinder(clerk).get_edit_url(attendee) is None
