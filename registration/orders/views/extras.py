"""Extras bought later, from the buyer's order page (`registration:buy_extras`)
or an attendee's own page, for themselves (`registration:own_extras`).

The buyer ticks the extras each attendee should have, sees what they cost,
and confirms. orders/services/changes.py decides: an unpaid or invoiced order
is changed at once (the total grows, an invoice is reissued); a paid card
order is changed when the card payment of the difference succeeds
(`record_change_awaiting_payment`, then payments' `start_card_payment`). Open
until the event's self-service cut-off, like every self-service change.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registration.catalogue.services import pricing
from registration.errors import OrderError, OrderInvalid, RegistrationError
from registration.models import Attendee, Extra
from registration.money import format_money
from registration.orders.services import (
    apply_change,
    preview_change,
    record_change_awaiting_payment,
    self_service_needs_payment,
    self_service_refusal,
)
from registration.orders.views.order_page import _order_or_404
from registration.payments import services as payments

TEMPLATE = "registration/orders/buy_extras.html"


def _offers(order, attendees, now=None) -> list[dict]:
    """Each of `attendees` with the extras on sale they do not have yet."""
    extras = [
        extra
        for extra in Extra.objects.filter(event=order.event).order_by("pk")
        if pricing.sale_window_error(extra, event=order.event, now=_now(now)) is None
    ]
    rows = []
    for attendee in attendees.prefetch_related("attendeeextra_set"):
        had = {row.extra_id for row in attendee.attendeeextra_set.all()}
        offered = [extra for extra in extras if extra.pk not in had]
        if offered:
            rows.append({"attendee": attendee, "extras": offered, "checked": set()})
    return rows


def _now(now):
    return now or timezone.now()


def _chosen(request, rows) -> list[dict]:
    operations = []
    for row in rows:
        picked = set(request.POST.getlist(f"extras_{row['attendee'].pk}"))
        for extra in row["extras"]:
            if str(extra.pk) in picked:
                operations.append(
                    {
                        "op": "add_extra",
                        "attendee": row["attendee"].pk,
                        "extra": extra.pk,
                    }
                )
    return operations


@never_cache
@require_http_methods(["GET", "POST"])
def buy_extras(request, code: str, secret: str):
    """The buyer adds extras for any attendee of the order."""
    order = _order_or_404(code, secret)
    back = reverse("registration:order", args=[order.code, order.secret])
    return _buy_extras(request, order, order.attendees.all(), back_url=back)


@never_cache
@require_http_methods(["GET", "POST"])
def own_extras(request, secret: str):
    """An attendee adds extras for themselves, from their own page."""
    attendee = (
        Attendee.objects.select_related("order__event").filter(secret=secret).first()
    )
    if attendee is None:
        raise Http404
    back = reverse("registration:attendee", args=[attendee.secret])
    return _buy_extras(
        request,
        attendee.order,
        Attendee.objects.filter(pk=attendee.pk),
        back_url=back,
    )


def _buy_extras(request, order, attendees, *, back_url: str):
    if refusal := self_service_refusal(order):
        messages.error(request, refusal.message)
        return redirect(back_url)
    rows = _offers(order, attendees)
    context = {"order": order, "event": order.event, "rows": rows, "back_url": back_url}
    if request.method == "GET":
        return render(request, TEMPLATE, context)
    operations = _chosen(request, rows)
    for row in rows:
        row["checked"] = {
            op["extra"] for op in operations if op["attendee"] == row["attendee"].pk
        }
    if not operations:
        context["errors"] = [_("Choose at least one extra.")]
        return render(request, TEMPLATE, context, status=400)
    try:
        plan = preview_change(order, operations, as_staff=False)
        if request.POST.get("confirm") != str(plan.new_total):
            context.update(
                plan=plan, amount=format_money(plan.difference, order.currency)
            )
            return render(request, TEMPLATE, context)
        if self_service_needs_payment(order, plan):
            return _pay_first(request, order, operations, back_url)
        apply_change(
            order,
            operations,
            by=None,
            as_staff=False,
            refund_difference=False,
            expected_total=plan.new_total,
        )
    except OrderInvalid as error:
        context["errors"] = [item.message for item in error.errors]
        return render(request, TEMPLATE, context, status=400)
    except RegistrationError as error:
        context["errors"] = [error.message]
        status = 409 if isinstance(error, OrderError) else 400
        return render(request, TEMPLATE, context, status=status)
    messages.success(request, _("The extras have been added to your order."))
    return redirect(back_url)


def _pay_first(request, order, operations, back_url):
    """A paid card order: record the change, then send the buyer to pay it."""
    if not payments.card_payments_enabled():
        messages.error(
            request, _("Card payments are not available; please contact us.")
        )
        return redirect(back_url)
    change = record_change_awaiting_payment(order, operations, by=None)
    base = request.build_absolute_uri("/")[:-1]
    try:
        url = payments.start_card_payment(
            order,
            change=change,
            success_url=base
            + reverse("payments:done", args=[order.code, order.secret]),
            cancel_url=base + back_url,
        )
    except payments.PaymentError as error:
        messages.error(request, error.message)
        return redirect(back_url)
    return redirect(url)
