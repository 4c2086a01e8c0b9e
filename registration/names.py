"""People's names: no order assumed, and the script a name is written in.

The badge shows `badge_name` exactly as the person typed it; given and family
names serve sorting and search only. A name in a non-Latin script may carry a
Latin transliteration, printed under it for readers of the Latin alphabet.
"""

import unicodedata


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
