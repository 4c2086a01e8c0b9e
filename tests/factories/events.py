from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from registration.models import Event, Extra, Question, TicketType, Voucher


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Event {n}")
    slug = factory.Sequence(lambda n: f"event-{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=60))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=3))
    time_zone = "America/New_York"
    city = "Washington"
    country = "US"
    currency = "USD"
    registration_opens_at = factory.LazyFunction(
        lambda: timezone.now() - timedelta(days=1)
    )
    registration_closes_at = factory.LazyAttribute(lambda o: o.starts_at)


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Ticket {n}")
    price = Decimal("100.00")


class ExtraFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Extra

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Extra {n}")
    price = Decimal("50.00")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    event = factory.SubFactory(EventFactory)
    label = factory.Sequence(lambda n: f"Question {n}")


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher

    event = factory.SubFactory(EventFactory)
    code = factory.Sequence(lambda n: f"VOUCHER{n}")
    value = Decimal("10")
