"""Changing a registration after placement, from the buyer's order page and from
the attendee's own page: the answers to the event's questions, and a transfer
of the ticket to another person.

Each form keeps what was typed when a field is refused (400, the field named as
the service names it: `answers.12`, `email`, `youth.date_of_birth`); a change
the cut-off no longer allows sends the reader back with the service's reason.
The delegation page (travel/views.py) uses the same forms for its members.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_countries import countries

from registration.errors import OrderError, OrderInvalid, RegistrationError
from registration.models import Answer, Attendee, Question, QuestionKind
from registration.orders.services import (
    TRANSFER_FIELDS,
    TransferData,
    YouthData,
    asked_questions,
    attendee_edit_deadline,
    needs_youth_details,
    self_service_refusal,
    transfer_ticket,
    update_answers,
)
from registration.orders.views.order_page import _order_or_404

YOUTH_FIELDS = ("date_of_birth", "guardian_name", "guardian_email", "guardian_phone")


# --- Shared by the order page, the attendee page and the delegation page ----------


def question_rows(questions: list[Question], values: dict, errors: dict) -> list:
    """One row per question for the answers form, named `answers.<id>`."""
    rows = []
    for question in questions:
        name = f"answers.{question.pk}"
        rows.append(
            {
                "question": question,
                "name": name,
                "id": "f-" + name.replace(".", "-"),
                "value": values.get(name, ""),
                "errors": errors.get(name, []),
            }
        )
    return rows


def stored_answer_values(attendee: Attendee, questions: list[Question]) -> dict:
    """The attendee's answers as the form shows them."""
    stored = {
        answer.question_id: answer.value
        for answer in Answer.objects.filter(attendee=attendee)
    }
    values = {}
    for question in questions:
        value = stored.get(question.pk, "")
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            value = [line for line in value.split("\n") if line]
        values[f"answers.{question.pk}"] = value
    return values


def posted_answers(post, questions: list[Question]) -> tuple[dict, dict]:
    """(what the form shows again, what the service gets): every question is
    sent, so an unticked multiple choice clears its answer."""
    values, answers = {}, {}
    for question in questions:
        name = f"answers.{question.pk}"
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            raw = post.getlist(name)
        else:
            raw = post.get(name, "").strip()
        values[name] = raw
        answers[question.pk] = raw
    return values, answers


def field_errors(exc: OrderInvalid) -> tuple[dict[str, list[str]], list[str]]:
    """(errors by form field, errors of no field) of a refused change."""
    grouped = exc.by_field()
    general = [error.message for error in grouped.pop("non_field_errors", [])]
    return {
        field: [error.message for error in errors] for field, errors in grouped.items()
    }, general


def answers_form(
    request,
    attendee: Attendee,
    *,
    context: dict,
    done_url: str,
    by=None,
    as_staff: bool = False,
):
    """GET: the attendee's answers; POST: save them through `update_answers`."""
    questions = asked_questions(attendee)
    values = stored_answer_values(attendee, questions)
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        values, answers = posted_answers(request.POST, questions)
        try:
            update_answers(attendee, answers=answers, by=by, as_staff=as_staff)
        except OrderInvalid as exc:
            errors, general = field_errors(exc)
            status = 400
        except OrderError as exc:
            messages.error(request, exc.message)
            return redirect(context["back_url"])
        else:
            messages.success(
                request,
                _("The answers of %(name)s are saved.") % {"name": attendee.badge_name},
            )
            return redirect(done_url)
    return render(
        request,
        "registration/orders/attendee_answers.html",
        {
            **context,
            "attendee": attendee,
            "event": attendee.order.event,
            "values": values,
            "errors": errors,
            "general_errors": general,
            "questions": question_rows(questions, values, errors),
            "countries": [(country.code, country.name) for country in countries],
            "deadline": attendee_edit_deadline(attendee.order.event),
        },
        status=status,
    )


def posted_transfer(post, attendee: Attendee) -> tuple[dict, TransferData]:
    values = {name: post.get(name, "").strip() for name in TRANSFER_FIELDS}
    youth = None
    if needs_youth_details(attendee):
        for name in YOUTH_FIELDS:
            values[f"youth.{name}"] = post.get(f"youth.{name}", "").strip()
        youth = YouthData(**{name: values[f"youth.{name}"] for name in YOUTH_FIELDS})
    return values, TransferData(
        **{name: values[name] for name in TRANSFER_FIELDS}, youth=youth
    )


