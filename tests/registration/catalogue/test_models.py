from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from registration.models import QuestionKind, VoucherKind
from tests.factories import (
    EventFactory,
    ExtraFactory,
    QuestionFactory,
    TicketTypeFactory,
    VoucherFactory,
)

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict[str, list[str]]:
    """The field errors `full_clean()` raises, or {} when the instance is valid."""
    try:
        instance.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


# --- Event ------------------------------------------------------------------------------


def test_event_from_the_factory_is_valid():
    assert errors_of(EventFactory()) == {}


def test_event_ending_before_it_starts_is_an_error_on_ends_at():
    event = EventFactory.build()
    event.ends_at = event.starts_at - timedelta(hours=1)
    event.registration_closes_at = event.ends_at - timedelta(days=1)

    assert errors_of(event) == {"ends_at": ["The event must end after it starts."]}


def test_event_ending_when_it_starts_is_an_error_on_ends_at():
    event = EventFactory.build()
    event.ends_at = event.starts_at

    assert errors_of(event) == {"ends_at": ["The event must end after it starts."]}


def test_registration_closing_before_it_opens_is_an_error_on_closes_at():
    event = EventFactory.build()
    event.registration_closes_at = event.registration_opens_at - timedelta(days=1)

    assert errors_of(event) == {
        "registration_closes_at": ["Registration must close after it opens."]
    }


def test_registration_closing_after_the_event_is_an_error_on_closes_at():
    event = EventFactory.build()
    event.registration_closes_at = event.ends_at + timedelta(days=1)

    assert errors_of(event) == {
        "registration_closes_at": [
            "Registration cannot close after the event has ended."
        ]
    }


def test_event_with_several_mistakes_names_each_field():
    event = EventFactory.build()
    event.ends_at = event.starts_at - timedelta(days=1)
    event.registration_closes_at = event.registration_opens_at

    assert errors_of(event) == {
        "ends_at": ["The event must end after it starts."],
        "registration_closes_at": ["Registration must close after it opens."],
    }


def test_event_with_unknown_time_zone_is_an_error_on_time_zone():
    event = EventFactory.build(time_zone="Mars/Olympus_Mons")

    assert list(errors_of(event)) == ["time_zone"]


def test_event_local_start_date_is_in_the_events_time_zone():
    event = EventFactory.build(
        time_zone="America/Los_Angeles",
        starts_at=datetime(2027, 7, 15, 3, 0, tzinfo=UTC),
    )

    assert event.local_start_date() == date(2027, 7, 14)


# --- TicketType and Extra -------------------------------------------------------------


def test_ticket_type_from_the_factory_is_valid():
    assert errors_of(TicketTypeFactory()) == {}


def test_ticket_sale_ending_before_it_starts_is_an_error_on_available_until():
    now = timezone.now()
    ticket_type = TicketTypeFactory.build(
        event=EventFactory(),
        available_from=now,
        available_until=now - timedelta(days=1),
    )

    assert errors_of(ticket_type) == {
        "available_until": ["The sale must end after it starts."]
    }


def test_ticket_max_per_order_below_min_is_an_error_on_max_per_order():
    ticket_type = TicketTypeFactory.build(
        event=EventFactory(), min_per_order=4, max_per_order=3
    )

    assert errors_of(ticket_type) == {
        "max_per_order": [
            "The maximum per order must be at least the minimum (and at least 1)."
        ]
    }


def test_ticket_max_per_order_of_zero_is_an_error_on_max_per_order():
    ticket_type = TicketTypeFactory.build(
        event=EventFactory(), min_per_order=0, max_per_order=0
    )

    assert list(errors_of(ticket_type)) == ["max_per_order"]


def test_ticket_max_age_below_min_age_is_an_error_on_max_age():
    ticket_type = TicketTypeFactory.build(event=EventFactory(), min_age=18, max_age=14)

    assert errors_of(ticket_type) == {
        "max_age": ["The maximum age must not be below the minimum age."]
    }


def test_ticket_youth_age_range_is_valid_and_marks_it_youth():
    ticket_type = TicketTypeFactory.build(event=EventFactory(), min_age=14, max_age=18)

    assert errors_of(ticket_type) == {}
    assert ticket_type.is_youth is True


