"""The demo event catalogue that `manage.py seed_demo` creates (idempotent).

Two events modelled on Sister Cities International's flagship gatherings, with
the ticket types, extras, questions and vouchers staff would set up for real.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from registration.models import (
    Event,
    EventKind,
    Extra,
    Question,
    QuestionKind,
    TicketType,
    Voucher,
    VoucherKind,
)

CONFERENCE_SLUG = "annual-conference-2027"
YOUTH_SUMMIT_SLUG = "youth-leadership-summit-2027"

DIETARY_CHOICES = (
    "No special diet\nVegetarian\nVegan\nHalal\nKosher\nGluten-free\nOther"
)
SHIRT_SIZES = "XS\nS\nM\nL\nXL\nXXL"


@dataclass(frozen=True)
class DemoCatalogue:
    conference: Event
    youth_summit: Event


def _local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def _upsert_children(
    model, event: Event, key: str, rows: list[dict]
) -> dict[str, object]:
    created = {}
    for order, row in enumerate(rows):
        obj, _ = model.objects.update_or_create(
            event=event, **{key: row[key]}, defaults={**row, "sort_order": order}
        )
        created[row[key]] = obj
    return created


def _question_rows(with_accessibility: bool = True) -> list[dict]:
    rows = [
        {
            "label": "Dietary needs",
            "kind": QuestionKind.CHOICE,
            "required": True,
            "choices": DIETARY_CHOICES,
            "help_text": "For the meals and the gala dinner.",
            "report_as": "dietary",  # counted for caterers in the event report
        },
    ]
    if with_accessibility:
        rows.append(
            {
                "label": "Accessibility needs",
                "kind": QuestionKind.LONG_TEXT,
                "required": False,
                "help_text": "Step-free access, interpretation, seating: tell us and we will plan for it.",
                "report_as": "accessibility",
            }
        )
    rows.append(
        {
            "label": "T-shirt size",
            "kind": QuestionKind.CHOICE,
            "required": False,
            "choices": SHIRT_SIZES,
            "help_text": "",
            "report_as": "t_shirt_size",
        }
    )
    return rows


def seed_conference() -> Event:
    tz = "America/New_York"
    event, _ = Event.objects.update_or_create(
        slug=CONFERENCE_SLUG,
        defaults={
            "name": "SCI Annual Conference 2027",
            "kind": EventKind.CONFERENCE,
            "starts_at": _local(tz, 2027, 7, 14, 9, 0),
            "ends_at": _local(tz, 2027, 7, 17, 17, 0),
            "time_zone": tz,
            "venue": "Capital Convention Center",
            "address": "801 Mount Vernon Place NW",
            "city": "Washington, DC",
            "country": "US",
            "currency": "USD",
            "capacity": 500,
            "registration_opens_at": _local(tz, 2026, 10, 1, 9, 0),
            "registration_closes_at": _local(tz, 2027, 7, 10, 23, 59),
            "payment_term_days": 30,
            "contact_email": "conference@sister-cities.example",
        },
    )
    tickets = _upsert_children(
        TicketType,
        event,
        "name",
        [
            {
                "name": "Member delegate",
                "description": "Full conference for delegates of SCI member cities and organisations.",
                "price": Decimal("450.00"),
                "members_only": True,
                "badge_role": "Delegate",
                "badge_colour": "#1F4E8C",
            },
            {
                "name": "Delegate",
                "description": "Full conference: all sessions, lunches and the welcome reception.",
                "price": Decimal("595.00"),
                "badge_role": "Delegate",
                "badge_colour": "#1F4E8C",
            },
            {
                "name": "Day pass",
                "description": "One conference day of your choice.",
                "price": Decimal("195.00"),
                "capacity": 100,
                "badge_role": "Day pass",
                "badge_colour": "#5B6770",
            },
            {
                "name": "Speaker",
                "description": "For invited speakers; unlocked with a speaker code.",
                "price": Decimal("0.00"),
                "hidden_unless_voucher": True,
                "badge_role": "Speaker",
                "badge_colour": "#C8501E",
            },
            {
                "name": "Volunteer",
                "description": "Conference volunteers; unlocked with a volunteer code.",
                "price": Decimal("0.00"),
                "hidden_unless_voucher": True,
                "counts_toward_event_capacity": False,
                "badge_role": "Volunteer",
                "badge_colour": "#2E7D4F",
            },
        ],
    )
    _upsert_children(
        Extra,
        event,
        "name",
        [
            {
                "name": "Gala dinner",
                "description": "Awards gala on Friday evening, 7 pm.",
                "price": Decimal("125.00"),
                "capacity": 300,
            },
            {
                "name": "Site visit: community gardens of Anacostia",
                "description": "Thursday afternoon, by coach; limited places.",
                "price": Decimal("40.00"),
                "capacity": 40,
            },
        ],
    )
    _upsert_children(Question, event, "label", _question_rows())
    speaker_voucher, _ = Voucher.objects.update_or_create(
        event=event,
        code="SPEAKER2027",
        defaults={
            "kind": VoucherKind.SET_PRICE,
            "value": Decimal("0.00"),
            "max_uses": 40,
            "unlocks_hidden_tickets": True,
            "note": "Sent to invited speakers.",
        },
    )
    speaker_voucher.ticket_types.set([tickets["Speaker"]])
    Voucher.objects.update_or_create(
        event=event,
        code="EARLYBIRD27",
        defaults={
            "kind": VoucherKind.PERCENT,
            "value": Decimal("15"),
            "max_uses": 100,
            "valid_until": _local(tz, 2027, 3, 31, 23, 59),
            "note": "Early registration, first 100 delegates.",
        },
    )
    return event


def seed_youth_summit() -> Event:
    tz = "America/Chicago"
    event, _ = Event.objects.update_or_create(
        slug=YOUTH_SUMMIT_SLUG,
        defaults={
            "name": "Youth Leadership Summit 2027",
            "kind": EventKind.YOUTH_SUMMIT,
            "starts_at": _local(tz, 2027, 6, 21, 9, 0),
            "ends_at": _local(tz, 2027, 6, 25, 15, 0),
            "time_zone": tz,
            "venue": "Lakeshore University Conference Center",
            "address": "2100 Lake Park Avenue",
            "city": "Chicago",
            "country": "US",
            "currency": "USD",
            "capacity": 50,
            "registration_opens_at": _local(tz, 2026, 11, 1, 9, 0),
            "registration_closes_at": _local(tz, 2027, 4, 30, 23, 59),
            "payment_term_days": 21,
            "contact_email": "youth@sister-cities.example",
        },
    )
    _upsert_children(
        TicketType,
        event,
        "name",
        [
            {
                "name": "Youth delegate",
                "description": "Ages 14–18. Places are selective: applications are reviewed.",
                "price": Decimal("295.00"),
                "capacity": 50,
                "min_age": 14,
                "max_age": 18,
                "requires_guardian_consent": True,
                "requires_approval": True,
                "badge_role": "Youth delegate",
                "badge_colour": "#6A3FA0",
            },
            {
                "name": "Chaperone",
                "description": "Adults accompanying a youth delegation.",
                "price": Decimal("195.00"),
                "capacity": 15,
                "counts_toward_event_capacity": False,
                "badge_role": "Chaperone",
                "badge_colour": "#00796B",
            },
            {
                "name": "Volunteer",
                "description": "Summit volunteers; unlocked with a volunteer code.",
                "price": Decimal("0.00"),
                "hidden_unless_voucher": True,
                "counts_toward_event_capacity": False,
                "badge_role": "Volunteer",
                "badge_colour": "#2E7D4F",
            },
        ],
    )
    _upsert_children(
        Extra,
        event,
        "name",
        [
            {
                "name": "Architecture river cruise",
                "description": "Wednesday evening, with dinner on board.",
                "price": Decimal("35.00"),
                "capacity": 60,
            },
        ],
    )
    _upsert_children(Question, event, "label", _question_rows())
    return event


@transaction.atomic
def seed_catalogue() -> DemoCatalogue:
    """Create or update the two demo events with their tickets, extras and questions."""
    return DemoCatalogue(conference=seed_conference(), youth_summit=seed_youth_summit())
