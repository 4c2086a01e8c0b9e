"""Delegations with a leader, travel plans and passport details."""

from datetime import date

import factory

from registration.models import TravelPlan, VisaDetails
from tests.factories.orders import AttendeeFactory, DelegationFactory


class LedDelegationFactory(DelegationFactory):
    leader_name = "Chloé Martin"
    leader_email = "leader@toulouse.example"
    billing_address = "Mairie de Toulouse\nPlace du Capitole\n31000 Toulouse"


class TravelPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TravelPlan

    attendee = factory.SubFactory(AttendeeFactory)


class VisaDetailsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisaDetails

    attendee = factory.SubFactory(AttendeeFactory)
    nationality = "FR"
    passport_number = "19FV12345"
    passport_expiry = date(2031, 5, 1)
    date_of_birth = date(1980, 3, 14)
