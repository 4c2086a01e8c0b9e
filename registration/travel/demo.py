"""The demo delegation that `manage.py seed_demo` creates (idempotent): a
leader, three members through the order service, travel plans arriving at two
airports, one visa letter requested with passport details on file."""

from __future__ import annotations

from registration.errors import RegistrationError
from registration.models import Delegation, DelegationBilling, Event, VisaLetterStatus
from registration.orders.services import AttendeeData
from registration.travel.services import delegations, travel

DELEGATION_NAME = "Toulouse delegation"

MEMBERS = (
    {
        "given_name": "Chloé",
        "family_name": "Martin",
        "email": "chloe.martin@toulouse.example",
        "language": "fr",
        "travel": {
            "arrival_airport": "IAD",
            "arrival_date": "2027-07-13",
            "arrival_time": "13:05",
            "arrival_carrier": "Air France",
            "arrival_number": "AF 54",
            "departure_airport": "IAD",
            "departure_date": "2027-07-18",
            "departure_time": "17:40",
            "departure_carrier": "Air France",
            "departure_number": "AF 55",
            "pickup_needed": True,
            "lodging_kind": "hotel",
            "lodging_name": "Hotel Harrington",
            "room_sharing_with": "Inès Moreau",
        },
    },
    {
        "given_name": "Inès",
        "family_name": "Moreau",
        "email": "",
        "language": "fr",
        "travel": {
            "arrival_airport": "IAD",
            "arrival_date": "2027-07-13",
            "arrival_time": "13:05",
            "arrival_carrier": "Air France",
            "arrival_number": "AF 54",
            "pickup_needed": True,
            "lodging_kind": "hotel",
            "lodging_name": "Hotel Harrington",
            "room_sharing_with": "Chloé Martin",
        },
    },
    {
        "given_name": "Amadou",
        "family_name": "Diallo",
        "email": "amadou.diallo@toulouse.example",
        "language": "fr",
        "country": "SN",
        "travel": {
            "arrival_airport": "DCA",
            "arrival_date": "2027-07-12",
            "arrival_time": "21:50",
            "arrival_carrier": "American Airlines",
            "arrival_number": "AA 2215",
            "lodging_kind": "host_family",
            "lodging_name": "The Whitfield family",
            "visa_letter_needed": True,
        },
        "visa": {
            "nationality": "SN",
            "passport_number": "A01234567",
            "passport_expiry": "2031-02-28",
            "date_of_birth": "1986-09-21",
        },
    },
)


def seed_delegation(event: Event) -> Delegation:
    """The Toulouse delegation to `event`, with members and travel (added once)."""
    delegation, _created = Delegation.objects.update_or_create(
        event=event,
        name=DELEGATION_NAME,
        defaults={
            "home_city": "Toulouse",
            "home_country": "FR",
            "billing": DelegationBilling.DELEGATION_INVOICE,
            "leader_name": "Chloé Martin",
            "leader_email": "chloe.martin@toulouse.example",
            "leader_language": "fr",
            "billing_name": "Mairie de Toulouse – Relations internationales",
            "billing_address": "Place du Capitole\n31000 Toulouse\nFrance",
        },
    )
    if delegation.members.exists():
        return delegation
    ticket = event.ticket_types.filter(name="Delegate").first()
    dietary = event.questions.filter(label="Dietary needs").first()
    for row in MEMBERS:
        data = AttendeeData(
            ticket_type=ticket,
            given_name=row["given_name"],
            family_name=row["family_name"],
            email=row["email"],
            language=row["language"],
            country=row.get("country", ""),
            answers={dietary.pk: "No special diet"} if dietary else {},
        )
        try:
            order = delegations.add_member(delegation, member=data)
        except RegistrationError:
            # Registration closed or sold out: the delegation stays without members.
            return delegation
        attendee = order.attendees.get()
        travel.save_member_travel(attendee, travel=row["travel"], visa=row.get("visa"))
        if row["travel"].get("visa_letter_needed"):
            travel.set_visa_letter_status(
                attendee.travel, status=VisaLetterStatus.APPROVED, by=None
            )
    return delegation
