"""Checkout: choose tickets → attendee details → review → place the order.

The steps keep what the buyer entered in the session (`checkout:<event id>`),
so going back or fixing an error never loses data; the flow needs no
JavaScript. Every rule is the services' (`preview_order`, `place_order`);
their errors come back named by dotted field paths (`attendees.0.email`),
which are also the names of the form inputs here.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.forms.utils import ErrorList
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_countries import countries

from registration.catalogue.selectors import get_event_sales
from registration.catalogue.services import pricing
from registration.errors import (
    Busy,
    OrderError,
    OrderInvalid,
    PriceChanged,
    SoldOut,
)
from registration.models import (
    Event,
    OrderStatus,
    PaymentMethod,
    Question,
    QuestionKind,
)
from registration.orders.services import (
    AttendeeData,
    BuyerData,
    YouthData,
    place_order,
    preview_order,
)
from registration.payments import services as payments

MAX_TICKETS = 50


def _state(request, event: Event) -> dict:
    return request.session.get(f"checkout:{event.pk}", {})


def _save_state(request, event: Event, state: dict) -> None:
    request.session[f"checkout:{event.pk}"] = state


class TicketErrors:
    """The little the tickets template needs of a form: `non_field_errors`."""

    def __init__(self, errors: list[str]):
        self._errors = ErrorList(errors)

    def non_field_errors(self):
        return self._errors


def _int(value) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return -1


@never_cache
@require_http_methods(["GET", "POST"])
def start(request, slug: str):
    """Step 1: ticket types, quantities, extras and a member code or voucher."""
    event = get_object_or_404(Event, slug=slug)
    sales = get_event_sales(event)
    context = {"event": event, "sales": sales}
    if request.method == "GET":
        return render(request, "registration/orders/checkout_tickets.html", context)

    errors = []
    tickets: dict[str, int] = {}
    on_sale = {offer.ticket_type.pk: offer for offer in sales.offers if offer.on_sale}
    for ticket_type in event.ticket_types.all():
        count = _int(request.POST.get(f"ticket_{ticket_type.pk}"))
        if count < 0:
            errors.append(_("Enter whole numbers of tickets."))
        elif count and ticket_type.pk not in on_sale:
            errors.append(
                _("%(ticket)s is not on sale now.") % {"ticket": ticket_type.name}
            )
        elif count:
            tickets[str(ticket_type.pk)] = count
    extras = {}
    for extra in event.extras.all():
        count = _int(request.POST.get(f"extra_{extra.pk}"))
        if count > 0:
            extras[str(extra.pk)] = count
    total = sum(tickets.values())
    if not errors and total == 0:
        errors.append(_("Choose at least one ticket."))
    if total > MAX_TICKETS:
        errors.append(
            _("One order can have at most %(n)s tickets; please split the group.")
            % {"n": MAX_TICKETS}
        )
    if any(count > total for count in extras.values()):
        errors.append(_("Choose each extra at most once per attendee."))

    code = request.POST.get("voucher", "").strip()
    voucher_code = member_code = ""
    if code and not errors:
        voucher_code, member_code, error = _classify_code(event, code)
        if error:
            errors.append(error)
            context["voucher_error"] = error
    if errors:
        context["form"] = TicketErrors(errors)
        # What the buyer entered comes back as entered, to be corrected.
        context["quantities"] = {
            ticket_type.pk: request.POST.get(f"ticket_{ticket_type.pk}", "").strip()
            for ticket_type in event.ticket_types.all()
        }
        context["extra_quantities"] = {
            extra.pk: request.POST.get(f"extra_{extra.pk}", "").strip()
            for extra in event.extras.all()
        }
        context["voucher"] = code
        return render(
            request, "registration/orders/checkout_tickets.html", context, status=400
        )

    state = _state(request, event)
    state.update(
        {
            "tickets": tickets,
            "extras": extras,
            "voucher_code": voucher_code,
            "member_code": member_code,
        }
    )
    _save_state(request, event, state)
    return redirect("registration:checkout_attendees", slug=event.slug)


def _classify_code(event: Event, code: str) -> tuple[str, str, str]:
    """One code field for both: a voucher of the event, else a member code."""
    from django.utils import timezone

    now = timezone.now()
    try:
        pricing.find_voucher(event, code, now=now)
        return code, "", ""
    except OrderError as voucher_error:
        if voucher_error.code != "voucher_unknown":
            return "", "", voucher_error.message
    try:
        pricing.find_member_organisation(event, code, now=now)
        return "", code, ""
    except OrderError as member_error:
        if member_error.code != "member_code_unknown":
            return "", "", member_error.message
    return "", "", _("This code is neither a voucher nor a member code for this event.")


# --- Step 2: attendees and buyer ------------------------------------------------------


ATTENDEE_FIELDS = (
    "given_name",
    "family_name",
    "badge_name",
    "badge_name_latin",
    "email",
    "language",
    "organisation",
    "city",
    "country",
)
BUYER_FIELDS = (
    "name",
    "email",
    "organisation",
    "phone",
    "address",
    "tax_id",
    "language",
)
YOUTH_FIELDS = ("date_of_birth", "guardian_name", "guardian_email", "guardian_phone")


def _slots(event: Event, state: dict) -> list:
    """One ticket type per attendee form, in the order of the event's ticket types."""
    by_pk = {tt.pk: tt for tt in event.ticket_types.all()}
    slots = []
    for pk, count in state.get("tickets", {}).items():
        ticket_type = by_pk.get(int(pk))
        if ticket_type is not None:
            slots.extend([ticket_type] * count)
    return slots


