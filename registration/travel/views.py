"""The delegation leader's pages at a secret link (no account): members, their
travel, payments, consent and tickets; a member's details edited or the
member substituted by another person (until the self-service cut-off);
closing the list.

A wrong or truncated secret is a plain 404, and so is a member of another
delegation: every member lookup is scoped to the delegation of the link.
Passport details are write-only here: the page says whether they are on
file, never what they are.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_countries import countries

from registration.catalogue.services import pricing
from registration.documents.services.tickets import (
    TicketNotIssuable,
    render_ticket,
    ticket_issuable,
)
from registration.downloads import file_download
from registration.errors import OrderInvalid, RegistrationError
from registration.models import (
    Attendee,
    Delegation,
    DelegationBilling,
    DelegationInvoice,
    DelegationStatus,
    LodgingKind,
    VisaDetails,
)
from registration.orders.services import (
    EDITABLE_ATTENDEE_FIELDS,
    AttendeeData,
    YouthData,
    self_service_refusal,
)
from registration.orders.views import changes
from registration.payments import services as payments
from registration.travel.airports import find_airport
from registration.travel.selectors import get_delegation_members
from registration.travel.services import delegations as delegation_service
from registration.travel.services import travel

MEMBER_FIELDS = (
    "given_name",
    "family_name",
    "badge_name",
    "badge_name_latin",
    "email",
    "language",
    "organisation",
    "city",
    "country",
    "ticket_type",
)
YOUTH_FIELDS = ("date_of_birth", "guardian_name", "guardian_email", "guardian_phone")
TRAVEL_TEXT_FIELDS = (
    "arrival_date",
    "arrival_time",
    "arrival_airport",
    "arrival_carrier",
    "arrival_number",
    "departure_date",
    "departure_time",
    "departure_airport",
    "departure_carrier",
    "departure_number",
    "lodging_kind",
    "lodging_name",
    "room_sharing_with",
    "notes",
)
BILLING_FIELDS = ("name", "address", "tax_id", "po_number")


def _delegation_or_404(secret: str) -> Delegation:
    delegation = delegation_service.find_delegation(secret)
    if delegation is None:
        raise Http404
    return delegation


def _member_or_404(delegation: Delegation, attendee_id: int) -> Attendee:
    attendee = (
        Attendee.objects.select_related(
            "order__event", "ticket_type", "youth__consent", "travel"
        )
        .prefetch_related("extras")
        .filter(delegation=delegation, pk=attendee_id)
        .first()
    )
    if attendee is None:
        raise Http404
    return attendee


def _is_open(delegation: Delegation) -> bool:
    return delegation.status != DelegationStatus.CANCELED


@never_cache
def delegation_detail(request, secret: str):
    delegation = _delegation_or_404(secret)
    members = get_delegation_members(delegation)
    for member in members:
        member.ticket_issuable = ticket_issuable(member)
        member.changeable = (
            _is_open(delegation) and self_service_refusal(member.order) is None
        )
    invoice = DelegationInvoice.objects.filter(delegation=delegation).first()
    return render(
        request,
        "registration/travel/delegation_detail.html",
        {
            "delegation": delegation,
            "event": delegation.event,
            "members": members,
            "invoice": invoice,
            "can_add": _is_open(delegation),
            "can_close": delegation.status == DelegationStatus.OPEN,
            "invoiced": delegation.billing == DelegationBilling.DELEGATION_INVOICE,
        },
    )


# --- Changing a member: details, or another person in their place -------------------


def _changeable_member(request, secret: str, attendee_id: int):
    """(delegation, member, None), or a redirect back with the reason when the
    member may not be changed now (canceled delegation, closed order, cut-off)."""
    delegation = _delegation_or_404(secret)
    attendee = _member_or_404(delegation, attendee_id)
    refusal = self_service_refusal(attendee.order)
    if not _is_open(delegation) or refusal is not None:
        messages.error(
            request,
            refusal.message if refusal else _("This delegation was canceled."),
        )
        return (
            delegation,
            attendee,
            redirect("registration:delegation", secret=delegation.secret),
        )
    return delegation, attendee, None


def _member_context(delegation: Delegation) -> dict:
    return {
        "delegation": delegation,
        "eyebrow": f"{delegation.event.name} · {delegation.name}",
        "back_url": reverse("registration:delegation", args=[delegation.secret]),
        "back_label": _("Back to the delegation"),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def member_edit(request, secret: str, attendee_id: int):
    delegation, attendee, closed = _changeable_member(request, secret, attendee_id)
    if closed:
        return closed
    values = {
        name: str(getattr(attendee, name) or "") for name in EDITABLE_ATTENDEE_FIELDS
    }
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        values = {
            name: request.POST.get(name, "").strip()
            for name in EDITABLE_ATTENDEE_FIELDS
        }
        try:
            delegation_service.update_member(delegation, attendee, data=values)
        except OrderInvalid as exc:
            errors, general = changes.field_errors(exc)
            status = 400
        except RegistrationError as exc:
            messages.error(request, exc.message)
            return redirect("registration:delegation", secret=delegation.secret)
        else:
            messages.success(
                request,
                _("The details of %(name)s are saved.") % {"name": attendee.badge_name},
            )
            return redirect("registration:delegation", secret=delegation.secret)
    return render(
        request,
        "registration/orders/attendee_edit.html",
        {
            **_member_context(delegation),
            "order": attendee.order,
            "event": delegation.event,
            "attendee": attendee,
            "values": values,
            "errors": errors,
            "general_errors": general,
            "language_choices": settings.LANGUAGES,
            "countries": [(country.code, country.name) for country in countries],
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def member_substitute(request, secret: str, attendee_id: int):
    delegation, attendee, closed = _changeable_member(request, secret, attendee_id)
    if closed:
        return closed
    old_name = attendee.badge_name

    def done(substituted: Attendee):
        messages.success(
            request,
            _(
                "%(new)s takes the place of %(old)s; the new ticket is on its way "
                "to them by e-mail."
            )
            % {"old": old_name, "new": substituted.badge_name},
        )
        return redirect("registration:delegation", secret=delegation.secret)

    def substitute(member, *, to, by, as_staff):
        return delegation_service.substitute_member(delegation, member, to=to, by=by)

    return changes.transfer_form(
        request,
        attendee,
        context={**_member_context(delegation), "substitute": True},
        done=done,
        transfer=substitute,
    )


# --- Adding a member ------------------------------------------------------------


def _ticket_choices(delegation: Delegation):
    return [
        (ticket_type.pk, ticket_type.name)
        for ticket_type in delegation.event.ticket_types.all()
        if not ticket_type.members_only
        and pricing.is_ticket_type_visible(ticket_type, voucher=None)
    ]


def _question_rows(delegation: Delegation, values: dict, errors: dict):
    rows = []
    for question in delegation.event.questions.prefetch_related("ticket_types"):
        name = f"answers.{question.pk}"
        rows.append(
            {
                "question": question,
                "name": name,
                "id": "f-" + name.replace(".", "-"),
                "value": values.get(name, ""),
                "errors": errors.get(name, []),
                "scope": [tt.pk for tt in question.ticket_types.all()],
            }
        )
    return rows


def _member_data(post, delegation: Delegation) -> tuple[dict, AttendeeData]:
    values = {name: post.get(name, "").strip() for name in MEMBER_FIELDS}
    for name in YOUTH_FIELDS:
        values[f"youth.{name}"] = post.get(f"youth.{name}", "").strip()
    ticket_type = next(
        (
            tt
            for tt in delegation.event.ticket_types.all()
            if str(tt.pk) == values["ticket_type"]
        ),
        None,
    )
    answers = {}
    for question in delegation.event.questions.prefetch_related("ticket_types"):
        name = f"answers.{question.pk}"
        raw = (
            post.getlist(name)
            if question.kind == "multiple_choice"
            else post.get(name, "").strip()
        )
        values[name] = raw
        scope = {tt.pk for tt in question.ticket_types.all()}
        # Questions of other ticket types stay in the form but are not sent.
        if ticket_type is None or not scope or ticket_type.pk in scope:
            answers[question.pk] = raw
    youth = None
    if ticket_type is not None and ticket_type.asks_youth_details:
        youth = YouthData(
            **{name: values[f"youth.{name}"] for name in YOUTH_FIELDS},
        )
    data = AttendeeData(
        ticket_type=values["ticket_type"] or None,
        given_name=values["given_name"],
        family_name=values["family_name"],
        badge_name=values["badge_name"],
        badge_name_latin=values["badge_name_latin"],
        email=values["email"],
        language=values["language"],
        organisation=values["organisation"],
        city=values["city"],
        country=values["country"],
        answers=answers if ticket_type is not None else {},
        youth=youth,
    )
    return values, data


@never_cache
@require_http_methods(["GET", "POST"])
def member_add(request, secret: str):
    delegation = _delegation_or_404(secret)
    if not _is_open(delegation):
        raise Http404
    values = {
        "city": delegation.home_city,
        "country": str(delegation.home_country),
        "language": delegation.leader_language,
    }
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        values, data = _member_data(request.POST, delegation)
        try:
            order = delegation_service.add_member(delegation, member=data)
        except OrderInvalid as exc:
            for error in exc.errors:
                if _on_form(error.field):
                    errors.setdefault(error.field, []).append(error.message)
                else:
                    general.append(error.message)
            status = 400
        except RegistrationError as exc:
            general = [exc.message]
            status = 409 if exc.code in {"sold_out", "delegation_canceled"} else 400
            if exc.code == "busy":
                status = 503
        else:
            messages.success(
                request,
                _("%(name)s was added (order %(code)s).")
                % {"name": order.attendees.first().badge_name, "code": order.code},
            )
            return redirect("registration:delegation", secret=delegation.secret)
    return render(
        request,
        "registration/travel/delegation_member_form.html",
        {
            "delegation": delegation,
            "event": delegation.event,
            "values": values,
            "errors": errors,
            "general_errors": general,
            "ticket_choices": _ticket_choices(delegation),
            "questions": _question_rows(delegation, values, errors),
            "language_choices": settings.LANGUAGES,
            "countries": [(country.code, country.name) for country in countries],
            "each_pays": delegation.billing == DelegationBilling.EACH_PAYS,
        },
        status=status,
    )


def _on_form(field: str | None) -> bool:
    return bool(field) and (
        field in MEMBER_FIELDS or field.startswith(("youth.", "answers."))
    )


# --- A member's travel ----------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def member_travel(request, secret: str, attendee_id: int):
    delegation = _delegation_or_404(secret)
    attendee = _member_or_404(delegation, attendee_id)
    plan = getattr(attendee, "travel", None)
    values = travel.travel_form_values(plan)
    visa_values = dict.fromkeys(travel.VISA_FIELDS, "")
    errors: dict[str, list[str]] = {}
    status = 200
    has_visa = VisaDetails.objects.filter(attendee=attendee).exists()
    if request.method == "POST":
        values = {
            name: request.POST.get(name, "").strip() for name in TRAVEL_TEXT_FIELDS
        }
        values["pickup_needed"] = request.POST.get("pickup_needed") == "on"
        values["visa_letter_needed"] = request.POST.get("visa_letter_needed") == "on"
        visa_values = {
            name: request.POST.get(name, "").strip() for name in travel.VISA_FIELDS
        }
        try:
            travel.save_member_travel(
                attendee,
                travel=values,
                # Empty passport fields keep what is on file (write-only form).
                visa=visa_values if any(visa_values.values()) else None,
            )
        except travel.TravelInvalid as exc:
            errors = exc.by_field()
            status = 400
        else:
            messages.success(
                request,
                _("Travel details of %(name)s saved.") % {"name": attendee.badge_name},
            )
            return redirect("registration:delegation", secret=delegation.secret)
    airports = {
        leg: find_airport(values.get(f"{leg}_airport", "")) for leg in travel.LEGS
    }
    return render(
        request,
        "registration/travel/delegation_travel_form.html",
        {
            "delegation": delegation,
            "event": delegation.event,
            "attendee": attendee,
            "values": values,
            "visa_values": visa_values,
            "errors": errors,
            "has_visa": has_visa,
            "airports": airports,
            "letter_status": plan.get_visa_letter_status_display() if plan else "",
            "lodging_choices": LodgingKind.choices,
            "countries": [(country.code, country.name) for country in countries],
        },
        status=status,
    )


# --- Tickets, closing, invoice ------------------------------------------------------------


@never_cache
def member_ticket(request, secret: str, attendee_id: int):
    delegation = _delegation_or_404(secret)
    attendee = _member_or_404(delegation, attendee_id)
    try:
        content = render_ticket(attendee)
    except TicketNotIssuable as exc:
        return HttpResponse(exc.message, status=403, content_type="text/plain")
    return file_download(
        content,
        filename=f"ticket-{attendee.order.code}-{attendee.pk}.pdf",
        content_type="application/pdf",
        inline=True,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def delegation_close(request, secret: str):
    delegation = _delegation_or_404(secret)
    if delegation.status != DelegationStatus.OPEN:
        return redirect("registration:delegation", secret=delegation.secret)
    invoiced = delegation.billing == DelegationBilling.DELEGATION_INVOICE
    values = {
        "billing.name": delegation.billing_name or delegation.name,
        "billing.address": delegation.billing_address,
        "billing.tax_id": delegation.billing_tax_id,
        "billing.po_number": delegation.billing_po_number,
    }
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        values = {
            f"billing.{name}": request.POST.get(f"billing.{name}", "").strip()
            for name in BILLING_FIELDS
        }
        billing = payments.BillingData(
            **{name: values[f"billing.{name}"] for name in BILLING_FIELDS}
        )
        try:
            invoice = delegation_service.close_delegation(
                delegation, billing=billing if invoiced else None
            )
        except payments.PaymentInvalid as exc:
            for error in exc.errors:
                errors.setdefault(error.field or "", []).append(error.message)
            status = 400
        except RegistrationError as exc:
            general = [exc.message]
            status = 409
        else:
            if invoice is not None:
                messages.success(
                    request,
                    _("The list is closed. Invoice %(number)s was sent to you.")
                    % {"number": invoice.number},
                )
            else:
                messages.success(request, _("The list is closed."))
            return redirect("registration:delegation", secret=delegation.secret)
    return render(
        request,
        "registration/travel/delegation_close.html",
        {
            "delegation": delegation,
            "event": delegation.event,
            "values": values,
            "errors": errors,
            "general_errors": general,
            "invoiced": invoiced,
            "member_count": delegation.members.count(),
        },
        status=status,
    )


@never_cache
def delegation_invoice(request, secret: str):
    delegation = _delegation_or_404(secret)
    invoice = DelegationInvoice.objects.filter(delegation=delegation).first()
    if invoice is None:
        raise Http404
    return file_download(
        delegation_service.render_delegation_invoice_pdf(invoice),
        filename=f"invoice-{invoice.number}.pdf",
        content_type="application/pdf",
        inline=True,
    )


def delegation_url(delegation: Delegation) -> str:
    return reverse("registration:delegation", args=[delegation.secret])
