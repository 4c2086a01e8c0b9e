"""Which texts staff write for an event exist in every site language.

django-modeltranslation adds a column per language (`name_en`, `name_es`,
`name_fr`) next to each field named here; the plain attribute (`name`) reads
the active language and falls back to English when that column is empty, so
pages, e-mails and PDFs rendered in their reader's language
(`registration/reader.py`) show the reader's text without knowing about it.
English is required; Spanish and French may stay empty.
"""

from modeltranslation.translator import TranslationOptions, register

from registration.catalogue.models import Event, Extra, Question, TicketType


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("name", "summary", "terms", "email_note")
    required_languages = {"en": ("name",)}


@register(TicketType)
class TicketTypeTranslation(TranslationOptions):
    fields = ("name", "description", "badge_role")
    required_languages = {"en": ("name",)}


@register(Extra)
class ExtraTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = {"en": ("name",)}


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("label", "help_text", "choices")
    required_languages = {"en": ("label",)}