def _questions_for(questions: list[Question], ticket_type) -> list[Question]:
    result = []
    for question in questions:
        scope = {tt.pk for tt in question.ticket_types.all()}
        if not scope or ticket_type.pk in scope:
            result.append(question)
    return result


def _read_post(request, slots, questions) -> dict:
    """The submitted values, keyed by the dotted names the services use."""
    data: dict = {}
    for name in BUYER_FIELDS:
        data[f"buyer.{name}"] = request.POST.get(f"buyer.{name}", "").strip()
    data["payment_method"] = request.POST.get("payment_method", "")
    for index, ticket_type in enumerate(slots):
        prefix = f"attendees.{index}"
        for name in ATTENDEE_FIELDS:
            data[f"{prefix}.{name}"] = request.POST.get(f"{prefix}.{name}", "").strip()
        data[f"{prefix}.extras"] = request.POST.getlist(f"{prefix}.extras")
        for question in _questions_for(questions, ticket_type):
            key = f"{prefix}.answers.{question.pk}"
            if question.kind == QuestionKind.MULTIPLE_CHOICE:
                data[key] = request.POST.getlist(key)
            else:
                data[key] = request.POST.get(key, "").strip()
        if ticket_type.asks_youth_details:
            for name in YOUTH_FIELDS:
                data[f"{prefix}.youth.{name}"] = request.POST.get(
                    f"{prefix}.youth.{name}", ""
                ).strip()
    return data


def _request_from(data: dict, slots, questions):
    buyer = BuyerData(
        **{
            name: data.get(f"buyer.{name}", "")
            for name in BUYER_FIELDS
            if name != "language"
        },
        language=data.get("buyer.language") or "en",
    )
    attendees = []
    for index, ticket_type in enumerate(slots):
        prefix = f"attendees.{index}"
        answers = {}
        for question in _questions_for(questions, ticket_type):
            value = data.get(f"{prefix}.answers.{question.pk}", "")
            if question.kind == QuestionKind.YES_NO and value == "":
                value = None
            answers[question.pk] = value
        youth = None
        if ticket_type.asks_youth_details:
            youth = YouthData(
                **{
                    name: data.get(f"{prefix}.youth.{name}", "")
                    for name in YOUTH_FIELDS
                }
            )
        attendees.append(
            AttendeeData(
                ticket_type=ticket_type.pk,
                **{name: data.get(f"{prefix}.{name}", "") for name in ATTENDEE_FIELDS},
                extras=[
                    int(pk)
                    for pk in data.get(f"{prefix}.extras", [])
                    if str(pk).isdigit()
                ],
                answers=answers,
                youth=youth,
            )
        )
    return buyer, attendees


def _initial_data(state: dict, slots) -> dict:
    """First visit: extras chosen on step 1 are ticked for the first attendees."""
    data = {
        "buyer.language": "en",
        "payment_method": payments.offered_payment_methods()[0][0],
    }
    for pk, count in state.get("extras", {}).items():
        for index in range(min(count, len(slots))):
            data.setdefault(f"attendees.{index}.extras", []).append(pk)
    return data


