"""The language an API response's translated texts are in.

API addresses carry no language prefix, so LocaleMiddleware leaves them in
English; a client asks for another language with `?lang=es` or an
`Accept-Language` header, and every translated field then reads that
language (English where it has no text), besides `<field>_translations`.
"""

from django.conf import settings
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from registration.catalogue.texts import text_translations

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    enum=LANGUAGE_CODES,
    description="Language of the translated texts (default: Accept-Language, "
    "else English); each text also comes in every language as "
    "<field>_translations.",
)


def request_language(request) -> str:
    """`?lang=` when it is a site language, else the Accept-Language choice."""
    asked = request.GET.get("lang", "")
    if asked in LANGUAGE_CODES:
        return asked
    return translation.get_language_from_request(request)


class InRequestLanguage:
    """For an API view: handle the request in `request_language(request)`."""

    def dispatch(self, request, *args, **kwargs):
        with translation.override(request_language(request)):
            return super().dispatch(request, *args, **kwargs)


@extend_schema_field(
    {
        "type": "object",
        "properties": {code: {"type": "string"} for code in LANGUAGE_CODES},
        "description": 'Each language\'s own text; "" where it has none.',
    }
)
class TranslationsField(serializers.Field):
    """All languages of one translated text of the object (or of `source`)."""

    def __init__(self, text: str, **kwargs):
        self.text = text
        kwargs.setdefault("source", "*")
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> dict[str, str]:
        return text_translations(value, self.text)
