"""The leader's delegation page at its secret link (no account)."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registration.models import (
    Attendee,
    DelegationStatus,
    OrderStatus,
    PaymentMethod,
    TravelPlan,
    VisaDetails,
    VisaLetterStatus,
)
from registration.travel.services import delegations
from tests.factories import AttendeeFactory, OrderFactory
from tests.factories.travel import LedDelegationFactory, TravelPlanFactory
from tests.registration.travel.conftest import member

pytestmark = pytest.mark.django_db


def url(delegation, suffix=""):
    return f"/delegations/{delegation.secret}/{suffix}"


def test_page_shows_members_payment_and_travel_in_airport_time(
    client, delegation, delegate
):
    order = delegations.add_member(delegation, member=member(delegate))
    attendee = order.attendees.get()
    TravelPlanFactory(
        attendee=attendee,
        arrival_at=datetime(2027, 7, 13, 0, 5, tzinfo=UTC),
        arrival_airport="HNL",
        arrival_carrier="Hawaiian",
        arrival_number="HA 51",
    )

    response = client.get(url(delegation))

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert "Toulouse delegation" in html
    assert html.count('data-testid="delegation-member"') == 1
    assert 'data-testid="payment-status">Pending payment<' in html
    assert "12 Jul 2027, 14:05 HNL (HST)" in html
    assert 'data-testid="delegation-status">Open: members being added<' in html


def test_page_is_language_prefixed(client, delegation):
    response = client.get(f"/fr/delegations/{delegation.secret}/")
    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()


def test_wrong_or_truncated_secret_is_404(client, delegation):
    assert client.get(url(delegation)[:-2] + "/").status_code == 404
    wrong = delegation.secret[:-1] + ("Z" if delegation.secret[-1] != "Z" else "Y")
    assert client.get(f"/delegations/{wrong}/").status_code == 404
    assert client.get(f"/delegations/{wrong}/members/new/").status_code == 404


def test_a_member_of_another_delegation_is_never_visible(
    client, event, delegation, delegate
):
    other = LedDelegationFactory(event=event, name="Osaka delegation")
    stranger = delegations.add_member(
        other, member=member(delegate, given_name="Kenji", family_name="Sato")
    ).attendees.get()
    AttendeeFactory(order=OrderFactory(event=event), given_name="Nobody")

    page = client.get(url(delegation)).content.decode()
    travel = client.get(url(delegation, f"members/{stranger.pk}/travel/"))
    ticket = client.get(url(delegation, f"members/{stranger.pk}/ticket/"))
    post = client.post(
        url(delegation, f"members/{stranger.pk}/travel/"),
        {
            "arrival_airport": "IAD",
            "arrival_date": "2027-07-12",
            "arrival_time": "10:00",
        },
    )

    assert "Kenji" not in page and "Nobody" not in page
    assert (travel.status_code, ticket.status_code, post.status_code) == (404, 404, 404)
    assert not TravelPlan.objects.exists()


def test_adding_a_member_creates_a_proper_order(client, delegation, delegate):
    response = client.post(
        url(delegation, "members/new/"),
        {
            "ticket_type": delegate.pk,
            "given_name": "Hugo",
            "family_name": "Bernard",
            "email": "hugo@toulouse.example",
            "language": "fr",
            "city": "Toulouse",
            "country": "FR",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == url(delegation)
    attendee = Attendee.objects.select_related("order").get()
    order = attendee.order
    assert (attendee.badge_name, attendee.delegation, attendee.language) == (
        "Hugo Bernard",
        delegation,
        "fr",
    )
    assert (order.status, order.payment_method, str(order.total)) == (
        OrderStatus.PENDING,
        PaymentMethod.INVOICE,
        "450.00",
    )
    assert order.buyer_email == "leader@toulouse.example"


def test_member_form_keeps_input_and_names_fields_on_errors(
    client, delegation, delegate
):
    response = client.post(
        url(delegation, "members/new/"),
        {
            "ticket_type": delegate.pk,
            "given_name": "",
            "family_name": "Bernard",
            "email": "not-an-address",
            "organisation": "Mairie",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="Bernard"' in html and 'value="Mairie"' in html
    assert 'value="not-an-address"' in html
    assert "Enter the given name." in html
    assert "Enter a valid e-mail address." in html
    assert not Attendee.objects.exists()


def test_travel_form_takes_times_in_the_airport_zone(client, delegation, delegate):
    attendee = delegations.add_member(
        delegation, member=member(delegate)
    ).attendees.get()

    response = client.post(
        url(delegation, f"members/{attendee.pk}/travel/"),
        {
            "arrival_airport": "lax",
            "arrival_date": "2027-07-12",
            "arrival_time": "23:30",
            "arrival_carrier": "Air France",
            "arrival_number": "AF 66",
            "pickup_needed": "on",
            "lodging_kind": "hotel",
            "lodging_name": "Hotel Harrington",
            "visa_letter_needed": "on",
            "nationality": "FR",
            "passport_number": "19FV12345",
            "passport_expiry": "2031-05-01",
        },
    )

    assert response.status_code == 302
    plan = TravelPlan.objects.get(attendee=attendee)
    # 23:30 in Los Angeles (PDT, UTC−7) is 06:30 UTC the next day.
    assert plan.arrival_at == datetime(2027, 7, 13, 6, 30, tzinfo=UTC)
    assert (plan.pickup_needed, plan.visa_letter_status) == (
        True,
        VisaLetterStatus.REQUESTED,
    )
    assert VisaDetails.objects.get(attendee=attendee).passport_number == "19FV12345"

    form = client.get(url(delegation, f"members/{attendee.pk}/travel/"))
    html = form.content.decode()
    assert 'value="23:30"' in html and 'value="2027-07-12"' in html
    assert "Los Angeles International Airport · America/Los_Angeles" in html
    # Passport details are write-only on the leader's page.
    assert "19FV12345" not in html
    assert "Passport details are on file." in html
    page = client.get(url(delegation)).content.decode()
    assert "Passport details received" in page and "19FV12345" not in page


def test_travel_form_unknown_airport_is_a_field_error_and_keeps_input(
    client, delegation, delegate
):
    attendee = delegations.add_member(
        delegation, member=member(delegate)
    ).attendees.get()

    response = client.post(
        url(delegation, f"members/{attendee.pk}/travel/"),
        {
            "arrival_airport": "QQX",
            "arrival_date": "2027-07-12",
            "arrival_time": "10:15",
            "arrival_number": "AF 66",
            "lodging_name": "Hotel Harrington",
            "passport_number": "19FV12345",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "QQX is not a known airport or station code." in html
    assert 'value="QQX"' in html and 'value="10:15"' in html
    assert 'value="Hotel Harrington"' in html and 'value="AF 66"' in html
    # The passport errors come with the travel errors, and nothing is saved.
    assert "Choose the nationality." in html
    assert not TravelPlan.objects.exists() and not VisaDetails.objects.exists()


def test_leader_closes_the_list_and_gets_the_invoice(client, delegation, delegate):
    delegations.add_member(delegation, member=member(delegate))

    response = client.post(
        url(delegation, "close/"),
        {
            "billing.name": "Ville de Toulouse",
            "billing.address": "Place du Capitole\n31000 Toulouse",
            "billing.po_number": "PO-77",
        },
    )

    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.status == DelegationStatus.CLOSED
    page = client.get(url(delegation)).content.decode()
    assert 'data-testid="delegation-invoice"' in page
    pdf = client.get(url(delegation, "invoice/"))
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")


def test_close_form_keeps_input_on_errors(client, delegation):
    response = client.post(
        url(delegation, "close/"),
        {
            "billing.name": "Ville de Toulouse",
            "billing.address": "",
            "billing.tax_id": "FR12",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter the billing address." in html
    assert 'value="Ville de Toulouse"' in html and 'value="FR12"' in html


def test_tickets_download_once_paid(client, delegation, delegate):
    order = delegations.add_member(delegation, member=member(delegate))
    attendee = order.attendees.get()
    assert (
        client.get(url(delegation, f"members/{attendee.pk}/ticket/")).status_code == 403
    )

    from registration.orders.services import mark_order_paid

    mark_order_paid(order, by=None)
    response = client.get(url(delegation, f"members/{attendee.pk}/ticket/"))
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert 'data-testid="ticket-link"' in client.get(url(delegation)).content.decode()


def test_page_queries_do_not_grow_with_members(client, delegation, delegate):
    for index in range(2):
        delegations.add_member(
            delegation, member=member(delegate, given_name=f"M{index}", email="")
        )
    client.get(url(delegation))  # warms the per-process site and menu caches
    with CaptureQueriesContext(connection) as few:
        client.get(url(delegation))
    for index in range(6):
        attendee = delegations.add_member(
            delegation, member=member(delegate, given_name=f"N{index}", email="")
        ).attendees.get()
        TravelPlanFactory(attendee=attendee, visa_letter_needed=True)
    with CaptureQueriesContext(connection) as many:
        client.get(url(delegation))
    assert len(many) == len(few)


def test_public_pages_have_no_inline_script_or_style(client, delegation, delegate):
    attendee = delegations.add_member(
        delegation, member=member(delegate)
    ).attendees.get()
    for path in ("", "members/new/", f"members/{attendee.pk}/travel/", "close/"):
        response = client.get(url(delegation, path))
        html = response.content.decode()
        assert response.status_code == 200
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "<script>" not in html and " style=" not in html and "<style" not in html