def _forms(event, slots, questions, data, errors):
    """Template-friendly rows: each attendee with its fields, values and errors."""
    extras = list(event.extras.all())
    rows = []
    for index, ticket_type in enumerate(slots):
        prefix = f"attendees.{index}"
        rows.append(
            {
                "index": index,
                "number": index + 1,
                "prefix": prefix,
                "ticket_type": ticket_type,
                "youth": ticket_type.asks_youth_details,
                "consent": ticket_type.requires_guardian_consent,
                "extras": [
                    {
                        "extra": extra,
                        "checked": str(extra.pk) in data.get(f"{prefix}.extras", []),
                    }
                    for extra in extras
                ],
                "questions": [
                    {
                        "question": question,
                        "name": f"{prefix}.answers.{question.pk}",
                        "id": f"f-{prefix}-answers-{question.pk}".replace(".", "-"),
                        "value": data.get(f"{prefix}.answers.{question.pk}", ""),
                        "errors": errors.get(f"{prefix}.answers.{question.pk}", []),
                    }
                    for question in _questions_for(questions, ticket_type)
                ],
            }
        )
    return rows


@never_cache
@require_http_methods(["GET", "POST"])
def attendees(request, slug: str):
    """Step 2: one form per attendee, the buyer once, the payment method."""
    event = get_object_or_404(Event, slug=slug)
    state = _state(request, event)
    slots = _slots(event, state)
    if not slots:
        return redirect("registration:checkout", slug=event.slug)
    questions = list(event.questions.prefetch_related("ticket_types"))
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = _read_post(request, slots, questions)
        state["data"] = data
        _save_state(request, event, state)
        buyer, people = _request_from(data, slots, questions)
        if data["payment_method"] not in dict(payments.offered_payment_methods()):
            errors["payment_method"] = [_("Choose one of the payment methods shown.")]
        else:
            try:
                preview_order(
                    event,
                    buyer=buyer,
                    attendees=people,
                    payment_method=data["payment_method"],
                    voucher_code=state.get("voucher_code") or None,
                    member_code=state.get("member_code") or None,
                    waiting_list_token=state.get("waiting_list_token") or None,
                )
            except OrderInvalid as exc:
                for field, field_errors in exc.by_field().items():
                    errors[field] = [error.message for error in field_errors]
            except OrderError as exc:
                errors.setdefault(exc.field or "non_field_errors", []).append(
                    exc.message
                )
        if not errors:
            return redirect("registration:checkout_review", slug=event.slug)
    else:
        data = state.get("data") or _initial_data(state, slots)
    context = {
        "event": event,
        "rows": _forms(event, slots, questions, data, errors),
        "data": data,
        "errors": errors,
        "general_errors": [
            message
            for field, messages_ in errors.items()
            if not field.startswith(("attendees.", "buyer.", "payment_method"))
            or field == "attendees"
            for message in messages_
        ],
        "language_choices": settings.LANGUAGES,
        "countries": [(country.code, country.name) for country in countries],
        "payment_methods": payments.offered_payment_methods(),
    }
    return render(
        request,
        "registration/orders/checkout_attendees.html",
        context,
        status=400 if errors else 200,
    )


# --- Step 3: review and place ---------------------------------------------------------

REVIEW_TEMPLATE = "registration/orders/checkout_review.html"


@never_cache
@require_http_methods(["GET", "POST"])
def review(request, slug: str):
    """Step 3: the exact total; placing the order confirms it (or asks again)."""
    event = get_object_or_404(Event, slug=slug)
    state = _state(request, event)
    slots = _slots(event, state)
    if not slots or "data" not in state:
        return redirect("registration:checkout", slug=event.slug)
    questions = list(event.questions.prefetch_related("ticket_types"))
    data = state["data"]
    buyer, people = _request_from(data, slots, questions)
    kwargs = {
        "buyer": buyer,
        "attendees": people,
        "payment_method": data.get("payment_method", ""),
        "voucher_code": state.get("voucher_code") or None,
        "member_code": state.get("member_code") or None,
        "waiting_list_token": state.get("waiting_list_token") or None,
    }
    try:
        preview = preview_order(event, **kwargs)
    except OrderError:
        messages.error(request, _("Please check the details below."))
        return redirect("registration:checkout_attendees", slug=event.slug)
    wants_invoice = (
        preview.status == OrderStatus.PENDING
        and preview.payment_method == PaymentMethod.INVOICE
        and preview.quote.total > 0
    )
    billing = _initial_billing(data) if wants_invoice else {}
    if request.method == "POST":
        return _place_reviewed_order(
            request,
            event,
            preview,
            people,
            order_kwargs=kwargs,
            wants_invoice=wants_invoice,
            billing=billing,
        )
    return render(
        request,
        REVIEW_TEMPLATE,
        _review_context(event, preview, people, "", billing, {}),
    )


