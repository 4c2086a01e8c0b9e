from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from registration.models import Attendee, Delegation, Order, OrderStatus
from tests.factories.events import EventFactory, TicketTypeFactory


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")


class OrderFactory(factory.django.DjangoModelFactory):
    """A paid order; pass status=PENDING (with expires_at) for a hold."""

    class Meta:
        model = Order

    event = factory.SubFactory(EventFactory)
    code = factory.Sequence(lambda n: f"T{n:05d}")
    status = OrderStatus.PAID
    buyer_name = "Ada Buyer"
    buyer_email = "buyer@example.org"
    currency = factory.LazyAttribute(lambda o: o.event.currency)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Delegation {n}")
    home_city = "Toulouse"
    home_country = "FR"


class AttendeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendee

    order = factory.SubFactory(OrderFactory)
    ticket_type = factory.SubFactory(
        TicketTypeFactory, event=factory.SelfAttribute("..order.event")
    )
    given_name = "Mina"
    family_name = "Park"
    badge_name = factory.LazyAttribute(lambda o: f"{o.given_name} {o.family_name}")
    email = "attendee@example.org"
