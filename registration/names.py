"""People's names: no order assumed, and the script a name is written in.

The badge shows `badge_name` exactly as the person typed it; given and family
names serve sorting and search only. A name in a non-Latin script may carry a
Latin transliteration, printed under it for readers of the Latin alphabet.
"""

import bisect
import functools
import logging
import shutil
import subprocess
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def is_latin_script(text: str) -> bool:
    """True when every letter of `text` is a Latin letter (or `text` has no letters).

    "José Müller" and "Nguyễn Văn An" are Latin; "王小明", "Иван Петров",
    "محمد" and "Ivan Петров" are not.
    """
    for char in text:
        if unicodedata.category(char).startswith("L") and not unicodedata.name(
            char, ""
        ).startswith("LATIN "):
            return False
    return True


def latin_transliteration(badge_name: str, latin: str) -> str:
    """The transliteration to print under `badge_name`: empty when the name is Latin already."""
    latin = latin.strip()
    if not latin or is_latin_script(badge_name):
        return ""
    return latin


# Scripts whose names are written family name first, with no space between:
# Chinese (Han), Japanese (Han and kana) and Korean (Hangul).
FAMILY_FIRST_SCRIPTS = ("CJK UNIFIED IDEOGRAPH", "HIRAGANA", "KATAKANA", "HANGUL")


def _is_family_first_script(text: str) -> bool:
    letters = [char for char in text if unicodedata.category(char).startswith("L")]
    return bool(letters) and all(
        unicodedata.name(char, "").startswith(FAMILY_FIRST_SCRIPTS) for char in letters
    )


def default_badge_name(given: str, family: str) -> str:
    """The badge name for someone who left it empty, in their name's own order.

    "Claire" + "Dubois" → "Claire Dubois"; "小明" + "王" → "王小明";
    "민준" + "김" → "김민준". Only a guess for those who gave none: the
    checkout asks for the name as it should be printed.
    """
    given, family = given.strip(), family.strip()
    if given and family and _is_family_first_script(given + family):
        return family + given
    return f"{given} {family}".strip()


# --- Printable on badges and tickets ----------------------------------------------

# Characters Pango draws as nothing, never as a missing-glyph box (Unicode's
# Default_Ignorable_Code_Point): soft hyphen, joiners, direction marks,
# variation selectors, the tag letters of subdivision flags. Whether direction
# controls belong in a name is decided elsewhere; they print nothing.
_DRAWN_AS_NOTHING = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


# Whitespace the documents' CSS turns into one space; every other control
# character, U+0085 and the vertical tab included, would print as a box.
_COLLAPSED_WHITESPACE = frozenset("\t\n\r ")


@functools.cache
def _printable_ranges() -> tuple[list[int], list[int]] | None:
    """Code point ranges some installed font draws, as (starts, ends), merged and sorted.

    Read once per process from fontconfig (`fc-list`, about 30 ms), the same
    fonts WeasyPrint's Pango falls back on; None when fontconfig is missing.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        logger.warning("fc-list not found: names are not checked for printable glyphs")
        return None
    result = subprocess.run(  # noqa: S603 (fixed arguments, fontconfig from PATH)
        [fc_list, "--format", "%{charset}\n"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        logger.warning("fc-list failed: names are not checked for printable glyphs")
        return None
    ranges = list(_DRAWN_AS_NOTHING)
    for charset in set(result.stdout.splitlines()):  # one line a font, many alike
        for part in charset.split():
            first, _, last = part.partition("-")
            ranges.append((int(first, 16), int(last or first, 16)))
    starts: list[int] = []
    ends: list[int] = []
    for first, last in sorted(ranges):
        if starts and first <= ends[-1] + 1:
            ends[-1] = max(ends[-1], last)
        else:
            starts.append(first)
            ends.append(last)
    return starts, ends


def unprintable_characters(text: str) -> list[str]:
    """The characters of `text` that no installed font can draw, each once, in order.

    Badges, tickets, invoices and letters would print them as empty boxes:
    unassigned and private-use code points, control characters, scripts no
    Debian font package here covers. Spaces, tabs and line breaks, and the
    characters drawn as nothing (joiners, variation selectors) are printable. Empty when fontconfig is
    missing (nothing can be judged; nothing can be printed either).
    """
    coverage = _printable_ranges()
    if coverage is None:
        return []
    starts, ends = coverage
    found: list[str] = []
    for char in text:
        if char in _COLLAPSED_WHITESPACE or char in found:
            continue
        code = ord(char)
        index = bisect.bisect_right(starts, code) - 1
        # A font may map a control character (DEL) or a line or paragraph
        # separator, but Pango never draws one.
        control = unicodedata.category(char) in {"Cc", "Zl", "Zp"}
        if control or index < 0 or code > ends[index]:
            found.append(char)
    return found


def validate_printable(value: str) -> None:
    """Validator for names that are printed: refuses characters no font can draw."""
    missing = unprintable_characters(value)
    if missing:
        raise ValidationError(
            _(
                "These characters cannot be printed on a badge or ticket: "
                "%(characters)s. Please leave them out."
            ),
            code="unprintable_characters",
            params={
                "characters": ", ".join(
                    f"{char} (U+{ord(char):04X})" for char in missing
                )
            },
        )


# --- Characters a name may not hold ----------------------------------------------------

# The Unicode bidirectional embeddings, overrides and isolates (LRE, RLE, PDF,
# LRO, RLO; LRI, RLI, FSI, PDI). They are invisible, and they reorder the text
# that follows them: "Ana " + U+202E + "Alice" shows as "Ana ecilA", and
# the reversal can run on into the rest of an admin row, an e-mail line or a
# CSV cell. Right-to-left names need none of them: the letters of
# Arabic or Hebrew carry their own direction. The marks U+200E, U+200F and
# U+061C are allowed: they pair with no other character, reorder nothing
# beyond the neutral characters next to them, and right-to-left keyboards
# type them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_bidi_controls(text: str) -> bool:
    """True when `text` holds an embedding, override or isolate (BIDI_CONTROLS)."""
    return not BIDI_CONTROLS.isdisjoint(text)


def validate_no_bidi_controls(value) -> None:
    """The model-field validator of every person, organisation and place name."""
    if isinstance(value, str) and has_bidi_controls(value):
        raise ValidationError(
            _(
                "Contains invisible characters that change the direction of text "
                "(such as U+202E); type it without them."
            ),
            code="bidi_control",
        )


# For the `validators` of a model's name fields: names are printed on badges,
# tickets, invoices and letters, and shown in lists, e-mails and exports.
NAME_VALIDATORS = [validate_no_bidi_controls, validate_printable]
