from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from registration.models import Attendee, OrderStatus, PaymentMethod
from registration.services.orders import AttendeeData, BuyerData, place_order
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    event = EventFactory(slug="conference", name="Annual Conference")
    ticket = TicketTypeFactory(event=event, name="Delegate", price=Decimal("450.00"))
    return place_order(
        event,
        buyer=BuyerData(name="Ada Buyer", email="ada@example.org"),
        attendees=[
            AttendeeData(ticket_type=ticket.pk, given_name="Mina", family_name="Park")
        ],
        payment_method=PaymentMethod.INVOICE,
    )


def url(order, suffix=""):
    return f"/orders/{order.code}/{order.secret}/{suffix}"


def test_order_page_shows_status_attendees_and_next_step(client, order):
    response = client.get(url(order))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert 'data-testid="order-status">Pending payment<' in html
    assert "Please pay the invoice of USD 450.00 by" in html
    assert html.count('data-testid="order-attendee"') == 1
    assert "Mina Park" in html


def test_wrong_or_truncated_secret_is_404(client, order):
    assert client.get(f"/orders/{order.code}/{order.secret[:-1]}/").status_code == 404
    assert (
        client.get(f"/orders/{order.code}/{'X' * len(order.secret)}/").status_code
        == 404
    )
    assert client.get(f"/orders/ZZZZZZ/{order.secret}/").status_code == 404


def test_buyer_edits_attendee_details_until_the_cut_off(client, order):
    person = order.attendees.get()
    edit = url(order, f"attendees/{person.pk}/")
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        {
            "given_name": "Min-a",
            "family_name": "Park",
            "badge_name": "",
            "email": "mina@example.org",
            "language": "fr",
            "country": "kr",
        },
    )
    assert response["Location"] == url(order)
    person = Attendee.objects.get(pk=person.pk)
    assert (person.badge_name, person.email, person.language, person.country.code) == (
        "Min-a Park",
        "mina@example.org",
        "fr",
        "KR",
    )
    order.event.attendee_edit_until = timezone.now() - timedelta(minutes=1)
    order.event.save()
    assert client.post(edit, {"given_name": "Late"})["Location"] == url(order)
    assert Attendee.objects.get(pk=person.pk).given_name == "Min-a"


def test_attendee_edit_errors_name_the_field_and_keep_the_input(client, order):
    person = order.attendees.get()
    response = client.post(
        url(order, f"attendees/{person.pk}/"),
        {
            "given_name": "",
            "email": "nope",
            "language": "en",
            "organisation": "Seoul City Hall",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="f-given_name-error">Enter the given name.<' in html
    assert 'id="f-email-error">Enter a valid e-mail address.<' in html
    assert 'value="Seoul City Hall"' in html


def test_buyer_cancels_an_unpaid_order(client, order):
    response = client.post(url(order, "cancel/"))
    assert response["Location"] == url(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED


def test_attendee_page_by_its_own_secret(client, order):
    person = order.attendees.get()
    response = client.get(f"/attendees/{person.secret}/")
    assert response.status_code == 200
    assert "This registration is not confirmed yet." in response.content.decode()
    assert client.get("/attendees/WRONG/").status_code == 404
