"""Badges: every script prints, the QR code scans back to the secret, sheets fill right.

Rendering is the slow part, so each layout renders the names once per module
(unsaved attendees, no database) and the tests read that PDF.
"""

import math
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from registration.documents.services import badges
from registration.documents.services import rendering as documents
from registration.models import Attendee, OrderStatus, YouthDetails
from registration.tokens import SECRET_LENGTH, UNAMBIGUOUS_ALPHABET, new_secret
from tests.factories import (
    AttendeeFactory,
    DelegationFactory,
    EventFactory,
    OrderFactory,
    TicketTypeFactory,
)
from tests.pdf_tools import (
    flat_text,
    page_count,
    page_images,
    page_texts,
    qr_codes,
    weasyprint_warnings,
)

# Emoji (a skin tone, a ZWJ sequence, a flag, a subdivision flag), text symbols,
# arrows and mathematics: each must print from an installed font, never as a box.
SYMBOL_NAMES = [
    ("Ana 🌍 Pérez", "Porto", "PT"),
    ("李明 ✈", "Beijing", "CN"),
    ("Zoë ★ ♥ ☮", "Lyon", "FR"),
    ("👩🏽\u200d🚀 Maya", "Houston", "US"),
    (
        "Mere 🇫🇯 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        "Suva",
        "FJ",
    ),
    ("Kim → ∞ ≠ ∑ ♀ ☯ ✓ ❤\ufe0f 👍🏿", "Busan", "KR"),
]
NAMES = [
    ("Nguyễn Thị Minh Khai", "Hanoi", "VN"),
    ("Ōkubo Shōta", "Kyoto", "JP"),
    ("Мария Петрова", "Samara", "RU"),
    ("محمد عبد الله", "Amman", "JO"),
    ("יעל כהן", "Haifa", "IL"),
    ("김민준", "Suwon", "KR"),
    ("王小明", "Beijing", "CN"),
    ("देवनागरी", "Pune", "IN"),
    ("สมชาย", "Chiang Mai", "TH"),
    ("Αλέξανδρος Παπαδόπουλος", "Thessaloniki", "GR"),
    (
        "Maximiliane Wilhelmina Alexandra von Hohenzollern-Sigmaringen",
        "Sigmaringen",
        "DE",
    ),
    *SYMBOL_NAMES,
]
LAYOUTS = ["a6", "letter-6up", "a4-4up"]


def build_attendees(names=NAMES):
    """Unsaved attendees of one paid order, cycling through three ticket types."""
    order = OrderFactory.build()
    types = [
        TicketTypeFactory.build(
            event=order.event, name="Delegate", badge_colour="#1F6FB2"
        ),
        TicketTypeFactory.build(
            event=order.event, name="Youth delegate", badge_colour="#E07A1F", min_age=14
        ),
        TicketTypeFactory.build(
            event=order.event, name="Speaker", badge_colour="#F2C94C"
        ),
    ]
    return [
        AttendeeFactory.build(
            order=order,
            ticket_type=types[n % len(types)],
            badge_name=name,
            organisation=f"{city} Sister Cities Association",
            city=city,
            country=country,
        )
        for n, (name, city, country) in enumerate(names)
    ]


@pytest.fixture(scope="module")
def people():
    return build_attendees()


@pytest.fixture(scope="module")
def rendered(people):
    """Each layout's PDF of all the names, with WeasyPrint's warnings while rendering it."""
    result = {}
    for layout in LAYOUTS:
        with weasyprint_warnings() as warnings:
            pdf = badges.render_badges(people, layout=layout, workers=1)
        result[layout] = (pdf, list(warnings))
    return result


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_name_is_printed_in_every_layout(rendered, layout):
    text = flat_text(rendered[layout][0])

    missing = [name for name, _, _ in NAMES if name not in text]

    assert missing == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_glyph_falls_back_to_a_missing_glyph_box(rendered, layout):
    assert rendered[layout][1] == []


def test_missing_glyph_warning_is_caught_when_a_font_lacks_a_script():
    """The check above can fail: a script no installed font covers is reported."""
    attendee = build_attendees([("\U000f0000 Private Use", "Nowhere", "")])[0]

    with weasyprint_warnings() as warnings:
        badges.render_badges([attendee], layout="a6", workers=1)

    assert any(".notdef glyph" in message for message in warnings)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_qr_codes_scan_back_to_each_attendees_secret(rendered, people, layout):
    pdf = rendered[layout][0]
    per_page = badges.LAYOUTS[layout].per_page

    scanned = [qr_codes(image) for image in page_images(pdf, dpi=150)]

    expected = [
        [attendee.secret for attendee in people[start : start + per_page]]
        for start in range(0, len(people), per_page)
    ]
    assert scanned == expected


