import pytest

from registration.models import PaymentMethod, WaitingListEntry, WaitingListStatus
from registration.orders import services as orders
from registration.orders.services import AttendeeData, BuyerData
from registration.waiting_list import services as waiting_list
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold_out():
    event = EventFactory(slug="conference")
    ticket = TicketTypeFactory(event=event, name="Delegate", capacity=1)
    order = orders.place_order(
        event,
        buyer=BuyerData(name="A", email="a@example.org"),
        attendees=[AttendeeData(ticket_type=ticket.pk, given_name="A")],
        payment_method=PaymentMethod.INVOICE,
    )
    return ticket, order


def test_join_the_waiting_list_of_a_sold_out_ticket(client, sold_out):
    ticket, _order = sold_out
    page = client.get(f"/waiting-list/conference/?ticket={ticket.pk}")
    assert (
        f'<option value="{ticket.pk}" selected>Delegate</option>'
        in page.content.decode()
    )
    response = client.post(
        "/waiting-list/conference/",
        {
            "ticket_type": ticket.pk,
            "name": "Wendy",
            "email": "wendy@example.org",
            "quantity": "1",
        },
    )
    assert 'data-testid="waiting-list-joined"' in response.content.decode()
    assert WaitingListEntry.objects.get().email == "wendy@example.org"


def test_offer_link_starts_checkout_with_the_reserved_place(client, sold_out):
    ticket, order = sold_out
    entry = waiting_list.join_waiting_list(
        ticket.event, ticket_type=ticket, name="Wendy", email="wendy@example.org"
    )
    orders.cancel_order(order, by=None)
    waiting_list.offer_waiting_list_places()
    response = client.get(f"/waiting-list/offer/{entry.token}/")
    assert response["Location"] == "/register/conference/attendees/"
    client.post(
        "/register/conference/attendees/",
        {
            "buyer.name": "Wendy",
            "buyer.email": "wendy@example.org",
            "buyer.language": "en",
            "payment_method": "invoice",
            "attendees.0.given_name": "Wendy",
        },
    )
    placed = client.post(
        "/register/conference/review/",
        {
            "expected_total": "100.00",
            "billing_name": "City of Toulouse",
            "billing_address": "1 Place du Capitole, Toulouse",
            "privacy": "yes",
        },
    )
    assert placed.status_code == 302
    entry.refresh_from_db()
    assert entry.status == WaitingListStatus.ACCEPTED


def test_expired_or_unknown_offer_link(client, db):
    assert client.get("/waiting-list/offer/NOPE/").status_code == 404
