"""Review before placement, and changes after it: an attendee's details and
answers, until the event's one self-service cut-off (`self_service_refusal`).

Transfers to another person live in transfers.py and ask the same cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from registration.audit.services import log_activity
from registration.catalogue.services import pricing
from registration.columns import column_errors
from registration.errors import (
    OrderError,
    OrderInvalid,
)
from registration.models import (
    LIVE_ORDER_STATUSES,
    Answer,
    Attendee,
    Event,
    Order,
    Question,
    QuestionKind,
    QuestionReport,
)
from registration.orders.services.actions import ActionRefusal, action_refusal
from registration.orders.services.requests import (
    ATTENDEE_TEXT_FIELDS,
    AttendeeData,
    BuyerData,
    _composed_badge_name_error,
    badge_name_of,
)
from registration.orders.services.validation import (
    _attendee_answers,
    _email_error,
    _validate,
)


@dataclass(frozen=True)
class OrderPreview:
    """What placing the request would give now: prices and the resulting status."""

    quote: pricing.Quote
    status: str
    payment_method: str


def preview_order(
    event: Event,
    *,
    buyer: BuyerData,
    attendees: list[AttendeeData],
    payment_method: str,
    voucher_code: str | None = None,
    member_code: str | None = None,
    waiting_list_token: str | None = None,
    now: datetime | None = None,
) -> OrderPreview:
    """Validate and price a request without writing anything (the review step).

    Raises the same errors as `place_order` except those decided under the
    locks (SoldOut, Busy); the buyer confirms the total shown, which
    `place_order(expected_total=...)` then checks.
    """
    plan = _validate(
        event,
        buyer=buyer,
        attendees=attendees,
        voucher_code=voucher_code,
        member_code=member_code,
        payment_method=payment_method,
        waiting_list_token=waiting_list_token,
        now=now or timezone.now(),
    )
    return OrderPreview(
        quote=plan.quote, status=plan.status, payment_method=plan.payment_method
    )


def attendee_edit_deadline(event: Event) -> datetime:
    """The event's self-service cut-off: `attendee_edit_until`, else its start."""
    return event.attendee_edit_until or event.starts_at


def self_service_refusal(
    order: Order, *, now: datetime | None = None
) -> ActionRefusal | None:
    """Why buyers, attendees and delegation leaders may not change `order`'s
    registrations themselves now; None while they may.

    The one check of every self-service change: an attendee's details and
    answers, a transfer of a ticket to another person, a leader's edit or
    substitution of a member. It applies to live orders (pending, awaiting
    approval, paid) until the event's cut-off (`attendee_edit_deadline`).
    Staff are held to `action_refusal` instead and may act after the cut-off.
    """
    if order.status not in LIVE_ORDER_STATUSES:
        return ActionRefusal(
            _("This order is canceled or expired; its registrations cannot change."),
            code="order_closed",
        )
    if (now or timezone.now()) >= attendee_edit_deadline(order.event):
        return ActionRefusal(
            _("Registrations can no longer be changed online; please contact us."),
            code="edit_closed",
        )
    return None


def can_edit_attendees(order: Order, *, now: datetime | None = None) -> bool:
    """True while self-service changes of `order` are allowed (`self_service_refusal`)."""
    return self_service_refusal(order, now=now) is None


def change_refusal(
    order: Order, *, action: str, as_staff: bool, now: datetime | None = None
) -> ActionRefusal | None:
    """The refusal of a change: staff by `action_refusal(order, action)`, everyone
    else by the self-service cut-off."""
    if as_staff:
        return action_refusal(order, action)
    return self_service_refusal(order, now=now)


def raise_change_refusal(
    order: Order, *, action: str, as_staff: bool, now: datetime | None = None
) -> None:
    """Raise `change_refusal` as an OrderError (`edit_closed`, `order_closed`)."""
    if refusal := change_refusal(order, action=action, as_staff=as_staff, now=now):
        raise OrderError(refusal.message, code=refusal.code)


EDITABLE_ATTENDEE_FIELDS = (
    "badge_name",
    "badge_name_latin",
    "given_name",
    "family_name",
    "email",
    "language",
    "organisation",
    "city",
    "country",
)


def update_attendee(
    attendee: Attendee,
    *,
    data: dict[str, str],
    by=None,
    as_staff: bool = False,
    now: datetime | None = None,
) -> Attendee:
    """Change an attendee's personal details (not ticket or extras) before the cut-off.

    Staff (`as_staff`) may change the details of a live order after the buyers'
    cut-off too (a name misspelt on the badge the day before). Raises
    OrderError `edit_closed` when the change is not allowed and OrderInvalid
    naming each bad field. The ActivityLog entry lists the changed field names only.
    """
    order = attendee.order
    raise_change_refusal(order, action="edit_attendee", as_staff=as_staff, now=now)
    values = {
        name: str(data.get(name, getattr(attendee, name)) or "").strip()
        for name in EDITABLE_ATTENDEE_FIELDS
    }
    values = clean_attendee_details(values)
    values["badge_name"] = badge_name_of(
        values["badge_name"], values["given_name"], values["family_name"]
    )
    changed = [
        name
        for name, value in values.items()
        if str(getattr(attendee, name) or "") != value
    ]
    if not changed:
        return attendee
    with transaction.atomic():
        for name in changed:
            setattr(attendee, name, values[name])
        attendee.save(update_fields=changed)
        log_activity(
            attendee,
            action="attendee.updated",
            actor=by,
            event=order.event,
            data={"fields": changed},
        )
    return attendee