@pytest.mark.parametrize(
    ("layout", "count", "pages"),
    [
        ("a6", 1, 1),
        ("a6", 6, 6),
        ("a6", 7, 7),
        ("a6", 13, 13),
        ("letter-6up", 1, 1),
        ("letter-6up", 6, 1),
        ("letter-6up", 7, 2),
        ("letter-6up", 13, 3),
        ("a4-4up", 1, 1),
        ("a4-4up", 6, 2),
        ("a4-4up", 7, 2),
        ("a4-4up", 13, 4),
    ],
)
def test_page_count_per_layout(layout, count, pages):
    attendees = build_attendees([("Ada Lovelace", "London", "GB")] * count)

    pdf = badges.render_badges(attendees, layout=layout, workers=1)

    assert page_count(pdf) == pages


def test_back_side_adds_a_mirrored_sheet_after_each_front():
    attendees = build_attendees([(f"Person {n}", "Lyon", "FR") for n in range(7)])
    back = badges.BadgeBack(
        programme=["Thu 09:00 Opening plenary"],
        wifi_network="SCI-2027",
        wifi_password="twinning",
        emergency_contact="Event desk +1 202 555 0142",
    )

    pdf = badges.render_badges(
        attendees, layout="letter-6up", back_side=back, workers=1
    )

    texts = page_texts(pdf)
    assert len(texts) == 4
    assert "Opening plenary" not in texts[0]
    assert "SCI-2027" in texts[1]
    assert "Event desk +1 202 555 0142" in texts[3]


def test_backs_of_a_sheet_are_mirrored_for_long_edge_duplex():
    spec = badges.LAYOUTS["letter-6up"]
    fronts = [{"name": str(n)} for n in range(5)]

    pages = badges._sheets(fronts, spec, badges.BadgeBack())

    assert [page["side"] for page in pages] == ["front", "back"]
    backs = [cell and cell["name"] for cell in pages[1]["cells"]]
    assert backs == ["1", "0", "3", "2", None, "4"]


def test_big_batches_render_in_worker_processes_in_order():
    attendees = build_attendees([(f"Person {n}", "Lyon", "FR") for n in range(13)])

    pdf = badges.render_badges(attendees, layout="letter-6up", workers=2, part_size=6)

    scanned = [code for image in page_images(pdf, dpi=150) for code in qr_codes(image)]
    assert page_count(pdf) == 3
    assert scanned == [attendee.secret for attendee in attendees]


@pytest.mark.parametrize(
    ("name", "layout", "expected"),
    [
        ("Jo Li", "a6", "name-1"),
        ("Nguyễn Thị Minh Khai", "a6", "name-4"),
        ("王小明", "a6", "name-1"),
        (
            "Maximiliane Wilhelmina Alexandra von Hohenzollern-Sigmaringen",
            "a6",
            "name-6",
        ),
        ("Hubert Blaine Wolfeschlegelsteinhausenbergerdorff", "a6", "name-7"),
        ("Jo Li", "letter-6up", "name-1"),
        ("Αλέξανδρος Παπαδόπουλος", "letter-6up", "name-4"),
    ],
)
def test_name_size_shrinks_with_the_names_printed_width(name, layout, expected):
    assert badges.name_size_class(name, layout=layout) == expected


def test_role_size_leaves_room_for_the_youth_mark():
    assert badges.role_size_class("Staff", layout="a4-4up") == "role-1"
    assert badges.role_size_class("Youth delegate", layout="a4-4up") == "role-2"


@pytest.mark.parametrize(
    ("text", "direction"),
    [("محمد عبد الله", "rtl"), ("יעל כהן", "rtl"), ("Мария", "ltr"), ("42 王", "ltr")],
)
def test_direction_follows_the_first_strong_letter(text, direction):
    assert documents.text_direction(text) == direction


def test_chinese_names_get_their_countrys_glyphs():
    assert badges.name_language("王小明", "CN") == "zh-Hans"
    assert badges.name_language("王小明", "TW") == "zh-Hant"
    assert badges.name_language("大久保", "JP") == "ja"
    assert badges.name_language("김민준", "KR") == "ko"
    assert badges.name_language("Ōkubo", "JP") == ""


def test_role_text_is_dark_on_light_bands_and_white_on_dark():
    assert badges.text_colour_on("#F2C94C") == "#111111"
    assert badges.text_colour_on("#0B2545") == "#FFFFFF"


