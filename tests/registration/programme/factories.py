"""Programme sessions for the tests of registration/programme."""

from datetime import timedelta

import factory

from registration.models import ProgrammeSession, SessionKind
from tests.factories import EventFactory


class ProgrammeSessionFactory(factory.django.DjangoModelFactory):
    """A one-hour workshop on the event's first day, with no place limit."""

    class Meta:
        model = ProgrammeSession

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    kind = SessionKind.WORKSHOP
    room = "Room A"
    starts_at = factory.LazyAttribute(lambda o: o.event.starts_at + timedelta(hours=2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
