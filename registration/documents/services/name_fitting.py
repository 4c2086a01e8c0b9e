"""Fitting a name on a badge without running the layout engine.

WeasyPrint runs no JavaScript, so the font size is chosen from an estimate of
the printed width: advance widths measured from the fonts for Latin letters,
full width for East Asian characters, a fixed width for emoji sequences.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from registration.documents.services.badge_layouts import (
    DEFAULT_LAYOUT,
    LAYOUTS,
    NameSize,
)

PT_TO_MM = 25.4 / 72


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
