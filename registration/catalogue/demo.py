"""The demo event catalogue that `manage.py seed_demo` creates (idempotent).

Two events modelled on Sister Cities International's flagship gatherings, with
the ticket types, extras, questions and vouchers staff would set up for real.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from registration.catalogue.demo_texts import with_translations
from registration.models import (
    Event,
    EventKind,
    Exchange,
    Extra,
    Partnership,
    PartnershipContact,
    Programme,
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

# Ticket types and extras of the two demo events, in their display order.
CONFERENCE_TICKET_TYPES = [
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
]
CONFERENCE_EXTRAS = [
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
]
YOUTH_TICKET_TYPES = [
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
]
YOUTH_EXTRAS = [
    {
        "name": "Architecture river cruise",
        "description": "Wednesday evening, with dinner on board.",
        "price": Decimal("35.00"),
        "capacity": 60,
    },
]


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
            event=event,
            **{key: row[key]},
            defaults={**with_translations(row), "sort_order": order},
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
            **with_translations({"name": "SCI Annual Conference 2027"}),
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
    tickets = _upsert_children(TicketType, event, "name", CONFERENCE_TICKET_TYPES)
    _upsert_children(Extra, event, "name", CONFERENCE_EXTRAS)
    _upsert_children(Question, event, "label", _question_rows())
    _seed_conference_vouchers(event, speaker_ticket=tickets["Speaker"])
    return event


def _seed_conference_vouchers(event: Event, *, speaker_ticket: TicketType) -> None:
    """The speakers' code, which unlocks the Speaker ticket, and the early-bird code."""
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
    speaker_voucher.ticket_types.set([speaker_ticket])
    Voucher.objects.update_or_create(
        event=event,
        code="EARLYBIRD27",
        defaults={
            "kind": VoucherKind.PERCENT,
            "value": Decimal("15"),
            "max_uses": 100,
            "valid_until": _local(event.time_zone, 2027, 3, 31, 23, 59),
            "note": "Early registration, first 100 delegates.",
        },
    )


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
    _upsert_children(TicketType, event, "name", YOUTH_TICKET_TYPES)
    _upsert_children(Extra, event, "name", YOUTH_EXTRAS)
    _upsert_children(Question, event, "label", _question_rows())
    return event


@transaction.atomic
def seed_catalogue() -> DemoCatalogue:
    """Create or update the two demo events with their tickets, extras and questions."""
    return DemoCatalogue(conference=seed_conference(), youth_summit=seed_youth_summit())


# --- The sister-city network --------------------------------------------------------

SEVEN_FOR_SEVENTY = "7-for-70"

# (kind, local, region, country, partner, region, country, status, signed, 7 for 70)
DEMO_PARTNERSHIPS = [
    (
        "city",
        "Tulsa",
        "Oklahoma",
        "US",
        "Nadi",
        "Western Division",
        "FJ",
        "active",
        date(2025, 3, 14),
        True,
    ),
    (
        "city",
        "Honolulu",
        "Hawaii",
        "US",
        "Apia",
        "Tuamasaga",
        "WS",
        "active",
        date(2025, 6, 20),
        True,
    ),
    (
        "city",
        "Eugene",
        "Oregon",
        "US",
        "Nuku'alofa",
        "Tongatapu",
        "TO",
        "active",
        date(2025, 9, 9),
        True,
    ),
    (
        "county",
        "Hawaii County",
        "Hawaii",
        "US",
        "Koror",
        "Koror State",
        "PW",
        "active",
        date(2026, 2, 11),
        True,
    ),
    (
        "city",
        "San Diego",
        "California",
        "US",
        "Port Moresby",
        "National Capital District",
        "PG",
        "active",
        date(2026, 4, 22),
        True,
    ),
    (
        "state",
        "State of Hawaii",
        "Hawaii",
        "US",
        "Pohnpei",
        "Pohnpei State",
        "FM",
        "active",
        date(2026, 5, 30),
        True,
    ),
    (
        "city",
        "Seattle",
        "Washington",
        "US",
        "Majuro",
        "Majuro Atoll",
        "MH",
        "proposed",
        None,
        True,
    ),
    (
        "city",
        "San Antonio",
        "Texas",
        "US",
        "Kumamoto",
        "Kumamoto Prefecture",
        "JP",
        "active",
        date(1987, 10, 1),
        False,
    ),
    (
        "city",
        "Atlanta",
        "Georgia",
        "US",
        "Toulouse",
        "Occitanie",
        "FR",
        "active",
        date(1974, 5, 6),
        False,
    ),
    (
        "city",
        "Denver",
        "Colorado",
        "US",
        "Nairobi",
        "Nairobi County",
        "KE",
        "active",
        date(1975, 8, 1),
        False,
    ),
    (
        "city",
        "Portland",
        "Oregon",
        "US",
        "Sapporo",
        "Hokkaido",
        "JP",
        "active",
        date(1959, 11, 17),
        False,
    ),
    (
        "city",
        "Duluth",
        "Minnesota",
        "US",
        "Växjö",
        "Kronoberg",
        "SE",
        "inactive",
        date(1987, 4, 2),
        False,
    ),
]

