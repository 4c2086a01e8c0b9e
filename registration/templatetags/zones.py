"""Times with the abbreviation of the zone they are shown in."""

from django import template

from registration.reader import format_with_zone

register = template.Library()


@register.filter
def with_zone(moment, fmt: str = "") -> str:
    """`{{ order.expires_at|with_zone }}` inside `{% timezone event.time_zone %}`
    → "15 July 2027, 09:00 EDT"; `fmt` is a date format ("j F Y, H:i")."""
    if not moment:
        return ""
    return format_with_zone(moment, fmt=fmt)
