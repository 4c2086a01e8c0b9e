"""Shared query-string filters for the API lists."""

from datetime import UTC

import django_filters
from django import forms

from registration.api.converters import MAX_ID


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number from 1 to MAX_ID. Anything else is a 400 naming
    the parameter, never a query the database cannot run."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, handed to the database in UTC: PostgreSQL refuses
    offsets beyond ±15:59 (a 500 before), and a time that cannot be put in UTC
    (year 1 minus an offset) is a clear 400."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError(
                "Enter a time that can be expressed in UTC.", code="invalid"
            ) from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
