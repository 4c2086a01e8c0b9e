"""`.ics` downloads: an event (public), an attendee's programme (secret links)."""

from __future__ import annotations

import secrets

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from registration.catalogue.services.calendar import attendee_calendar, event_calendar
from registration.downloads import file_download
from registration.models import Attendee, Event, Order


def _ics(content: bytes, filename: str, *, private: bool) -> HttpResponse:
    return file_download(
        content,
        filename=filename,
        content_type="text/calendar; charset=utf-8",
        personal=private,
    )


def event_ics(request, slug: str):
    """The event's dates as an iCalendar file, in the page's language."""
    event = get_object_or_404(Event, slug=slug)
    content = event_calendar(
        event,
        url=request.build_absolute_uri(reverse("registration:checkout", args=[slug])),
        language=get_language(),
    )
    return _ics(content, f"{event.slug}.ics", private=False)


def _attendee_response(request, attendee: Attendee) -> HttpResponse:
    content = attendee_calendar(attendee)
    return _ics(
        content,
        f"{attendee.order.event.slug}-{attendee.order.code}-{attendee.pk}.ics",
        private=True,
    )


@never_cache
def order_attendee_ics(request, code: str, secret: str, attendee_id: int):
    """One attendee's programme, for the buyer (order page)."""
    order = Order.objects.select_related("event").filter(code=code.upper()).first()
    if order is None or not secrets.compare_digest(order.secret, secret):
        raise Http404
    attendee = (
        Attendee.objects.select_related("ticket_type")
        .prefetch_related("extras")
        .filter(order=order, pk=attendee_id)
        .first()
    )
    if attendee is None:
        raise Http404
    attendee.order = order
    return _attendee_response(request, attendee)


@never_cache
def attendee_ics(request, secret: str):
    """The attendee's own programme (attendee page)."""
    attendee = (
        Attendee.objects.select_related("order__event", "ticket_type")
        .prefetch_related("extras")
        .filter(secret=secret)
        .first()
    )
    if attendee is None:
        raise Http404
    return _attendee_response(request, attendee)
