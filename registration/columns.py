"""Text sent from outside, checked against the column it goes to, before any write.

Every text a visitor, a delegation leader, a guardian or an API client sends is
checked here, with the limits read from the model fields themselves: a
column's `max_length` (SQLite stores longer text, PostgreSQL refuses it with a
500), FREE_TEXT_LIMIT for the unbounded TextFields, and the names' rules
against bidirectional controls and characters no installed font can print,
for the fields that carry `validate_no_bidi_controls` (registration/names.py).
The services call `check_columns` and raise their own field-named errors; the API's input
serializers put a `ColumnText` validator on each field, so both speak of the
same limit and in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registration.names import (
    has_bidi_controls,
    unprintable_characters,
    validate_no_bidi_controls,
)

# The most a free-text column without a length of its own (an answer, medical
# notes, a billing address) takes from outside.
FREE_TEXT_LIMIT = 5000


def column_limit(field: models.Field) -> int:
    """How many characters `field` takes from outside."""
    return field.max_length or FREE_TEXT_LIMIT


def is_name_field(field: models.Field) -> bool:
    """True for the person, organisation and place names (no bidirectional controls)."""
    return validate_no_bidi_controls in field.validators


def text_problems(
    field: models.Field, value: Any, *, label: str | None = None
) -> list[ValidationError]:
    """Why `value` cannot go into `field`: too long, or a name with bidi controls.

    Each message names the field (its verbose name, or `label`). Only text is
    looked at: choices, e-mail format and the like are the callers' checks.
    """
    if not isinstance(value, str) or not value:
        return []
    limit = column_limit(field)
    too_long = len(value) > limit
    name = is_name_field(field)
    bidi = name and has_bidi_controls(value)
    unprintable = unprintable_characters(value) if name else []
    if not (too_long or bidi or unprintable):
        return []
    label = label or capfirst(str(field.verbose_name))
    problems = []
    if too_long:
        problems.append(
            ValidationError(
                ngettext(
                    "%(field)s can have at most %(limit)d character (this has %(count)d).",
                    "%(field)s can have at most %(limit)d characters (this has %(count)d).",
                    limit,
                )
                % {"field": label, "limit": limit, "count": len(value)},
                code="max_length",
            )
        )
    if bidi:
        problems.append(
            ValidationError(
                _(
                    "%(field)s contains invisible characters that change the "
                    "direction of text (such as U+202E); type it without them."
                )
                % {"field": label},
                code="bidi_control",
            )
        )
    if unprintable:
        problems.append(
            ValidationError(
                _(
                    "%(field)s holds characters that cannot be printed on a badge "
                    "or ticket: %(characters)s. Please leave them out."
                )
                % {
                    "field": label,
                    "characters": ", ".join(
                        f"{char} (U+{ord(char):04X})" for char in unprintable
                    ),
                },
                code="unprintable_characters",
            )
        )
    return problems


def check_columns(
    model: type[models.Model],
    values: Mapping[str, Any],
    *,
    columns: Mapping[str, str] | None = None,
    prefix: str = "",
) -> list[tuple[str, ValidationError]]:
    """(field path, error) for each of `values` its column cannot take.

    `values` maps input names to what will be stored (stripped already);
    `columns` maps an input name to its model field where they differ
    (`name` → `buyer_name`); `prefix` starts each path (`attendees.0.`).
    """
    columns = columns or {}
    found = []
    for name, value in values.items():
        field = model._meta.get_field(columns.get(name, name))
        for problem in text_problems(field, value):
            found.append((f"{prefix}{name}", problem))
    return found


def column_errors(
    error_class,
    model: type[models.Model],
    values: Mapping[str, Any],
    *,
    columns: Mapping[str, str] | None = None,
    prefix: str = "",
) -> list:
    """`check_columns` as the calling service's own field-named errors.

    `error_class` is built as `error_class(message, code=..., field=path)`, as
    every RegistrationError is (OrderError, TravelError, ConsentError, ...).
    """
    return [
        error_class(error.message, code=error.code, field=path)
        for path, error in check_columns(model, values, columns=columns, prefix=prefix)
    ]


class ColumnText(MaxLengthValidator):
    """`text_problems` as a validator, for the API's and forms' input fields.

    A MaxLengthValidator, so that the OpenAPI schema shows the column's length.
    """

    def __init__(self, field: models.Field):
        self.field = field
        super().__init__(column_limit(field))

    def __call__(self, value):
        if problems := text_problems(self.field, value):
            raise ValidationError(problems)

    def __eq__(self, other):
        return isinstance(other, ColumnText) and self.field is other.field

    def __hash__(self):
        return hash(self.field)
