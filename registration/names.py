"""People's names: no order assumed, and the script a name is written in.

The badge shows `badge_name` exactly as the person typed it; given and family
names serve sorting and search only. A name in a non-Latin script may carry a
Latin transliteration, printed under it for readers of the Latin alphabet.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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


# For the `validators` of a model's name fields.
NAME_VALIDATORS = [validate_no_bidi_controls]