def test_ticket_badge_colour_must_be_six_hex_digits():
    ticket_type = TicketTypeFactory.build(event=EventFactory(), badge_colour="blue")

    assert errors_of(ticket_type) == {
        "badge_colour": ["Enter a colour as # and six hex digits, e.g. #1F6FB2."]
    }


def test_ticket_negative_price_is_an_error_on_price():
    ticket_type = TicketTypeFactory.build(event=EventFactory(), price=Decimal("-1.00"))

    assert list(errors_of(ticket_type)) == ["price"]


def test_ticket_role_label_falls_back_to_the_name():
    assert TicketTypeFactory.build(name="Chaperone").role_label == "Chaperone"
    assert TicketTypeFactory.build(name="Staff", badge_role="CREW").role_label == "CREW"


def test_extra_sale_ending_before_it_starts_is_an_error_on_available_until():
    now = timezone.now()
    extra = ExtraFactory.build(
        event=EventFactory(), available_from=now, available_until=now
    )

    assert errors_of(extra) == {
        "available_until": ["The sale must end after it starts."]
    }


# --- Question ---------------------------------------------------------------------------


def test_choice_question_with_one_option_is_an_error_on_choices():
    question = QuestionFactory.build(
        event=EventFactory(), kind=QuestionKind.CHOICE, choices="Vegetarian\n  \n"
    )

    assert errors_of(question) == {
        "choices_en": ["A choice question needs at least two options, one per line."]
    }


def test_translated_choices_need_as_many_options_as_english():
    question = QuestionFactory.build(
        event=EventFactory(),
        kind=QuestionKind.CHOICE,
        choices="Small\nLarge",
        choices_es="Pequeña\nMediana\nGrande",
        choices_fr="Petite\nGrande",
    )

    assert errors_of(question) == {
        "choices_es": [
            "Give as many options as in English, in the same order, or none."
        ]
    }


def test_multiple_choice_question_with_two_options_is_valid():
    question = QuestionFactory.build(
        event=EventFactory(),
        kind=QuestionKind.MULTIPLE_CHOICE,
        choices=" Vegetarian \n\nVegan\n",
    )

    assert errors_of(question) == {}
    assert question.choice_list == ["Vegetarian", "Vegan"]


def test_text_question_needs_no_choices():
    question = QuestionFactory.build(event=EventFactory(), kind=QuestionKind.TEXT)

    assert errors_of(question) == {}


# --- Voucher ----------------------------------------------------------------------------


def test_voucher_from_the_factory_is_valid():
    assert errors_of(VoucherFactory()) == {}


def test_percent_voucher_over_100_is_an_error_on_value():
    voucher = VoucherFactory.build(
        event=EventFactory(), kind=VoucherKind.PERCENT, value=Decimal("101")
    )

    assert errors_of(voucher) == {"value": ["A percentage cannot be more than 100."]}


def test_fixed_voucher_over_100_is_valid():
    voucher = VoucherFactory.build(
        event=EventFactory(), kind=VoucherKind.FIXED, value=Decimal("250.00")
    )

    assert errors_of(voucher) == {}


def test_voucher_ending_before_it_starts_is_an_error_on_valid_until():
    now = timezone.now()
    voucher = VoucherFactory.build(
        event=EventFactory(), valid_from=now, valid_until=now - timedelta(hours=1)
    )

    assert errors_of(voucher) == {
        "valid_until": ["The voucher must end after it starts."]
    }


def test_voucher_code_with_spaces_is_an_error_on_code():
    voucher = VoucherFactory.build(event=EventFactory(), code="SUMMER 27")

    assert errors_of(voucher) == {
        "code": ["Use letters, digits, hyphens and underscores only."]
    }


def test_voucher_code_repeated_in_other_case_is_an_error_on_code():
    existing = VoucherFactory(code="EARLY-BIRD")
    voucher = VoucherFactory.build(event=existing.event, code="early-bird")

    assert errors_of(voucher) == {
        "code": ["This event already has a voucher with this code."]
    }


def test_voucher_code_may_repeat_across_events():
    VoucherFactory(code="EARLY-BIRD")
    voucher = VoucherFactory.build(event=EventFactory(), code="EARLY-BIRD")

    assert errors_of(voucher) == {}


def test_saved_voucher_does_not_clash_with_itself():
    voucher = VoucherFactory(code="EARLY-BIRD")

    assert errors_of(voucher) == {}
