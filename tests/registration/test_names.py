"""Names in any script, with a Latin transliteration under those in another script
(registration/names.py), on badge, ticket, order page, check-in and the API."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from registration import names
from registration.documents.services import badges, tickets
from registration.models import Attendee, OrderStatus, PaymentMethod
from registration.names import is_latin_script, latin_transliteration
from registration.orders import services as orders
from registration.orders.services import update_attendee
from tests.factories import AttendeeFactory, EventFactory, TicketTypeFactory
from tests.pdf_tools import flat_text, weasyprint_warnings
from tests.registration.conftest import attendee, buyer

pytestmark = pytest.mark.django_db

PEOPLE = [
    ("王小明", "Wang Xiaoming", "CN"),
    ("محمد عبد الله", "Mohammed Abdullah", "EG"),
    ("Иван Петров", "Ivan Petrov", "RU"),
]


@pytest.mark.parametrize(
    ("name", "latin"),
    [
        ("José Müller", True),
        ("Nguyễn Văn An", True),
        ("Zoë O'Brien-Łukasz", True),
        ("", True),
        ("王小明", False),
        ("Иван Петров", False),
        ("محمد", False),
        ("Ivan Петров", False),
    ],
)
def test_is_latin_script(name, latin):
    assert is_latin_script(name) is latin


def test_transliteration_is_shown_only_under_a_non_latin_name():
    assert latin_transliteration("王小明", " Wang Xiaoming ") == "Wang Xiaoming"
    assert latin_transliteration("José", "Jose") == ""
    assert latin_transliteration("王小明", "") == ""


@pytest.fixture
def event():
    return EventFactory(
        name="Annual Conference",
        starts_at=datetime(2027, 7, 14, 13, tzinfo=UTC),
        ends_at=datetime(2027, 7, 16, 21, tzinfo=UTC),
        registration_opens_at=datetime(2026, 1, 1, tzinfo=UTC),
        registration_closes_at=datetime(2027, 7, 1, tzinfo=UTC),
    )


def people(event) -> list[Attendee]:
    ticket_type = TicketTypeFactory(event=event, name="Delegate")
    return [
        AttendeeFactory(
            order__event=event,
            order__status=OrderStatus.PAID,
            ticket_type=ticket_type,
            badge_name=name,
            badge_name_latin=latin,
            country=country,
        )
        for name, latin, country in PEOPLE
    ]


@pytest.mark.parametrize("layout", sorted(badges.LAYOUTS))
def test_badge_prints_the_latin_transliteration_under_a_non_latin_name(event, layout):
    everyone = people(event)
    latin = AttendeeFactory(
        order__event=event,
        order__status=OrderStatus.PAID,
        badge_name="José Müller",
        badge_name_latin="Jose Muller",
    )

    with weasyprint_warnings() as warnings:
        pdf = badges.render_badges([*everyone, latin], layout=layout, workers=1)

    text = flat_text(pdf)
    for name, transliteration, _country in PEOPLE:
        assert name in text
        assert transliteration in text
    assert "José Müller" in text
    assert "Jose Muller" not in text  # a Latin name needs no transliteration
    assert warnings == []


def test_badge_context_and_ticket_carry_the_transliteration(event):
    chinese, arabic, _russian = people(event)

    assert badges.badge_context(chinese)["name_latin"] == "Wang Xiaoming"
    text = flat_text(tickets.render_ticket(arabic))
    assert "محمد عبد الله" in text
    assert "Mohammed Abdullah" in text


def test_checkout_service_and_edit_keep_the_transliteration(event):
    ticket_type = TicketTypeFactory(event=event, price=Decimal("0.00"))
    order = orders.place_order(
        event,
        buyer=buyer(),
        attendees=[
            attendee(
                ticket_type,
                given_name="小明",
                family_name="王",
                badge_name="王小明",
                badge_name_latin=" Wang Xiaoming ",
            )
        ],
        payment_method=PaymentMethod.FREE,
    )
    person = order.attendees.get()
    assert (person.badge_name, person.badge_name_latin) == ("王小明", "Wang Xiaoming")

    update_attendee(person, data={"badge_name_latin": "Wang Xiao-Ming"})

    person.refresh_from_db()
    assert person.badge_name_latin == "Wang Xiao-Ming"


def test_edit_refuses_a_transliteration_that_is_too_long(event):
    person = people(event)[0]

    with pytest.raises(orders.OrderInvalid) as caught:
        update_attendee(person, data={"badge_name_latin": "x" * 121}, as_staff=True)

    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("badge_name_latin", "max_length")
    ]


def test_order_page_shows_the_transliteration(client, event):
    chinese = people(event)[0]
    order = chinese.order

    page = client.get(
        reverse("registration:order", args=[order.code, order.secret])
    ).content.decode()

    assert "王小明" in page
    assert '<span class="small" lang="und-Latn">Wang Xiaoming</span>' in page


def test_checkin_answer_carries_the_transliteration(event):
    from registration.checkin.services.scans import attendee_card

    russian = people(event)[2]

    card = attendee_card(russian, [])

    assert (card["name"], card["name_latin"]) == ("Иван Петров", "Ivan Petrov")


def test_api_order_accepts_and_returns_the_transliteration(client, event):
    from registration.staff.services.api_tokens import create_api_token
    from tests.factories import UserFactory

    ticket_type = TicketTypeFactory(event=event, price=Decimal("0.00"))
    user = UserFactory(is_staff=True, is_superuser=True)
    _token, key = create_api_token(user)
    body = {
        "buyer": {"name": "Ada Buyer", "email": "ada@example.org"},
        "attendees": [
            {
                "ticket_type": ticket_type.pk,
                "given_name": "Ivan",
                "family_name": "Petrov",
                "badge_name": "Иван Петров",
                "badge_name_latin": "Ivan Petrov",
            }
        ],
        "payment_method": "free",
    }

    response = client.post(
        f"/api/v1/events/{event.slug}/orders/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    assert response.status_code == 201, response.content
    [person] = response.json()["attendees"]
    assert (person["badge_name"], person["badge_name_latin"]) == (
        "Иван Петров",
        "Ivan Petrov",
    )


@pytest.mark.parametrize(
    ("given", "family", "badge"),
    [
        ("Claire", "Dubois", "Claire Dubois"),
        ("小明", "王", "王小明"),
        ("翔太", "佐藤", "佐藤翔太"),
        ("さくら", "山田", "山田さくら"),
        ("민준", "김", "김민준"),
        ("Иван", "Петров", "Иван Петров"),
        ("Madonna", "", "Madonna"),
        ("Ming", "王", "Ming 王"),  # mixed scripts: no guess beyond the default
    ],
)
def test_an_empty_badge_name_follows_the_names_own_order(event, given, family, badge):
    ticket_type = TicketTypeFactory(event=event, price=Decimal("0.00"))
    order = orders.place_order(
        event,
        buyer=buyer(),
        attendees=[
            attendee(ticket_type, given_name=given, family_name=family, badge_name="")
        ],
        payment_method=PaymentMethod.FREE,
    )
    person = order.attendees.get()
    assert person.badge_name == badge
    # Emptied later by the buyer: the same default.
    update_attendee(person, data={"badge_name": ""})
    person.refresh_from_db()
    assert person.badge_name == badge


# --- Printable on badges and tickets ------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Ana 🌍 Pérez",
        "👩🏽\u200d🚀 Maya",  # a skin tone and a zero-width joiner
        "Mere 🇫🇯 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        "Zoë ★ ♥ ☮ ❤\ufe0f → ∞ ≠ ∑",
        "李明 ✈ 𠮷田",
        "محمد عبد الله",
        "Line\tbreak\n",
    ],
)
def test_names_every_installed_font_can_draw_are_printable(name):
    assert names.unprintable_characters(name) == []


def test_unprintable_characters_lists_each_undrawable_character_once_in_order():
    text = "A\U000f0000b\ue000c\u0378\x07\U000f0000\u2028"

    assert names.unprintable_characters(text) == [
        "\U000f0000",  # private use
        "\ue000",
        "\u0378",  # unassigned
        "\x07",  # control
        "\u2028",  # line separator
    ]


def test_validate_printable_names_the_characters_it_refuses():
    with pytest.raises(ValidationError) as refused:
        names.validate_printable("Maya \ue000")

    assert refused.value.code == "unprintable_characters"
    assert refused.value.messages == [
        "These characters cannot be printed on a badge or ticket: \ue000 (U+E000). "
        "Please leave them out."
    ]
    names.validate_printable("Maya 👩🏽\u200d🚀")