# (local, partner, kind, title, starts, ends, direction, people, volunteers, jobs, aid, currency, summary)
DEMO_EXCHANGES = [
    (
        "Tulsa",
        "Nadi",
        "youth",
        "Reef science youth camp",
        date(2025, 7, 7),
        date(2025, 7, 18),
        "sent",
        18,
        6,
        0,
        None,
        "",
        "High-school students surveyed coral with Nadi's marine volunteers.",
    ),
    (
        "Tulsa",
        "Nadi",
        "humanitarian",
        "Water tanks for Nadi schools after Cyclone Mali",
        date(2025, 11, 3),
        None,
        "sent",
        4,
        22,
        3,
        "48000.00",
        "USD",
        "Rainwater tanks for nine schools, installed with local plumbers.",
    ),
    (
        "Honolulu",
        "Apia",
        "arts_culture",
        "Siva and hula festival",
        date(2025, 10, 12),
        date(2025, 10, 14),
        "hosted",
        60,
        35,
        0,
        None,
        "",
        "Dancers from Apia performed with Honolulu hālau at the Waikīkī Shell.",
    ),
    (
        "Honolulu",
        "Apia",
        "business_trade",
        "Cocoa and coffee buyers' mission",
        date(2026, 3, 2),
        date(2026, 3, 6),
        "sent",
        12,
        3,
        14,
        None,
        "",
        "Hawaiian roasters met Samoan cocoa growers; two supply contracts followed.",
    ),
    (
        "Honolulu",
        "Apia",
        "humanitarian",
        "Measles vaccination cold chain",
        date(2025, 8, 18),
        None,
        "sent",
        2,
        8,
        0,
        "65000.00",
        "WST",
        "Refrigerators and solar panels for three district clinics.",
    ),
    (
        "Eugene",
        "Nuku'alofa",
        "education",
        "Teacher exchange: climate science",
        date(2026, 1, 15),
        date(2026, 2, 12),
        "hosted",
        8,
        10,
        0,
        None,
        "",
        "Tongan science teachers co-taught in Eugene classrooms for four weeks.",
    ),
    (
        "Eugene",
        "Nuku'alofa",
        "humanitarian",
        "Medical supplies for Vaiola Hospital",
        date(2026, 2, 20),
        None,
        "sent",
        3,
        9,
        0,
        "35000.00",
        "TOP",
        "Surgical kits and dialysis supplies shipped with Eugene's hospital.",
    ),
    (
        "Hawaii County",
        "Koror",
        "municipal",
        "Solid waste and recycling study tour",
        date(2026, 4, 6),
        date(2026, 4, 10),
        "hosted",
        7,
        5,
        0,
        None,
        "",
        "Koror's public works staff toured Hilo's transfer stations.",
    ),
    (
        "Hawaii County",
        "Koror",
        "community_development",
        "Coastal garden restoration",
        date(2026, 6, 1),
        date(2026, 6, 20),
        "sent",
        15,
        40,
        6,
        "120000.00",
        "USD",
        "Native plant nursery and taro patches restored with Koror families.",
    ),
    (
        "San Diego",
        "Port Moresby",
        "sports",
        "Rugby league youth clinic",
        date(2026, 7, 10),
        date(2026, 7, 12),
        "hosted",
        45,
        18,
        0,
        None,
        "",
        "Coaches from Port Moresby ran a clinic for 40 San Diego teenagers.",
    ),
    (
        "San Diego",
        "Port Moresby",
        "humanitarian",
        "Hospital beds for Port Moresby General",
        date(2026, 5, 5),
        None,
        "sent",
        2,
        12,
        0,
        "250000.00",
        "PGK",
        "Forty hospital beds and mattresses donated by San Diego hospitals.",
    ),
    (
        "State of Hawaii",
        "Pohnpei",
        "education",
        "Nursing scholarship exchange",
        date(2026, 8, 17),
        None,
        "hosted",
        6,
        4,
        2,
        None,
        "",
        "Six Pohnpeian nursing students began studies at the University of Hawaii at Hilo.",
    ),
    (
        "San Antonio",
        "Kumamoto",
        "youth",
        "Student ambassadors",
        date(2024, 7, 20),
        date(2024, 8, 3),
        "sent",
        24,
        8,
        0,
        None,
        "",
        "Twenty-four students stayed with host families in Kumamoto.",
    ),
    (
        "San Antonio",
        "Kumamoto",
        "business_trade",
        "Semiconductor supplier forum",
        date(2024, 10, 8),
        date(2024, 10, 9),
        "hosted",
        40,
        6,
        35,
        None,
        "",
        "Suppliers from Kumamoto opened a San Antonio office.",
    ),
    (
        "San Antonio",
        "Kumamoto",
        "humanitarian",
        "Earthquake recovery fund",
        date(2016, 5, 1),
        None,
        "sent",
        0,
        120,
        0,
        "2500000.00",
        "JPY",
        "Citizens of San Antonio raised funds for rebuilding after the 2016 earthquakes.",
    ),
    (
        "Atlanta",
        "Toulouse",
        "arts_culture",
        "Jazz residency",
        date(2025, 4, 14),
        date(2025, 4, 27),
        "hosted",
        10,
        12,
        0,
        None,
        "",
        "Musicians from Toulouse's conservatoire played across Atlanta.",
    ),
    (
        "Atlanta",
        "Toulouse",
        "education",
        "Aerospace engineering internships",
        date(2025, 6, 2),
        date(2025, 8, 29),
        "sent",
        9,
        2,
        4,
        "15000.00",
        "EUR",
        "Georgia Tech students interned at Toulouse firms; travel grants in euros.",
    ),
    (
        "Denver",
        "Nairobi",
        "humanitarian",
        "Clean water wells in Kibera",
        date(2023, 9, 4),
        None,
        "sent",
        6,
        30,
        12,
        "65000.00",
        "USD",
        "Three boreholes with community water committees.",
    ),
    (
        "Portland",
        "Sapporo",
        "sports",
        "Snow sculpture and ski team visit",
        date(2026, 2, 4),
        date(2026, 2, 11),
        "sent",
        20,
        5,
        0,
        None,
        "",
        "Portland's youth ski team competed at the Sapporo Snow Festival.",
    ),
]

