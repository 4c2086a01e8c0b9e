"""Name badges: one PDF for one attendee at the desk, or for a whole event.

Badges are HTML/CSS templates in `templates/documents/badges/` rendered by
WeasyPrint through `services/documents.py`. Three layouts: A6 (one badge per
page), US Letter 6-up 4×3 inch inserts (Avery 5392 style) and A4 4-up (A6 cells
cut from an A4 sheet). WeasyPrint runs no JavaScript, so the name's font size
is chosen here from an estimate of its printed width.

Badges show the ticket type's role in words on its colour band, never the
colour alone, and a discreet youth marker for youth tickets; never the date of
birth or anything else from YouthDetails (DESIGN invariant 7). The QR code
carries only the attendee's secret (invariant 5).
"""

from __future__ import annotations

import functools
import logging
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from registration import models as registration_models
from registration.audit.services import log_activity
from registration.documents.services import rendering as documents
from registration.documents.services.tickets import event_dates, ticket_refusal
from registration.jobs import queue
from registration.jobs import services as jobs
from registration.models import (
    Attendee,
    BadgePrint,
    BadgePrintJob,
    BadgeSort,
    Event,
    TicketType,
)
from registration.orders.services import admitted_orders_q
from registration.reader import for_reader, reader_language

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

PT_TO_MM = 25.4 / 72
# Batches at least this big are split over processes; below it, starting
# workers (about a second each) costs more than it saves.
PARALLEL_THRESHOLD = 120
WORKERS = 2
# Badges per part when a progress bar follows the rendering in one process:
# small enough that the bar moves, big enough that each part's fixed cost
# (layout set-up, merging) stays small.
PROGRESS_PART = 24


@dataclass(frozen=True)
class NameSize:
    css_class: str
    points: float
    max_lines: int


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    template: str
    stylesheet: str
    per_page: int
    columns: int
    name_width_mm: float
    name_sizes: tuple[NameSize, ...]
    role_width_mm: float
    role_sizes: tuple[NameSize, ...]

    @property
    def rows(self) -> int:
        return self.per_page // self.columns


# Largest first: short names stand out on one line; longer ones shrink, then
# wrap between words. The last size takes whatever is left.
_A6_SIZES = (
    NameSize("name-1", 36, 1),
    NameSize("name-2", 30, 1),
    NameSize("name-3", 26, 1),
    NameSize("name-4", 22, 2),
    NameSize("name-5", 18, 2),
    NameSize("name-6", 15, 3),
    NameSize("name-7", 12, 3),
)
_LABEL_SIZES = (
    NameSize("name-1", 30, 1),
    NameSize("name-2", 25, 1),
    NameSize("name-3", 21, 1),
    NameSize("name-4", 18, 2),
    NameSize("name-5", 15, 2),
    NameSize("name-6", 12, 2),
    NameSize("name-7", 10, 3),
)
# The role on the colour band: one line, spaced capitals, clear of the youth mark.
_A6_ROLE_SIZES = (
    NameSize("role-1", 19, 1),
    NameSize("role-2", 16, 1),
    NameSize("role-3", 13, 1),
    NameSize("role-4", 10.5, 1),
)
_LABEL_ROLE_SIZES = (
    NameSize("role-1", 13, 1),
    NameSize("role-2", 11, 1),
    NameSize("role-3", 9, 1),
    NameSize("role-4", 7.5, 1),
)

LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in (
        Layout(
            key="a6",
            label="A6, one badge per page",
            template="documents/badges/a6.html",
            stylesheet="documents/badges/a6.css",
            per_page=1,
            columns=1,
            name_width_mm=90,
            name_sizes=_A6_SIZES,
            role_width_mm=74,
            role_sizes=_A6_ROLE_SIZES,
        ),
        Layout(
            key="letter-6up",
            label="US Letter, six 4×3 in inserts (Avery 5392)",
            template="documents/badges/letter-6up.html",
            stylesheet="documents/badges/letter-6up.css",
            per_page=6,
            columns=2,
            name_width_mm=91,
            name_sizes=_LABEL_SIZES,
            role_width_mm=78,
            role_sizes=_LABEL_ROLE_SIZES,
        ),
        Layout(
            key="a4-4up",
            label="A4, four A6 badges to cut",
            template="documents/badges/a4-4up.html",
            stylesheet="documents/badges/a4-4up.css",
            per_page=4,
            columns=2,
            name_width_mm=88,
            name_sizes=_A6_SIZES,
            role_width_mm=70,
            role_sizes=_A6_ROLE_SIZES,
        ),
    )
}
DEFAULT_LAYOUT = "a6"
LAYOUT_CHOICES = [(layout.key, layout.label) for layout in LAYOUTS.values()]


