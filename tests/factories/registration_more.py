"""Factories for member codes, youth consent, waiting lists and API tokens."""

from datetime import date

import factory

from registration.models import (
    ConsentText,
    MemberOrganisation,
    WaitingListEntry,
    YouthDetails,
)
from tests.factories.events import EventFactory, TicketTypeFactory
from tests.factories.orders import AttendeeFactory


class MemberOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberOrganisation

    name = factory.Sequence(lambda n: f"Sister City Association {n}")
    code = factory.Sequence(lambda n: f"MEMBER{n}")


class ConsentTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentText

    event = factory.SubFactory(EventFactory)
    version = factory.Sequence(lambda n: n + 1)
    title = "Youth Leadership Summit consent"
    body = "Participation, medical information, photo release, code of conduct."


class YouthDetailsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = YouthDetails

    attendee = factory.SubFactory(AttendeeFactory)
    date_of_birth = date(2010, 5, 1)
    guardian_name = "Grace Guardian"
    guardian_email = "guardian@example.org"
    guardian_phone = "+1 202 555 0100"


class WaitingListEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitingListEntry

    event = factory.SubFactory(EventFactory)
    ticket_type = factory.SubFactory(
        TicketTypeFactory, event=factory.SelfAttribute("..event")
    )
    name = "Wendy Waiting"
    email = factory.Sequence(lambda n: f"waiting{n}@example.org")
