"""Shared query-string filters for the API lists."""

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
