"""Request bodies whose text the database can store.

JSON may carry a NUL character ("\\u0000") or half of a surrogate pair
("\\ud800"); a form may carry "%00". Neither PostgreSQL nor the UTF-8 encoder
takes them, and DRF's fields do not all refuse them (a slug looked up by a
SlugRelatedField, a key inside a list), so such a body used to reach the
database and end as a 500. The parsers below refuse it at the door with the
API's usual 400, naming the field that holds the character.
"""

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ValidationError


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def unstorable_fields(data, path: str = "") -> list[str]:
    """Dotted paths (`attendees.0.given_name`) of the strings that cannot be stored."""
    found: list[str] = []
    if isinstance(data, QueryDict):  # a form: each field may repeat, named alike
        for key, values in data.lists():
            if not all(_storable(text) for text in [key, *values]):
                found.append(f"{path}.{key}" if path else key)
        return found
    if isinstance(data, str):
        if not _storable(data):
            found.append(path or "non_field_errors")
    elif isinstance(data, dict):
        for key, value in data.items():
            if not _storable(key):  # JSON keys are strings
                found.append(path or "non_field_errors")
                continue
            found.extend(unstorable_fields(value, f"{path}.{key}" if path else key))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            found.extend(
                unstorable_fields(value, f"{path}.{index}" if path else str(index))
            )
    return found


class StorableTextMixin:
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        data = parsed.data if isinstance(parsed, parsers.DataAndFiles) else parsed
        fields = unstorable_fields(data)
        if fields:
            message = _(
                "Contains a character that cannot be stored "
                "(a NUL character or half of a surrogate pair)."
            )
            raise ValidationError(
                {field: [message] for field in dict.fromkeys(fields)},
                code="invalid_character",
            )
        return parsed


class JSONParser(StorableTextMixin, parsers.JSONParser):
    pass


class FormParser(StorableTextMixin, parsers.FormParser):
    pass


class MultiPartParser(StorableTextMixin, parsers.MultiPartParser):
    pass
