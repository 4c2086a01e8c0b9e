"""Reads of the texts staff write per language: every version of one, and what
is missing before an event opens (the admin's Missing translations panel).

The translated fields are the ones catalogue/translation.py registers with
django-modeltranslation; a text is missing in a language when its English
version is filled in and that language's is empty. Consent texts are rows per
language (consent/models.py): one is missing when a language has no version.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from modeltranslation.translator import translator

from registration.models import Event

DEFAULT_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
LANGUAGES = [code for code, _name in settings.LANGUAGES]
OTHER_LANGUAGES = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class MissingText:
    """One text of an event that lacks some languages."""

    where: str  # "Ticket type: Delegate"
    field: str  # "description"
    languages: tuple[str, ...]  # ("es", "fr")


def translated_fields(model: type[models.Model]) -> list[str]:
    """The names of `model`'s fields that exist per language, in model order."""
    registered = translator.get_options_for_model(model).fields
    return [f.name for f in model._meta.fields if f.name in registered]


def text_translations(instance: models.Model, name: str) -> dict[str, str]:
    """{"en": ..., "es": ..., "fr": ...}: each language's own text, "" when empty
    (no fallback, so a reader can tell a missing translation from English)."""
    return {code: getattr(instance, f"{name}_{code}") or "" for code in LANGUAGES}


def missing_translations(event: Event) -> list[MissingText]:
    """Every text of `event` with English but no Spanish or French: the event's
    own first, then its ticket types, extras, questions and consent text."""
    rows = [(_("Event"), event)]
    rows += [(_("Ticket type"), row) for row in event.ticket_types.all()]
    rows += [(_("Extra"), row) for row in event.extras.all()]
    rows += [(_("Question"), row) for row in event.questions.all()]
    missing = []
    for kind, instance in rows:
        title = getattr(instance, "name_en", None) or getattr(instance, "label_en", "")
        for name in translated_fields(type(instance)):
            texts = text_translations(instance, name)
            languages = tuple(
                code
                for code in OTHER_LANGUAGES
                if texts[DEFAULT_LANGUAGE] and not texts[code]
            )
            if languages:
                field = instance._meta.get_field(name)
                missing.append(
                    MissingText(f"{kind}: {title}", str(field.verbose_name), languages)
                )
    return missing + _missing_consent_texts(event)


def _missing_consent_texts(event: Event) -> list[MissingText]:
    """The languages without a consent text, once the event has an English one."""
    languages = set(event.consent_texts.values_list("language", flat=True))
    if DEFAULT_LANGUAGE not in languages:
        return []
    lacking = tuple(code for code in OTHER_LANGUAGES if code not in languages)
    if not lacking:
        return []
    return [MissingText(_("Guardian consent"), _("consent text"), lacking)]