def _place_reviewed_order(
    request,
    event: Event,
    preview,
    people,
    *,
    order_kwargs: dict,
    wants_invoice: bool,
    billing: dict,
):
    """The buyer's "Place order": privacy and billing checked, then the order placed.

    A refusal shows the review again with the reason: 400 for a missing agreement,
    bad billing details or an order the services refuse, 409 when the price
    changed or seats ran out meanwhile, 503 with Retry-After when the event is
    too busy to take the order now.
    """
    alert = ""
    status = 200
    billing_errors: dict[str, list[str]] = {}
    privacy_accepted = bool(request.POST.get("privacy"))
    privacy_errors: list[str] = []
    if not privacy_accepted:
        # The buyer agrees before any personal data is stored.
        privacy_errors = [_("Please agree to the privacy notice to place the order.")]
        alert, status = privacy_errors[0], 400
    if wants_invoice:
        billing = {name: request.POST.get(name, "").strip() for name in BILLING_FIELDS}
        try:
            payments.check_billing(_billing_data(billing))
        except payments.PaymentInvalid as exc:
            billing_errors = _billing_errors(exc)
            alert, status = _("Please check the billing details."), 400
    if not billing_errors and privacy_accepted:
        buyer = replace(order_kwargs["buyer"], privacy_accepted_at=timezone.now())
        try:
            order = place_order(
                event,
                **{**order_kwargs, "buyer": buyer},
                expected_total=_expected_total(request),
                # An invoice order is invoiced as it is placed, to these details.
                billing=_billing_data(billing) if wants_invoice else None,
            )
        except (PriceChanged, SoldOut) as exc:
            alert, status = exc.message, 409
        except Busy as exc:
            context = _review_context(
                event,
                preview,
                people,
                exc.message,
                billing,
                billing_errors,
                privacy_accepted=privacy_accepted,
            )
            return _busy_response(request, context, retry_after=exc.retry_after)
        except OrderError as exc:
            alert, status = exc.message, 400
        else:
            return _order_placed(request, event, order)
    context = _review_context(
        event,
        preview,
        people,
        alert,
        billing,
        billing_errors,
        privacy_accepted=privacy_accepted,
        privacy_errors=privacy_errors,
    )
    return render(request, REVIEW_TEMPLATE, context, status=status)


def _busy_response(request, context: dict, *, retry_after: int):
    """The review again, 503 with Retry-After: too busy to take the order now."""
    response = render(request, REVIEW_TEMPLATE, context, status=503)
    response["Retry-After"] = str(retry_after)
    return response


def _expected_total(request) -> Decimal:
    """The total the buyer saw; a missing or garbled one never matches a real total."""
    try:
        return Decimal(request.POST.get("expected_total", ""))
    except InvalidOperation:
        return Decimal("-1")


def _billing_errors(exc: payments.PaymentInvalid) -> dict[str, list[str]]:
    """The billing refusals keyed by form input (`billing.name` → `billing_name`)."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        name = (error.field or "").replace("billing.", "billing_")
        errors.setdefault(name, []).append(error.message)
    return errors


def _order_placed(request, event: Event, order):
    """Forget the checkout and show the order (placement issued any invoice)."""
    request.session.pop(f"checkout:{event.pk}", None)
    # Card orders find the "Pay by card" button on their page.
    return redirect("registration:order", code=order.code, secret=order.secret)


BILLING_FIELDS = (
    "billing_name",
    "billing_address",
    "billing_tax_id",
    "billing_po_number",
    "billing_email",
)


def _initial_billing(data: dict) -> dict:
    """The invoice's addressee, taken from the buyer's details until the buyer edits it."""
    return {
        "billing_name": data.get("buyer.organisation") or data.get("buyer.name", ""),
        "billing_address": data.get("buyer.address", ""),
        "billing_tax_id": data.get("buyer.tax_id", ""),
        "billing_po_number": "",
        "billing_email": data.get("buyer.email", ""),
    }


def _billing_data(billing: dict) -> payments.BillingData:
    return payments.BillingData(
        **{name.removeprefix("billing_"): billing[name] for name in BILLING_FIELDS}
    )


def _review_context(
    event,
    preview,
    people,
    alert: str,
    billing: dict,
    billing_errors: dict,
    *,
    privacy_accepted: bool = False,
    privacy_errors: list[str] | None = None,
) -> dict:
    lines = []
    for person, line in zip(people, preview.quote.attendees, strict=True):
        lines.append({"person": person, "line": line})
    return {
        "event": event,
        "preview": preview,
        "lines": lines,
        "alert": alert,
        "billing": billing,
        "billing_errors": billing_errors,
        "privacy_accepted": privacy_accepted,
        "privacy_errors": privacy_errors or [],
    }
