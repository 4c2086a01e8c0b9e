"""Checkout: choose tickets → attendee details → review → place the order."""

from django.shortcuts import get_object_or_404, render

from registration.models import Event
from registration.selectors import get_event_sales


def start(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    sales = get_event_sales(event)
    return render(
        request, "registration/checkout_tickets.html", {"event": event, "sales": sales}
    )
