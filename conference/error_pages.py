"""Template tags of the error pages ({% load error_pages %})."""

from django import template
from django.conf import settings
from django.templatetags.static import static

register = template.Library()


@register.simple_tag
def error_static(path: str) -> str:
    """The file's hashed address, or its plain one when the manifest lacks it.

    `{% static %}` raises when collectstatic has not run or missed a file; an
    error page still has to render then (unstyled at worst).
    """
    try:
        return static(path)
    except ValueError:
        return settings.STATIC_URL + path