def clean_attendee_details(
    values: dict[str, str], *, email_required: bool = False
) -> dict[str, str]:
    """The details of EDITABLE_ATTENDEE_FIELDS checked as at placement; the values
    with the country upper-cased, or OrderInvalid naming each bad field."""
    values = dict(values)
    values["country"] = values["country"].upper()
    errors = []
    if not values["given_name"]:
        errors.append(
            OrderError(_("Enter the given name."), code="required", field="given_name")
        )
    if error := _email_error(values["email"], path="email", required=email_required):
        errors.append(error)
    if values["language"] not in {code for code, _name in settings.LANGUAGES}:
        errors.append(
            OrderError(
                _("Choose a language offered."), code="invalid_choice", field="language"
            )
        )
    if values["country"] and values["country"] not in dict(countries):
        errors.append(
            OrderError(_("Choose a country."), code="invalid_choice", field="country")
        )
    errors += column_errors(
        OrderError, Attendee, {name: values[name] for name in ATTENDEE_TEXT_FIELDS}
    )
    if error := _composed_badge_name_error(values, path=""):
        errors.append(error)
    if errors:
        raise OrderInvalid(errors)
    return values


# Answers whose values are health data: their changes are logged without the
# values (DESIGN invariant 7 keeps such data out of the ActivityLog).
UNLOGGED_ANSWER_REPORTS = frozenset({QuestionReport.ACCESSIBILITY})


def asked_questions(attendee: Attendee) -> list[Question]:
    """The event's questions asked of `attendee`'s ticket type, in the event's order."""
    return [
        question
        for question in attendee.order.event.questions.prefetch_related(
            "ticket_types"
        ).order_by("sort_order", "pk")
        if not (scope := {tt.pk for tt in question.ticket_types.all()})
        or attendee.ticket_type_id in scope
    ]


def update_answers(
    attendee: Attendee,
    *,
    answers: dict,
    by=None,
    as_staff: bool = False,
    now: datetime | None = None,
) -> Attendee:
    """Change `attendee`'s answers to the event's questions, checked as at placement.

    `answers` maps question ids to values as the checkout takes them; a question
    left out keeps its answer, an empty value clears it (refused for a required
    one). Buyers and attendees change answers until the self-service cut-off;
    staff (`as_staff`) while the order is live. Raises OrderError `edit_closed`
    or `order_closed`, and OrderInvalid naming each bad answer `answers.<id>`
    (`required`, `invalid_choice`, `unknown_question`, ...). The ActivityLog
    entry `attendee.answers_updated` holds each changed question with its old
    and new value, except health answers (UNLOGGED_ANSWER_REPORTS), logged
    without them.
    """
    order = attendee.order
    raise_change_refusal(order, action="edit_attendee", as_staff=as_staff, now=now)
    current = {
        answer.question_id: answer.value
        for answer in Answer.objects.filter(attendee=attendee)
    }
    given = {str(key): value for key, value in (answers or {}).items()}
    questions = asked_questions(attendee)
    merged = {
        str(question.pk): given[str(question.pk)]
        if str(question.pk) in given
        else _as_given(question, current.get(question.pk, ""))
        for question in questions
    }
    extra = {key: value for key, value in given.items() if key not in merged}
    errors: list[OrderError] = []
    checked = _attendee_answers(
        AttendeeData(ticket_type=attendee.ticket_type, answers={**merged, **extra}),
        attendee.ticket_type,
        questions,
        path="",
        errors=errors,
    )
    if errors:
        raise OrderInvalid(errors)
    new = {question.pk: checked.get(question, "") for question in questions}
    changes = {
        question: (current.get(question.pk, ""), new[question.pk])
        for question in questions
        if current.get(question.pk, "") != new[question.pk]
    }
    if not changes:
        return attendee
    with transaction.atomic():
        Attendee.objects.select_for_update().filter(pk=attendee.pk).first()
        for question, (_old, value) in changes.items():
            if value == "":
                Answer.objects.filter(attendee=attendee, question=question).delete()
            else:
                Answer.objects.update_or_create(
                    attendee=attendee, question=question, defaults={"value": value}
                )
        log_activity(
            attendee,
            action="attendee.answers_updated",
            actor=by,
            event=order.event,
            data={
                "answers": {
                    str(question.pk): _logged_change(question, old, value)
                    for question, (old, value) in changes.items()
                }
            },
        )
    return attendee


def _as_given(question: Question, stored: str):
    """A stored answer as a form or the API would send it again."""
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return [line for line in stored.split("\n") if line]
    return stored


def _logged_change(question: Question, old: str, new: str) -> dict:
    if question.report_as in UNLOGGED_ANSWER_REPORTS:
        return {"question": question.label, "values": "not logged (health data)"}
    return {"question": question.label, "old": old, "new": new}
