"""The programme on pages outside its package: the attendee's own page
(`{% attendee_programme attendee %}`) and the CMS event page
(`{% event_programme event %}`), both read through programme/selectors.py so
the page, the API and the admin count places the same way."""

from collections import defaultdict

from django import template
from django.utils import timezone

from registration.programme import selectors

register = template.Library()


@register.inclusion_tag(
    "registration/programme/attendee_programme.html", takes_context=True
)
def attendee_programme(context, attendee):
    """The attendee's sessions by day with their place in each and the buttons."""
    now = timezone.now()
    choices = selectors.attendee_programme(attendee, now=now)
    event = attendee.order.event
    days = defaultdict(list)
    for choice in choices:
        days[timezone.localtime(choice.session.starts_at, event.tz).date()].append(
            choice
        )
    return {
        "attendee": attendee,
        "event": event,
        "days": sorted(days.items()),
        "can_sign_up": selectors.holds_a_place(attendee.order, now=now),
        "certificate": selectors.certificate_of(attendee),
        "now": now,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.inclusion_tag("registration/programme/event_programme.html")
def event_programme(event):
    """The event's programme by day, with places left and a calendar file each."""
    return {"event": event, "days": selectors.programme_by_day(event)}