class BadgeError(ValueError):
    """A badge request that cannot be met; `code` names the reason."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class BadgeBack:
    """What the back of every badge in a batch shows, besides the name again.

    Event-wide information only: the emergency contact is the event's (a
    youth's own emergency details stay in YouthDetails, never on a badge).
    """

    programme: Sequence[str] = field(default_factory=tuple)
    wifi_network: str = ""
    wifi_password: str = ""
    emergency_contact: str = ""


# --- Fitting the name -----------------------------------------------------------

_WIDE = {"W", "F"}
# Advance widths of bold Noto Sans (em), measured from the font: Latin letters
# with diacritics take their base letter's width.
# fmt: off
_LATIN_EM = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (
            0.60, 0.63, 0.51, 0.63, 0.59, 0.39, 0.63, 0.66, 0.30, 0.30, 0.62, 0.30, 0.98,
            0.66, 0.62, 0.63, 0.63, 0.45, 0.50, 0.43, 0.66, 0.57, 0.86, 0.58, 0.57, 0.49,
            0.69, 0.67, 0.64, 0.74, 0.56, 0.55, 0.72, 0.77, 0.39, 0.33, 0.66, 0.56, 0.94,
            0.81, 0.80, 0.63, 0.80, 0.66, 0.55, 0.58, 0.76, 0.65, 0.97, 0.67, 0.62, 0.58,
        ),
        strict=True,
    )
)
# fmt: on


# Noto Color Emoji draws every emoji 1.25 em wide; a flag is two regional
# indicator letters, a skin tone modifies the emoji before it, and a zero-width
# joiner (U+200D) glues the next emoji into the same picture.
_EMOJI_EM = 1.25
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_ZWJ = "\u200d"
_EMOJI_STYLE = "\ufe0f"  # variation selector 16: show the character before as emoji
# Text symbols, arrows and mathematics (Noto Sans Symbols, Symbols2, Math):
# 0.4 to 1.2 em, most near 0.8.
_SYMBOL_EM = 0.85


def _char_width_em(char: str) -> float:
    """Advance width of one character in bold Noto (or its CJK fallback), in em."""
    category = unicodedata.category(char)
    if unicodedata.combining(char) or category in {"Mn", "Me", "Cf"}:
        return 0.0
    if char in _LATIN_EM:
        return _LATIN_EM[char]
    if char.isspace():
        return 0.26
    code = ord(char)
    if code in _SKIN_TONES:
        return 0.0
    if code in _REGIONAL_INDICATORS:
        return _EMOJI_EM / 2
    if unicodedata.east_asian_width(char) in _WIDE:
        # Emoji (symbols shown wide) are wider than the CJK ideographs' square.
        return _EMOJI_EM if category == "So" else 1.0
    if category in {"So", "Sm"}:
        return _SYMBOL_EM
    base = unicodedata.normalize("NFD", char)[0]
    if base in _LATIN_EM:
        return _LATIN_EM[base]
    if 0x0600 <= code <= 0x08FF or 0xFB50 <= code <= 0xFEFF:  # Arabic, joined
        return 0.55
    if 0x0590 <= code <= 0x05FF:  # Hebrew
        return 0.62
    if 0x0900 <= code <= 0x0DFF:  # Devanagari and the other Indic scripts
        return 0.7
    if 0x0E00 <= code <= 0x0EFF:  # Thai, Lao
        return 0.62
    if char in ".,'’-·":
        return 0.3
    # Cyrillic, Greek and the rest: like Latin, capitals wider.
    return 0.74 if char.isupper() else 0.62


def text_width_em(text: str) -> float:
    """Estimated printed width of `text` in em (bold Noto Sans and its fallbacks)."""
    width = 0.0
    for index, char in enumerate(text):
        if index and text[index - 1] == _ZWJ:
            continue  # joined into the emoji before it
        if text[index + 1 : index + 2] == _EMOJI_STYLE:  # "❤️", "1️⃣": drawn as emoji
            width += _EMOJI_EM
        else:
            width += _char_width_em(char)
    return width


def _lines_needed(words: Sequence[float], space: float, line_em: float) -> int:
    """Lines a greedy line breaker fills with words of these widths; 0 if one never fits."""
    lines, used = 1, 0.0
    for width in words:
        if width > line_em:
            return 0
        if used and used + space + width > line_em:
            lines, used = lines + 1, width
        else:
            used = used + space + width if used else width
    return lines


def _size_class(
    text: str, *, width_mm: float, sizes: Sequence[NameSize], tracking: float = 0.0
) -> str:
    """The CSS class of the first (biggest) size at which `text` fits `width_mm`.

    `tracking` is the letter spacing in em. A 4 % margin absorbs estimate errors.
    """
    words = [
        (text_width_em(word) + tracking * len(word)) * 1.04 for word in text.split()
    ] or [0.0]
    space = _char_width_em(" ") + tracking
    for size in sizes:
        line_em = width_mm / (size.points * PT_TO_MM)
        lines = _lines_needed(words, space, line_em)
        if 0 < lines <= size.max_lines:
            return size.css_class
    return sizes[-1].css_class


def name_size_class(name: str, *, layout: str = DEFAULT_LAYOUT) -> str:
    """The CSS class of the biggest name size at which `name` fits its box.

    Big sizes allow one line, smaller ones two or three (breaking only between
    words), so a short name is large and a long one shrinks and wraps; the CSS
    still wraps anywhere as a last resort.
    """
    spec = LAYOUTS[layout]
    return _size_class(name, width_mm=spec.name_width_mm, sizes=spec.name_sizes)


def role_size_class(role: str, *, layout: str = DEFAULT_LAYOUT) -> str:
    """The CSS class of the biggest size at which the role fits its band on one line."""
    spec = LAYOUTS[layout]
    return _size_class(
        role.upper(), width_mm=spec.role_width_mm, sizes=spec.role_sizes, tracking=0.12
    )


# Han characters alone do not say which language they are; the country picks
# the regional glyph shapes (TOOLCHAIN.md: `:lang(zh)` switches to CJK SC).
_HAN_LANG_BY_COUNTRY = {
    "CN": "zh-Hans",
    "SG": "zh-Hans",
    "TW": "zh-Hant",
    "HK": "zh-Hant",
    "MO": "zh-Hant",
    "JP": "ja",
    "KR": "ko",
}


def name_language(name: str, country: str) -> str:
    """A `lang` for names in Chinese characters, so they get their country's glyphs."""
    if any(0x3040 <= ord(char) <= 0x30FF for char in name):  # kana
        return "ja"
    if any(0xAC00 <= ord(char) <= 0xD7AF for char in name):
        return "ko"
    if any(0x4E00 <= ord(char) <= 0x9FFF for char in name):
        return _HAN_LANG_BY_COUNTRY.get(country, "")
    return ""


