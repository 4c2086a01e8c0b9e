"""The site the accessibility browser tests walk through: an event page with
tickets and an extra, a placed order, a youth delegate awaiting consent and a
delegation led from abroad."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from registration.models import CheckInList, PaymentMethod
from registration.orders.services import AttendeeData, BuyerData, YouthData, place_order
from registration.travel.services import delegations
from tests.factories import EventFactory, ExtraFactory, TicketTypeFactory
from tests.factories.cms import build_site, event_index, event_page
from tests.factories.registration_more import ConsentTextFactory
from tests.factories.travel import LedDelegationFactory


@dataclass
class Site:
    event: object
    delegate: object
    youth_ticket: object
    extra: object
    event_path: str
    order_path: str
    consent_path: str
    delegation_path: str
    checkin_list: object


def build_event_site() -> Site:
    """A published event page with tickets, a paid order, a youth delegate
    awaiting consent and a delegation led from abroad."""
    home = build_site()
    event = EventFactory(
        name="Annual Conference",
        slug="conference",
        venue="Convention Center",
        contact_email="events@sister-cities.example",
    )
    delegate = TicketTypeFactory(
        event=event,
        name="Delegate",
        price=Decimal("450.00"),
        capacity=50,
        description="Full conference access.",
        badge_colour="#1d4ed8",
    )
    youth_ticket = TicketTypeFactory(
        event=event,
        name="Youth delegate",
        price=Decimal("200.00"),
        min_age=14,
        max_age=18,
        requires_guardian_consent=True,
    )
    extra = ExtraFactory(event=event, name="Gala dinner", price=Decimal("85.00"))
    page = event_page(event_index(home), event)
    ConsentTextFactory(event=event, version=1, body="Participation and photo release.")

    order = place_order(
        event,
        buyer=BuyerData(name="Ada Lovelace", email="ada@example.org"),
        attendees=[
            AttendeeData(
                ticket_type=delegate.pk,
                given_name="Amara",
                family_name="Okafor",
                email="amara@example.org",
            ),
            AttendeeData(
                ticket_type=youth_ticket.pk,
                given_name="Léa",
                family_name="Martin",
                youth=YouthData(
                    date(event.local_start_date().year - 16, 1, 1),
                    "Marie Martin",
                    "marie@example.org",
                    "+33 1 23 45 67 89",
                ),
            ),
        ],
        payment_method=PaymentMethod.INVOICE,
    )
    youth = order.attendees.get(ticket_type=youth_ticket).youth
    delegation = LedDelegationFactory(
        event=event, name="Toulouse delegation", home_city="Toulouse", home_country="FR"
    )
    delegations.add_member(
        delegation,
        member=AttendeeData(
            ticket_type=delegate.pk,
            given_name="Chloé",
            family_name="Dubois",
            email="chloe@toulouse.example",
        ),
    )
    return Site(
        event=event,
        delegate=delegate,
        youth_ticket=youth_ticket,
        extra=extra,
        event_path=page.url,
        order_path=f"/orders/{order.code}/{order.secret}/",
        consent_path=f"/consent/{youth.consent_token}/",
        delegation_path=f"/delegations/{delegation.secret}/",
        checkin_list=CheckInList.objects.create(event=event, name="Main door"),
    )
