from decimal import Decimal

import pytest

from registration.models import OrderStatus
from tests.factories import (
    AttendeeFactory,
    EventFactory,
    ExtraFactory,
    OrderFactory,
    QuestionFactory,
    TicketTypeFactory,
)

pytestmark = pytest.mark.django_db


def test_event_list_gives_every_event_soonest_first(api, django_assert_num_queries):
    later = EventFactory(slug="summit")
    sooner = EventFactory(
        slug="conference", starts_at=later.starts_at.replace(year=2026)
    )
    for _ in range(3):
        EventFactory()
    with django_assert_num_queries(2):  # the token with its user, the events
        response = api.get("/api/v1/events/")
    slugs = [item["slug"] for item in response.json()]
    assert slugs[0] == sooner.slug
    assert len(slugs) == 5
    assert set(response.json()[0]) == {
        "slug",
        "name",
        "name_translations",
        "kind",
        "starts_at",
        "ends_at",
        "time_zone",
        "city",
        "country",
        "currency",
        "capacity",
        "registration_opens_at",
        "registration_closes_at",
    }


def test_event_detail_shows_prices_and_seats_left(api):
    event = EventFactory(slug="conference", capacity=100)
    delegate = TicketTypeFactory(
        event=event,
        name="Delegate",
        price=Decimal("450.00"),
        member_price=Decimal("375.00"),
        capacity=10,
    )
    gala = ExtraFactory(event=event, name="Gala", price=Decimal("85.00"), capacity=5)
    order = OrderFactory(event=event, status=OrderStatus.PAID)
    AttendeeFactory.create_batch(3, order=order, ticket_type=delegate)
    question = QuestionFactory(event=event, label="Diet")
    body = api.get("/api/v1/events/conference/").json()
    assert body["seats_left"] == 97
    assert body["ticket_types"] == [
        {
            "id": delegate.pk,
            "name": "Delegate",
            "name_translations": {"en": "Delegate", "es": "", "fr": ""},
            "description": "",
            "description_translations": {"en": "", "es": "", "fr": ""},
            "price": "450.00",
            "member_price": "375.00",
            "capacity": 10,
            "seats_left": 7,
            "state": "open",
            "min_per_order": 1,
            "max_per_order": 10,
            "members_only": False,
            "hidden_unless_voucher": False,
            "requires_approval": False,
            "min_age": None,
            "max_age": None,
            "requires_guardian_consent": False,
            "badge_role": "",
            "badge_role_translations": {"en": "", "es": "", "fr": ""},
        }
    ]
    assert body["extras"] == [
        {
            "id": gala.pk,
            "name": "Gala",
            "name_translations": {"en": "Gala", "es": "", "fr": ""},
            "description": "",
            "description_translations": {"en": "", "es": "", "fr": ""},
            "price": "85.00",
            "capacity": 5,
            "seats_left": 5,
            "state": "open",
        }
    ]
    assert body["questions"] == [
        {
            "id": question.pk,
            "label": "Diet",
            "label_translations": {"en": "Diet", "es": "", "fr": ""},
            "kind": "text",
            "required": False,
            "help_text": "",
            "help_text_translations": {"en": "", "es": "", "fr": ""},
            "choices": [],
            "choice_labels": [],
            "choices_translations": {"en": "", "es": "", "fr": ""},
            "ticket_types": [],
        }
    ]


def test_unknown_event_answers_404(api):
    response = api.get("/api/v1/events/nope/")
    assert (response.status_code, response.json()) == (
        404,
        {"code": "not_found", "detail": "Not found."},
    )
