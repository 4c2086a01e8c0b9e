"""Joining a sold-out ticket type's waiting list, and taking up an offered place."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registration.catalogue.selectors import get_event_sales
from registration.errors import WaitingListError
from registration.models import Event
from registration.waiting_list.services import (
    check_offer_code,
    find_offer,
    join_waiting_list,
    offer_code_needed,
)

# The texts of the form, stored as the entry's columns of the same names.
TEXT_FIELDS = ("name", "email")


@never_cache
@require_http_methods(["GET", "POST"])
def join(request, slug: str):
    event = get_object_or_404(Event, slug=slug)
    sold_out = [
        offer.ticket_type
        for offer in get_event_sales(event).offers
        if offer.state == "sold_out"
    ]
    values = {
        "ticket_type": request.POST.get("ticket_type") or request.GET.get("ticket", ""),
        **{name: request.POST.get(name, "").strip() for name in TEXT_FIELDS},
        "quantity": request.POST.get("quantity", "1"),
    }
    context = {"event": event, "sold_out": sold_out, "values": values, "errors": {}}
    if request.method == "GET":
        return render(
            request, "registration/waiting_list/waiting_list_join.html", context
        )
    ticket_type = next(
        (tt for tt in sold_out if str(tt.pk) == values["ticket_type"]), None
    )
    try:
        quantity = int(values["quantity"])
    except ValueError:
        quantity = 0
    try:
        if ticket_type is None:
            raise WaitingListError("", field="ticket_type")
        entry = join_waiting_list(
            event,
            ticket_type=ticket_type,
            name=values["name"],
            email=values["email"],
            language=get_language() or "en",
            quantity=quantity,
        )
    except WaitingListError as exc:
        context["errors"] = {
            exc.field or "name": [exc.message or _("Choose a sold-out ticket type.")]
        }
        return render(
            request,
            "registration/waiting_list/waiting_list_join.html",
            context,
            status=400,
        )
    context["entry"] = entry
    return render(request, "registration/waiting_list/waiting_list_join.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def offer(request, token: str):
    """Start checkout with the offered places reserved for this person.

    A members-only or voucher-only ticket type first asks for the member code
    or voucher (services.waiting_list.check_offer_code), which checkout then
    applies as if it had been entered on the tickets step.
    """
    try:
        entry = find_offer(token)
    except WaitingListError as exc:
        if exc.code == "unknown_token":
            raise Http404 from exc
        return render(
            request,
            "registration/waiting_list/waiting_list_offer_closed.html",
            {"message": exc.message},
            status=410,
        )
    event = entry.event
    needed = offer_code_needed(entry)
    voucher_code = member_code = ""
    if needed:
        values = {"code": request.POST.get("code", "").strip()}
        context = {"entry": entry, "event": event, "needed": needed, "values": values}
        if request.method != "POST":
            return render(
                request,
                "registration/waiting_list/waiting_list_offer_code.html",
                context,
            )
        try:
            voucher_code, member_code = check_offer_code(entry, values["code"])
        except WaitingListError as exc:
            context["errors"] = {"code": [exc.message]}
            return render(
                request,
                "registration/waiting_list/waiting_list_offer_code.html",
                context,
                status=400,
            )
    request.session[f"checkout:{event.pk}"] = {
        "tickets": {str(entry.ticket_type_id): entry.quantity},
        "extras": {},
        "voucher_code": voucher_code,
        "member_code": member_code,
        "waiting_list_token": entry.token,
        "data": {
            "buyer.name": entry.name,
            "buyer.email": entry.email,
            "buyer.language": entry.language,
            "payment_method": "card",
        },
    }
    return redirect("registration:checkout_attendees", slug=event.slug)
