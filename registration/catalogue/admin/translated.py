"""Panels for texts that staff write in every site language.

Short texts (names, labels) sit side by side, English first; long texts
(terms, e-mail notes, choices) one under the other, so each is wide enough to
read. English is required where the field is; Spanish and French may stay
empty and then read English (catalogue/translation.py).
"""

from django import forms
from django.conf import settings
from django.db import models
from django.utils.text import capfirst, format_lazy
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel


def side_by_side(model: type[models.Model], name: str) -> FieldRowPanel:
    """One short text, a column per language."""
    return FieldRowPanel(_language_panels(model, name), classname="translated")


def stacked(model: type[models.Model], name: str) -> MultiFieldPanel:
    """One long text, a field per language under the field's name."""
    return MultiFieldPanel(
        _language_panels(model, name, widget=forms.Textarea(attrs={"rows": 5})),
        heading=capfirst(model._meta.get_field(name).verbose_name),
        classname="translated",
    )


def _language_panels(
    model: type[models.Model], name: str, **options
) -> list[FieldPanel]:
    field = model._meta.get_field(name)
    return [
        FieldPanel(
            f"{name}_{code}",
            heading=format_lazy("{} ({})", capfirst(field.verbose_name), label),
            **options,
        )
        for code, label in settings.LANGUAGES
    ]