def transfer_form(
    request,
    attendee: Attendee,
    *,
    context: dict,
    done,
    by=None,
    as_staff: bool = False,
    transfer=transfer_ticket,
):
    """GET: the new holder's form; POST: `transfer` (`transfer_ticket`, or the
    delegation's substitution), then `done(attendee)`, a response, once the
    ticket is theirs."""
    values = {"language": attendee.order.language}
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    status = 200
    if request.method == "POST":
        values, data = posted_transfer(request.POST, attendee)
        try:
            transfer(attendee, to=data, by=by, as_staff=as_staff)
        except OrderInvalid as exc:
            errors, general = field_errors(exc)
            status = 400
        except RegistrationError as exc:
            if exc.code == "checked_in":
                general = [exc.message]
                status = 409
            else:
                messages.error(request, exc.message)
                return redirect(context["back_url"])
        else:
            return done(attendee)
    return render(
        request,
        "registration/orders/attendee_transfer.html",
        {
            **context,
            "attendee": attendee,
            "event": attendee.order.event,
            "values": values,
            "errors": errors,
            "general_errors": general,
            "youth": needs_youth_details(attendee),
            "consent": attendee.ticket_type.requires_guardian_consent,
            "language_choices": settings.LANGUAGES,
            "countries": [(country.code, country.name) for country in countries],
            "deadline": attendee_edit_deadline(attendee.order.event),
        },
        status=status,
    )


# --- The buyer's order page ---------------------------------------------------------


def _order_attendee(code: str, secret: str, attendee_id: int) -> Attendee:
    order = _order_or_404(code, secret)
    attendee = (
        Attendee.objects.select_related("ticket_type")
        .filter(order=order, pk=attendee_id)
        .first()
    )
    if attendee is None:
        raise Http404
    attendee.order = order
    return attendee


def _closed(request, attendee: Attendee, back_url: str):
    """Back to `back_url` with the reason, when self-service changes are closed."""
    refusal = self_service_refusal(attendee.order)
    if refusal is None:
        return None
    messages.error(request, refusal.message)
    return redirect(back_url)


def _order_context(attendee: Attendee) -> dict:
    order = attendee.order
    return {
        "order": order,
        "eyebrow": f"{order.event.name} · {order.code}",
        "back_url": reverse(
            "registration:order", kwargs={"code": order.code, "secret": order.secret}
        ),
        "back_label": _("Back to the order"),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def order_attendee_answers(request, code: str, secret: str, attendee_id: int):
    attendee = _order_attendee(code, secret, attendee_id)
    context = _order_context(attendee)
    if response := _closed(request, attendee, context["back_url"]):
        return response
    return answers_form(
        request, attendee, context=context, done_url=context["back_url"]
    )


@never_cache
@require_http_methods(["GET", "POST"])
def order_attendee_transfer(request, code: str, secret: str, attendee_id: int):
    attendee = _order_attendee(code, secret, attendee_id)
    context = _order_context(attendee)
    if response := _closed(request, attendee, context["back_url"]):
        return response
    old_name = attendee.badge_name

    def done(transferred: Attendee):
        messages.success(
            request,
            _(
                "The ticket of %(old)s now belongs to %(new)s; the new ticket is on "
                "its way to them by e-mail."
            )
            % {"old": old_name, "new": transferred.badge_name},
        )
        return redirect(context["back_url"])

    return transfer_form(request, attendee, context=context, done=done)


# --- The attendee's own page ----------------------------------------------------------


def _own_attendee(secret: str) -> Attendee:
    attendee = (
        Attendee.objects.select_related("order__event", "ticket_type")
        .filter(secret=secret)
        .first()
    )
    if attendee is None:
        raise Http404
    return attendee


def _own_context(attendee: Attendee) -> dict:
    return {
        "eyebrow": attendee.order.event.name,
        "back_url": reverse("registration:attendee", args=[attendee.secret]),
        "back_label": _("Back to your registration"),
        "own": True,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def attendee_answers(request, secret: str):
    attendee = _own_attendee(secret)
    context = _own_context(attendee)
    if response := _closed(request, attendee, context["back_url"]):
        return response
    return answers_form(
        request, attendee, context=context, done_url=context["back_url"]
    )


@never_cache
@require_http_methods(["GET", "POST"])
def attendee_transfer(request, secret: str):
    attendee = _own_attendee(secret)
    context = _own_context(attendee)
    if response := _closed(request, attendee, context["back_url"]):
        return response
    old_name = attendee.given_name or attendee.badge_name
    had_email = bool(attendee.email)

    def done(transferred: Attendee):
        # The old link is dead now: the page is shown here, not redirected to.
        return render(
            request,
            "registration/orders/transfer_done.html",
            {
                "attendee": transferred,
                "event": transferred.order.event,
                "old_name": old_name,
                "had_email": had_email,
            },
        )

    return transfer_form(request, attendee, context=context, done=done)