def text_colour_on(background: str) -> str:
    """Black or white, whichever reads better on the `#RRGGBB` background (WCAG)."""
    channels = [int(background[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return (
        "#111111"
        if (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05)
        else "#FFFFFF"
    )


# --- Which attendees and which layout ----------------------------------------------


def layout_for(ticket_type: TicketType) -> str:
    """The ticket type's badge layout (A6 if it names none this module knows)."""
    chosen = ticket_type.badge_layout
    return chosen if chosen in LAYOUTS else DEFAULT_LAYOUT


# Orders whose attendees are let in (services.orders.order_admits_attendees).
ADMITTED_ORDERS = admitted_orders_q()


def admissible_attendees(event: Event) -> QuerySet[Attendee]:
    """Attendees who get a badge: those of paid orders (or admitted before payment),
    by family then given name."""
    return (
        Attendee.objects.filter(ADMITTED_ORDERS, order__event=event)
        .select_related("order__event", "ticket_type", "delegation")
        .order_by("family_name", "given_name", "pk")
    )


# --- Rendering ---------------------------------------------------------------------


def badge_context(attendee: Attendee, *, layout: str = DEFAULT_LAYOUT) -> dict:
    """What one badge shows, as plain values (cheap to render and to pickle).

    Dates and country names are in the attendee's language (else the buyer's).
    """
    with for_reader(reader_language(attendee.language, attendee.order.language)):
        return _badge_context(attendee, layout=layout)


def _badge_context(attendee: Attendee, *, layout: str) -> dict:
    event = attendee.order.event
    ticket_type = attendee.ticket_type
    name = (
        attendee.badge_name.strip()
        or f"{attendee.given_name} {attendee.family_name}".strip()
    )
    country = attendee.country.code if attendee.country else ""
    place = ", ".join(
        part
        for part in (attendee.city, attendee.country.name if country else "")
        if part
    )
    delegation = attendee.delegation
    return {
        "name": name,
        "name_class": name_size_class(name, layout=layout),
        "name_dir": documents.text_direction(name),
        "name_lang": name_language(name, country),
        "name_latin": attendee.badge_name_transliteration,
        "organisation": attendee.organisation,
        "organisation_dir": documents.text_direction(attendee.organisation),
        "place": place,
        "place_dir": documents.text_direction(place),
        "delegation": delegation.name if delegation else "",
        "delegation_dir": documents.text_direction(delegation.name)
        if delegation
        else "ltr",
        "role": ticket_type.role_label,
        "role_class": role_size_class(ticket_type.role_label, layout=layout),
        "colour": ticket_type.badge_colour,
        "role_text_colour": text_colour_on(ticket_type.badge_colour),
        "youth": ticket_type.is_youth,
        "qr": documents.qr_data_uri(attendee.secret),
        "event_name": event.name,
        "event_dates": event_dates(event),
        "event_place": event.city,
    }


@functools.cache
def layout_stylesheets(layout: str) -> tuple[str, ...]:
    """The CSS texts of a layout, built once per process: parsed once by documents."""
    spec = LAYOUTS[layout]
    sizes = "\n".join(
        f".{size.css_class} {{ font-size: {size.points}pt; }}"
        for size in (*spec.name_sizes, *spec.role_sizes)
    )
    return (
        render_to_string(
            "documents/badges/badge.css", {"font_stack": documents.FONT_STACK}
        ),
        render_to_string(spec.stylesheet),
        sizes,
    )


def _sheets(badges: Sequence[dict], spec: Layout, back: BadgeBack | None) -> list[dict]:
    """Pages of the document: each sheet of fronts, then its backs if asked.

    Backs of a multi-column sheet are mirrored left to right, so that after
    long-edge duplex printing each back lands behind its own front.
    """
    pages = []
    for start in range(0, len(badges), spec.per_page):
        cells = list(badges[start : start + spec.per_page])
        pages.append({"side": "front", "cells": cells})
        if back is not None:
            padded = cells + [None] * (spec.per_page - len(cells))
            mirrored = []
            for row in range(spec.rows):
                mirrored.extend(
                    reversed(padded[row * spec.columns : (row + 1) * spec.columns])
                )
            pages.append({"side": "back", "cells": mirrored})
    return pages


def _badges_html(badges: Sequence[dict], spec: Layout, back: BadgeBack | None) -> str:
    return render_to_string(
        spec.template,
        {"layout": spec, "pages": _sheets(badges, spec, back), "back": back},
    )


def _base_url() -> str:
    return str(settings.BASE_DIR / "templates" / "documents" / "assets") + "/"


def render_badges(
    attendees: Iterable[Attendee],
    *,
    layout: str = DEFAULT_LAYOUT,
    back_side: BadgeBack | None = None,
    workers: int | None = None,
    part_size: int = 250,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """One PDF with the badges of `attendees`, in the order given.

    Batches of `PARALLEL_THRESHOLD` or more are cut into parts of about
    `part_size` badges (whole sheets), rendered by `workers` processes (default
    `WORKERS`) while the next parts are prepared, and merged. `workers=1`
    renders everything in this process, as one document, unless `progress`
    is given: then it renders parts of about `PROGRESS_PART` badges, and
    `progress(count)` is called with the number of badges rendered so far
    after each part.
    """
    if layout not in LAYOUTS:
        raise BadgeError(
            _("Unknown badge layout %(layout)s.") % {"layout": layout},
            code="unknown_layout",
        )
    spec = LAYOUTS[layout]
    attendees = list(attendees)
    if not attendees:
        raise BadgeError(_("There are no badges to print."), code="no_badges")
    if workers is None:
        workers = WORKERS if len(attendees) >= PARALLEL_THRESHOLD else 1
    step = len(attendees)
    if progress is not None:
        step = -(-min(PROGRESS_PART, step) // spec.per_page) * spec.per_page
    if workers > 1:
        # Whole sheets per part, at most `part_size`, and work for every worker.
        share = min(part_size, -(-len(attendees) // workers))
        step = -(-share // spec.per_page) * spec.per_page

    def parts():
        for start in range(0, len(attendees), step):
            chunk = attendees[start : start + step]
            badges = [badge_context(attendee, layout=layout) for attendee in chunk]
            yield _badges_html(badges, spec, back_side)

    def on_part(index: int) -> None:
        if progress is not None:
            progress(min(len(attendees), (index + 1) * step))

    return documents.render_pdf_parts(
        parts(),
        base_url=_base_url(),
        stylesheets=layout_stylesheets(layout),
        workers=workers,
        on_part=on_part,
    )


def render_badge(
    attendee: Attendee, *, layout: str | None = None, back_side: BadgeBack | None = None
) -> bytes:
    """The badge of one attendee, in the ticket type's layout unless told otherwise."""
    return render_badges(
        [attendee],
        layout=layout or layout_for(attendee.ticket_type),
        back_side=back_side,
        workers=1,
    )


def render_event_badges(
    event: Event,
    *,
    layout: str = DEFAULT_LAYOUT,
    back_side: BadgeBack | None = None,
) -> tuple[bytes, int]:
    """The badges of every admissible attendee of `event`; returns the PDF and the count."""
    attendees = list(admissible_attendees(event))
    return render_badges(attendees, layout=layout, back_side=back_side), len(attendees)


# --- Printing for staff: selections, background jobs, single reprints ---------------


@dataclass(frozen=True)
class BadgeFilters:
    """Which admissible attendees of an event a print job takes, and in which order.

    Empty `ticket_types` or `delegations` means all of them; `checked_in`
    None means either; `not_printed_since` keeps the attendees with no badge
    printed at or after that moment (never printed included).
    """

    ticket_types: tuple[int, ...] = ()
    delegations: tuple[int, ...] = ()
    checked_in: bool | None = None
    not_printed_since: datetime | None = None
    order_by: str = BadgeSort.FAMILY_NAME

    def as_json(self) -> dict:
        return {
            "ticket_types": list(self.ticket_types),
            "delegations": list(self.delegations),
            "checked_in": self.checked_in,
            "not_printed_since": self.not_printed_since.isoformat()
            if self.not_printed_since
            else None,
            "order_by": self.order_by,
        }

    @classmethod
    def from_json(cls, data: dict) -> BadgeFilters:
        since = data.get("not_printed_since")
        return cls(
            ticket_types=tuple(data.get("ticket_types") or ()),
            delegations=tuple(data.get("delegations") or ()),
            checked_in=data.get("checked_in"),
            not_printed_since=datetime.fromisoformat(since) if since else None,
            order_by=data.get("order_by") or BadgeSort.FAMILY_NAME,
        )


def _checked_in_query() -> Exists | None:
    """Attendees admitted at least once at any door of their event; None without check-in."""
    check_in = getattr(registration_models, "CheckIn", None)
    if check_in is None:  # the door check-in models are not installed
        return None
    return Exists(
        check_in.objects.filter(
            attendee=OuterRef("pk"),
            result=registration_models.CheckInResult.OK,
            type=registration_models.CheckInType.ENTRY,
        )
    )


def select_attendees(event: Event, filters: BadgeFilters) -> QuerySet[Attendee]:
    """The admissible attendees of `event` that `filters` choose, in print order."""
    attendees = admissible_attendees(event)
    if filters.ticket_types:
        attendees = attendees.filter(ticket_type__in=filters.ticket_types)
    if filters.delegations:
        attendees = attendees.filter(delegation__in=filters.delegations)
    if filters.checked_in is not None:
        checked_in = _checked_in_query()
        if checked_in is None:
            raise BadgeError(
                _("Door check-in is not installed; filter by other criteria."),
                code="no_checkin",
            )
        attendees = attendees.filter(checked_in if filters.checked_in else ~checked_in)
    if filters.not_printed_since is not None:
        attendees = attendees.exclude(
            badge_prints__printed_at__gte=filters.not_printed_since
        )
    if filters.order_by == BadgeSort.DELEGATION:
        # People without a delegation come last, still by family name.
        return attendees.order_by(
            F("delegation__name").asc(nulls_last=True),
            "family_name",
            "given_name",
            "pk",
        )
    return attendees


def back_side_as_json(back_side: BadgeBack | None) -> dict:
    if back_side is None:
        return {}
    return {
        "programme": list(back_side.programme),
        "wifi_network": back_side.wifi_network,
        "wifi_password": back_side.wifi_password,
        "emergency_contact": back_side.emergency_contact,
    }


def back_side_from_json(data: dict) -> BadgeBack:
    return BadgeBack(
        programme=tuple(data.get("programme") or ()),
        wifi_network=data.get("wifi_network", ""),
        wifi_password=data.get("wifi_password", ""),
        emergency_contact=data.get("emergency_contact", ""),
    )


def start_badge_print_job(
    event: Event,
    *,
    filters: BadgeFilters,
    layout: str,
    back_side: BadgeBack | None,
    by: User | None,
) -> BadgePrintJob:
    """Freeze the chosen attendees into a queued job and render it in the background.

    Side effects: a BadgePrintJob row with the attendee ids in print order, an
    ActivityLog entry `badges.print_requested`, and, after the commit, the
    rendering task queued. Raises BadgeError (`unknown_layout`, `no_badges`,
    `no_checkin`) before anything is written.
    """
    if layout not in LAYOUTS:
        raise BadgeError(
            _("Unknown badge layout %(layout)s.") % {"layout": layout},
            code="unknown_layout",
        )
    attendee_ids = list(select_attendees(event, filters).values_list("pk", flat=True))
    if not attendee_ids:
        raise BadgeError(
            _("No attendee matches these filters: there are no badges to print."),
            code="no_badges",
        )
    with transaction.atomic():
        job = BadgePrintJob.objects.create(
            event=event,
            requested_by=by if getattr(by, "is_authenticated", False) else None,
            layout=layout,
            with_back_side=back_side is not None,
            back_side=back_side_as_json(back_side),
            filters=filters.as_json(),
            attendee_ids=attendee_ids,
            total=len(attendee_ids),
        )
        log_activity(
            job,
            action="badges.print_requested",
            actor=by,
            event=event,
            data={"layout": layout, "count": len(attendee_ids), **filters.as_json()},
        )
        transaction.on_commit(partial(queue_badge_print_job, job.pk))
    return job


def queue_badge_print_job(job_id: int) -> None:
    """Hand a job to the task queue; a job left queued can be queued again from the admin."""
    try:
        queue.enqueue("render_badge_print_job", job_id)
    except Exception:
        logger.exception("Could not queue badge print job %s", job_id)


def _job_attendees(job: BadgePrintJob) -> list[Attendee]:
    """The job's attendees in their frozen order; those deleted since are left out."""
    found = (
        Attendee.objects.filter(pk__in=job.attendee_ids)
        .select_related("order__event", "ticket_type", "delegation")
        .in_bulk()
    )
    return [found[pk] for pk in job.attendee_ids if pk in found]


def run_badge_print_job(job_id: int) -> BadgePrintJob:
    """Render a queued job's badges into its PDF, moving `done` as parts finish.

    Side effects: the job goes queued → running → done (with its PDF) or
    failed (with the error); when done, one BadgePrint row per badge and an
    ActivityLog entry `badges.printed`; when failed, `badges.print_failed`.
    A job that is not queued (already taken by another worker, or finished)
    is returned unchanged.
    """
    # The badges recorded as printed are exactly those rendered.
    rendered: list[Attendee] = []

    def render(job: BadgePrintJob, progress: jobs.Progress) -> jobs.JobOutput:
        rendered.extend(_job_attendees(job))
        pdf = render_badges(
            rendered,
            layout=job.layout,
            back_side=back_side_from_json(job.back_side)
            if job.with_back_side
            else None,
            progress=progress,
        )
        job.total = job.done = len(rendered)
        return jobs.JobOutput(
            f"badges-{job.event.slug}-{job.pk}-{secrets.token_urlsafe(12)}.pdf", pdf
        )

    def record_prints(job: BadgePrintJob) -> None:
        BadgePrint.objects.bulk_create(
            BadgePrint(
                attendee=attendee,
                job=job,
                printed_by=job.requested_by,
                layout=job.layout,
            )
            for attendee in rendered
        )
        log_activity(
            job,
            action="badges.printed",
            actor=job.requested_by,
            event=job.event,
            data={"layout": job.layout, "count": len(rendered)},
        )

    def log_failure(job: BadgePrintJob) -> None:
        log_activity(
            job,
            action="badges.print_failed",
            actor=job.requested_by,
            event=job.event,
            data={"error": job.error},
        )

    return jobs.run_job(
        BadgePrintJob,
        job_id,
        work=render,
        on_done=record_prints,
        on_failed=log_failure,
        error_text=lambda error: f"{type(error).__name__}: {error}",
        select_related=("event", "requested_by"),
    )


def badge_refusal(attendee: Attendee) -> str | None:
    """Why `attendee` may not get a badge (`canceled`, `unpaid`); None when they may.

    Missing guardian consent does not stop a badge: the door flags it.
    """
    refusal = ticket_refusal(attendee)
    return refusal if refusal in {"canceled", "unpaid"} else None


def reprint_badge(
    attendee: Attendee, *, by: User | None, layout: str | None = None
) -> bytes:
    """One attendee's badge, printed at the desk, in the ticket type's layout by default.

    Side effects: a BadgePrint row (no job) and an ActivityLog entry
    `badge.reprinted`. Raises BadgeError `not_admitted` for an attendee whose
    order is canceled, expired or unpaid (and not admitted before payment).
    """
    refusal = badge_refusal(attendee)
    if refusal is not None:
        raise BadgeError(
            _("This attendee is not admitted (%(reason)s): no badge is printed.")
            % {"reason": refusal},
            code="not_admitted",
        )
    layout = layout or layout_for(attendee.ticket_type)
    pdf = render_badge(attendee, layout=layout)
    with transaction.atomic():
        BadgePrint.objects.create(
            attendee=attendee,
            printed_by=by if getattr(by, "is_authenticated", False) else None,
            layout=layout,
        )
        log_activity(
            attendee,
            action="badge.reprinted",
            actor=by,
            event=attendee.order.event,
            data={"layout": layout},
        )
    return pdf