DEMO_CONTACTS = [
    (
        "Tulsa",
        "Nadi",
        "local",
        "Renee Whitehorse",
        "Sister Cities chair",
        "chair@tulsa-sistercities.example",
        "+1 918 555 0142",
    ),
    (
        "Tulsa",
        "Nadi",
        "partner",
        "Sakiusa Raivoce",
        "Town clerk",
        "clerk@nadi-town.example",
        "+679 555 0188",
    ),
    (
        "Honolulu",
        "Apia",
        "partner",
        "Lagi Tuimavave",
        "International relations",
        "lagi@apia.example",
        "+685 555 0120",
    ),
]


def seed_network() -> Programme:
    """The 7 for 70 programme, partnerships (many in the Pacific Islands) and
    their exchanges with figures; returns the programme. Safe to run again."""
    programme, _ = Programme.objects.update_or_create(
        slug=SEVEN_FOR_SEVENTY,
        defaults={
            "name": "7 for 70",
            "description": (
                "Seven new sister-city partnerships between US and Pacific Islands "
                "communities by the end of 2026, the 70th anniversary of Sister "
                "Cities International."
            ),
            "target_count": 7,
            "target_date": date(2026, 12, 31),
        },
    )
    partnerships = {}
    for row in DEMO_PARTNERSHIPS:
        kind, local, region, country, partner, p_region, p_country = row[:7]
        status, signed_on, in_programme = row[7:]
        partnership, _ = Partnership.objects.update_or_create(
            local_name=local,
            local_country=country,
            partner_name=partner,
            partner_country=p_country,
            defaults={
                "kind": kind,
                "local_region": region,
                "partner_region": p_region,
                "status": status,
                "signed_on": signed_on,
                "signed_by": "The two mayors" if signed_on else "",
            },
        )
        if in_programme:
            partnership.programmes.add(programme)
        partnerships[local, partner] = partnership
    for local, partner, side, name, role, email, phone in DEMO_CONTACTS:
        PartnershipContact.objects.update_or_create(
            partnership=partnerships[local, partner],
            name=name,
            defaults={"side": side, "role": role, "email": email, "phone": phone},
        )
    for row in DEMO_EXCHANGES:
        local, partner, kind, title, starts_on, ends_on, direction = row[:7]
        participants, volunteers, jobs, aid, currency, summary = row[7:]
        Exchange.objects.update_or_create(
            partnership=partnerships[local, partner],
            title=title,
            defaults={
                "kind": kind,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "direction": direction,
                "participants": participants,
                "volunteers": volunteers,
                "jobs_created": jobs,
                "aid_value": Decimal(aid) if aid else None,
                "aid_currency": currency,
                "summary": summary,
            },
        )
    return programme
