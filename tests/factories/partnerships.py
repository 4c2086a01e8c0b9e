"""Partnerships, their programmes, contacts and exchanges."""

from datetime import date

import factory

from registration.models import (
    Exchange,
    ExchangeDirection,
    ExchangeKind,
    Partnership,
    PartnershipContact,
    PartnershipKind,
    PartnershipStatus,
    Programme,
)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")


class PartnershipFactory(factory.django.DjangoModelFactory):
    """An active US sister-city partnership; override the partner's side as needed."""

    class Meta:
        model = Partnership

    kind = PartnershipKind.CITY
    local_name = factory.Sequence(lambda n: f"Springfield {n}")
    local_region = "Oregon"
    local_country = "US"
    partner_name = factory.Sequence(lambda n: f"Partner town {n}")
    partner_country = "FJ"
    status = PartnershipStatus.ACTIVE
    signed_on = date(2024, 5, 1)


class PartnershipContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnershipContact

    partnership = factory.SubFactory(PartnershipFactory)
    name = "Lani Contact"
    email = "lani.contact@example.org"
    phone = "+679 555 0101"


class ExchangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exchange

    partnership = factory.SubFactory(PartnershipFactory)
    kind = ExchangeKind.YOUTH
    title = factory.Sequence(lambda n: f"Exchange {n}")
    starts_on = date(2025, 6, 1)
    direction = ExchangeDirection.HOSTED