def test_badge_shows_role_in_words_country_name_and_delegation():
    attendee = build_attendees([("Ōkubo Shōta", "Kyoto", "JP")])[0]
    attendee.delegation = DelegationFactory.build(
        event=attendee.order.event, name="Kyoto"
    )

    context = badges.badge_context(attendee)

    assert context["role"] == "Delegate"
    assert context["place"] == "Kyoto, Japan"
    assert context["delegation"] == "Kyoto"
    assert context["youth"] is False


@pytest.mark.django_db
def test_youth_badge_is_marked_but_never_shows_the_date_of_birth():
    youth_type = TicketTypeFactory(name="Youth delegate", min_age=14, max_age=18)
    attendee = AttendeeFactory(order__event=youth_type.event, ticket_type=youth_type)
    YouthDetails.objects.create(
        attendee=attendee,
        date_of_birth=date(2011, 3, 9),
        guardian_name="Ana Park",
        guardian_email="ana@example.org",
        guardian_phone="+1 202 555 0100",
    )

    context = badges.badge_context(attendee)
    text = page_texts(badges.render_badge(attendee))[0]

    assert context["youth"] is True
    assert re.search(r"2011|03-09|9 March|March 9", text) is None


def test_render_badges_refuses_an_unknown_layout_or_nothing_to_print(people):
    with pytest.raises(badges.BadgeError) as unknown:
        badges.render_badges(people, layout="a5")
    with pytest.raises(badges.BadgeError) as empty:
        badges.render_badges([], layout="a6")

    assert unknown.value.code == "unknown_layout"
    assert empty.value.code == "no_badges"


@pytest.mark.django_db
def test_admissible_attendees_are_those_of_paid_orders_by_family_name():
    event = EventFactory()
    zoe = AttendeeFactory(order__event=event, family_name="Zhou")
    ada = AttendeeFactory(order__event=event, family_name="Abara")
    for status in (OrderStatus.PENDING, OrderStatus.CANCELED, OrderStatus.EXPIRED):
        AttendeeFactory(order__event=event, order__status=status)
    AttendeeFactory()  # paid, another event

    assert list(badges.admissible_attendees(event)) == [ada, zoe]


@pytest.mark.django_db
def test_render_badges_command_writes_every_admissible_badge(tmp_path):
    event = EventFactory(slug="summit-2027")
    attendees = [
        AttendeeFactory(order__event=event, family_name=f"F{n}") for n in range(7)
    ]
    AttendeeFactory(order__event=event, order__status=OrderStatus.PENDING)
    output = tmp_path / "badges.pdf"

    call_command(
        "render_badges", event="summit-2027", layout="letter-6up", output=str(output)
    )

    pdf = output.read_bytes()
    assert page_count(pdf) == 2
    scanned = [code for image in page_images(pdf, dpi=150) for code in qr_codes(image)]
    assert scanned == [attendee.secret for attendee in attendees]


# --- QR secrets (registration/tokens.py, Attendee.secret) ----------------------------


def test_secret_carries_at_least_128_bits_from_an_unambiguous_alphabet():
    secret = new_secret()

    assert SECRET_LENGTH * math.log2(len(UNAMBIGUOUS_ALPHABET)) >= 128
    assert len(secret) == SECRET_LENGTH
    assert set(secret) <= set(UNAMBIGUOUS_ALPHABET)
    assert set(UNAMBIGUOUS_ALPHABET).isdisjoint("01OIL")


def test_secrets_do_not_repeat():
    assert len({new_secret() for _ in range(5000)}) == 5000


@pytest.mark.django_db
def test_attendee_secret_is_unique_in_the_database():
    first = AttendeeFactory()

    with pytest.raises(IntegrityError):
        AttendeeFactory(order__event=first.order.event, secret=first.secret)


def test_attendee_secret_field_is_unique_and_indexed():
    field = Attendee._meta.get_field("secret")

    assert field.unique is True
    assert field.editable is False


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("😀", 1.25),
        ("👩🏽\u200d🚀", 1.25),  # woman, skin tone, joiner, rocket: one picture
        ("👨\u200d👩\u200d👧\u200d👦", 1.25),
        ("🇫🇯", 1.25),  # two regional indicators: one flag
        ("❤\ufe0f", 1.25),  # a text symbol asked to show as emoji
        ("★", 0.85),
    ],
)
def test_an_emoji_sequence_is_one_emoji_wide(text, width):
    assert badges.text_width_em(text) == pytest.approx(width)
