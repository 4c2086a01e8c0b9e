"""Times at airports for the delegation and travel screens."""

from django import template
from django.utils import formats

from registration.travel.airports import airport_zone

register = template.Library()


@register.filter
def at_airport(moment, code: str) -> str:
    """`{{ plan.arrival_at|at_airport:plan.arrival_airport }}` → "12 Jun 2027, 14:05 IAD (EDT)"."""
    if not moment:
        return ""
    zone = airport_zone(code)
    local = moment.astimezone(zone) if zone else moment
    when = formats.date_format(local, "j M Y, H:i")
    return f"{when} {code} ({local.tzname()})"
