"""Order validation: every check that can run before a lock is taken, each error naming
its field.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django_countries import countries

from registration.catalogue.services import pricing
from registration.columns import column_errors, text_problems
from registration.consent.services import check_age
from registration.errors import (
    OrderError,
    OrderInvalid,
)
from registration.models import (
    Answer,
    Attendee,
    Event,
    Extra,
    MemberOrganisation,
    Order,
    OrderStatus,
    PaymentMethod,
    Question,
    QuestionKind,
    TicketType,
    Voucher,
    WaitingListEntry,
    WaitingListStatus,
    YouthDetails,
)
from registration.orders.services.requests import (
    ATTENDEE_TEXT_FIELDS,
    BUYER_COLUMNS,
    MAX_ATTENDEES_PER_ORDER,
    YOUTH_TEXT_FIELDS,
    AttendeeData,
    BuyerData,
    YouthData,
    _composed_badge_name_error,
    _Plan,
    _texts,
)


def _pk(value) -> int | None:
    if value is None or value == "":
        return None
    if hasattr(value, "pk"):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _check_answer(
    question: Question, raw: Any, *, path: str
) -> tuple[str, OrderError | None]:
    """The stored text of an answer, or the error that names its field."""
    empty = raw is None or raw == "" or raw == []
    if empty:
        if question.required and question.kind != QuestionKind.YES_NO:
            return "", OrderError(
                _("This question must be answered."), code="required", field=path
            )
        if question.required and question.kind == QuestionKind.YES_NO:
            return "", OrderError(_("Answer yes or no."), code="required", field=path)
        return "", None
    kind = question.kind
    if kind == QuestionKind.YES_NO:
        if isinstance(raw, bool):
            return ("yes" if raw else "no"), None
        text = str(raw).strip().lower()
        if text in {"yes", "true", "1", "on"}:
            return "yes", None
        if text in {"no", "false", "0", "off"}:
            return "no", None
        return "", OrderError(_("Answer yes or no."), code="invalid_choice", field=path)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        values = raw if isinstance(raw, list | tuple) else [raw]
        values = [str(v).strip() for v in values]
        unknown = [v for v in values if v not in question.choice_list]
        if unknown:
            return "", OrderError(
                _("Choose from the options offered."), code="invalid_choice", field=path
            )
        return "\n".join(values), None
    text = str(raw).strip()
    if kind == QuestionKind.CHOICE and text not in question.choice_list:
        return "", OrderError(
            _("Choose one of the options offered."), code="invalid_choice", field=path
        )
    if kind == QuestionKind.NUMBER:
        try:
            Decimal(text)
        except ArithmeticError:
            return "", OrderError(_("Enter a number."), code="invalid", field=path)
    if kind == QuestionKind.DATE and parse_date_safe(text) is None:
        return "", OrderError(
            _("Enter a date as YYYY-MM-DD."), code="invalid", field=path
        )
    if kind == QuestionKind.COUNTRY and text.upper() not in dict(countries):
        return "", OrderError(_("Choose a country."), code="invalid_choice", field=path)
    if problems := text_problems(Answer._meta.get_field("value"), text):
        return "", OrderError(problems[0].message, code=problems[0].code, field=path)
    return (text.upper() if kind == QuestionKind.COUNTRY else text), None


def _at(path: str, name: str) -> str:
    """A field's dotted path under `path` ("attendees.0"), or alone when `path` is
    empty (an attendee changed after placement: `answers.12`)."""
    return f"{path}.{name}" if path else name


def parse_date_safe(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ValueError:
        return None


def _email_error(value: str, *, path: str, required: bool) -> OrderError | None:
    if not value:
        if required:
            return OrderError(
                _("Enter an e-mail address."), code="required", field=path
            )
        return None
    try:
        validate_email(value)
    except ValidationError:
        return OrderError(
            _("Enter a valid e-mail address."), code="invalid", field=path
        )
    return None


def _validate(
    event: Event,
    *,
    buyer: BuyerData,
    attendees: list[AttendeeData],
    voucher_code: str | None,
    member_code: str | None,
    payment_method: str,
    waiting_list_token: str | None,
    now: datetime,
) -> _Plan:
    """Every check that needs no lock, in two rounds.

    The first round collects all field errors at once (buyer, discounts, each
    attendee), so a form shows them together; the second, on a clean order,
    checks per-ticket limits and the quote, which need the resolved tickets.
    """
    errors: list[OrderError] = []
    _raise_outside_registration_window(event, now=now)
    _add_buyer_errors(buyer, payment_method=payment_method, errors=errors)
    voucher, member, offer = _discounts(
        event,
        voucher_code=voucher_code,
        member_code=member_code,
        waiting_list_token=waiting_list_token,
        now=now,
        errors=errors,
    )
    _add_attendee_count_errors(attendees, errors=errors)

    resolved, all_answers, youth = _resolve_attendees(
        event, attendees, voucher=voucher, member=member, now=now, errors=errors
    )
    if errors:
        raise OrderInvalid(_dedupe(errors))

    _add_per_ticket_limit_errors(resolved, offer=offer, errors=errors)
    quote = pricing.quote_order(
        event, attendees=resolved, voucher=voucher, member=member
    )
    _add_quote_errors(
        quote, voucher=voucher, payment_method=payment_method, errors=errors
    )
    if errors:
        raise OrderInvalid(_dedupe(errors))

    return _Plan(
        quote=quote,
        attendees=attendees,
        answers=all_answers,
        youth=youth,
        status=_placed_status(resolved, quote),
        payment_method=PaymentMethod.FREE if quote.total == 0 else payment_method,
        voucher=voucher,
        member=member,
        offer=offer,
    )


def _resolve_attendees(
    event: Event,
    attendees: list[AttendeeData],
    *,
    voucher: Voucher | None,
    member: MemberOrganisation | None,
    now: datetime,
    errors: list[OrderError],
) -> tuple[
    list[tuple[TicketType, list[Extra]]],
    list[dict[Question, str]],
    list[YouthData | None],
]:
    """Each attendee's ticket type and extras, answers and youth details."""
    ticket_types = {tt.pk: tt for tt in event.ticket_types.all()}
    extras = {extra.pk: extra for extra in event.extras.all()}
    questions = list(event.questions.prefetch_related("ticket_types"))
    resolved: list[tuple[TicketType, list[Extra]]] = []
    all_answers: list[dict[Question, str]] = []
    youth: list[YouthData | None] = []
    for index, data in enumerate(attendees):
        path = f"attendees.{index}"
        ticket_type = _attendee_ticket_type(
            data,
            ticket_types,
            event=event,
            voucher=voucher,
            member=member,
            now=now,
            path=path,
            errors=errors,
        )
        if ticket_type is None:
            continue
        chosen_extras = _chosen_extras(
            data, extras, event=event, now=now, path=path, errors=errors
        )
        answers = _attendee_answers(
            data, ticket_type, questions, path=path, errors=errors
        )
        youth_data = _youth_details(
            data, ticket_type, event=event, path=path, errors=errors
        )
        resolved.append((ticket_type, chosen_extras))
        all_answers.append(answers)
        youth.append(youth_data)
    return resolved, all_answers, youth


def _raise_outside_registration_window(event: Event, *, now: datetime) -> None:
    if event.registration_opens_at and now < event.registration_opens_at:
        raise OrderError(_("Registration has not opened yet."), code="not_yet_open")
    if event.registration_closes_at and now >= event.registration_closes_at:
        raise OrderError(_("Registration is closed."), code="registration_closed")


def _discounts(
    event: Event,
    *,
    voucher_code: str | None,
    member_code: str | None,
    waiting_list_token: str | None,
    now: datetime,
    errors: list[OrderError],
) -> tuple[Voucher | None, MemberOrganisation | None, WaitingListEntry | None]:
    """The voucher, member organisation and waiting-list offer the codes name."""
    voucher = member = offer = None
    if voucher_code:
        try:
            voucher = pricing.find_voucher(event, voucher_code, now=now)
        except OrderError as error:
            errors.append(error)
    if member_code:
        try:
            member = pricing.find_member_organisation(event, member_code, now=now)
        except OrderError as error:
            errors.append(error)
    if waiting_list_token:
        offer = (
            WaitingListEntry.objects.filter(token=waiting_list_token, event=event)
            .select_related("ticket_type")
            .first()
        )
        if (
            offer is None
            or offer.status != WaitingListStatus.OFFERED
            or offer.offer_expires_at is None
            or offer.offer_expires_at <= now
        ):
            errors.append(
                OrderError(
                    _("This waiting-list offer is not valid any more."),
                    code="offer_expired",
                    field="waiting_list_token",
                )
            )
            offer = None
    return voucher, member, offer


def _add_attendee_count_errors(
    attendees: list[AttendeeData], *, errors: list[OrderError]
) -> None:
    if not attendees:
        errors.append(
            OrderError(
                _("Add at least one attendee."), code="required", field="attendees"
            )
        )
    if len(attendees) > MAX_ATTENDEES_PER_ORDER:
        errors.append(
            OrderError(
                _("An order can have at most %(n)s attendees.")
                % {"n": MAX_ATTENDEES_PER_ORDER},
                code="too_many",
                field="attendees",
            )
        )


def _attendee_ticket_type(
    data: AttendeeData,
    ticket_types: dict[int, TicketType],
    *,
    event: Event,
    voucher: Voucher | None,
    member: MemberOrganisation | None,
    now: datetime,
    path: str,
    errors: list[OrderError],
) -> TicketType | None:
    """One attendee's own fields, and their ticket type if it may be sold.

    None when the ticket type is not one this buyer may choose: the extras,
    answers and youth details that depend on it are then not checked.
    """
    texts = _texts(data, ATTENDEE_TEXT_FIELDS)
    errors += column_errors(OrderError, Attendee, texts, prefix=f"{path}.")
    if error := _composed_badge_name_error(texts, path=f"{path}."):
        errors.append(error)
    if data.youth is not None:
        errors += column_errors(
            OrderError,
            YouthDetails,
            _texts(data.youth, YOUTH_TEXT_FIELDS),
            prefix=f"{path}.youth.",
        )
    ticket_type = ticket_types.get(_pk(data.ticket_type))
    if ticket_type is None or not pricing.is_ticket_type_visible(
        ticket_type, voucher=voucher
    ):
        errors.append(
            OrderError(
                _("Choose a ticket type of this event."),
                code="invalid_choice",
                field=f"{path}.ticket_type",
            )
        )
        return None
    if window := pricing.sale_window_error(ticket_type, event=event, now=now):
        errors.append(
            OrderError(
                _("%(ticket)s is not on sale now.") % {"ticket": ticket_type.name},
                code=window,
                field=f"{path}.ticket_type",
            )
        )
    if ticket_type.members_only and member is None:
        errors.append(
            OrderError(
                _("%(ticket)s needs a member code.") % {"ticket": ticket_type.name},
                code="member_code_required",
                field="member_code",
            )
        )
    _add_attendee_contact_errors(data, path=path, errors=errors)
    return ticket_type


def _add_attendee_contact_errors(
    data: AttendeeData, *, path: str, errors: list[OrderError]
) -> None:
    """Given name, e-mail, language and country of one attendee."""
    if not data.given_name.strip():
        errors.append(
            OrderError(
                _("Enter the given name."),
                code="required",
                field=f"{path}.given_name",
            )
        )
    if error := _email_error(data.email.strip(), path=f"{path}.email", required=False):
        errors.append(error)
    if data.language and data.language not in {code for code, _n in settings.LANGUAGES}:
        errors.append(
            OrderError(
                _("Choose a language offered."),
                code="invalid_choice",
                field=f"{path}.language",
            )
        )
    if data.country and data.country.upper() not in dict(countries):
        errors.append(
            OrderError(
                _("Choose a country."),
                code="invalid_choice",
                field=f"{path}.country",
            )
        )


def _add_per_ticket_limit_errors(
    resolved: list[tuple[TicketType, list[Extra]]],
    *,
    offer: WaitingListEntry | None,
    errors: list[OrderError],
) -> None:
    """Each ticket type's minimum and maximum per order, and the offer's ticket."""
    counts = Counter(tt.pk for tt, _extras in resolved)
    ticket_types = {tt.pk: tt for tt, _extras in resolved}
    for pk, count in counts.items():
        ticket_type = ticket_types[pk]
        if count < ticket_type.min_per_order:
            errors.append(
                OrderError(
                    _("Order at least %(n)s of %(ticket)s.")
                    % {"n": ticket_type.min_per_order, "ticket": ticket_type.name},
                    code="below_minimum",
                    field="attendees",
                )
            )
        if count > ticket_type.max_per_order:
            errors.append(
                OrderError(
                    _("Order at most %(n)s of %(ticket)s.")
                    % {"n": ticket_type.max_per_order, "ticket": ticket_type.name},
                    code="above_maximum",
                    field="attendees",
                )
            )
    if offer is not None and offer.ticket_type_id not in counts:
        errors.append(
            OrderError(
                _("This offer is for %(ticket)s.") % {"ticket": offer.ticket_type.name},
                code="offer_mismatch",
                field="waiting_list_token",
            )
        )


def _add_quote_errors(
    quote, *, voucher: Voucher | None, payment_method: str, errors: list[OrderError]
) -> None:
    """A voucher that discounts nothing, and a free payment for an amount due."""
    if (
        voucher is not None
        and quote.voucher_uses == 0
        and not voucher.unlocks_hidden_tickets
    ):
        errors.append(
            OrderError(
                _("This voucher is not valid for the chosen tickets."),
                code="voucher_not_applicable",
                field="voucher_code",
            )
        )
    if quote.total > 0 and payment_method == PaymentMethod.FREE:
        errors.append(
            OrderError(
                _("This order has an amount to pay; choose card or invoice."),
                code="payment_required",
                field="payment_method",
            )
        )


def _placed_status(resolved: list[tuple[TicketType, list[Extra]]], quote) -> str:
    """Approval first; then a free order is paid and any other one pending."""
    if any(tt.requires_approval for tt, _extras in resolved):
        return OrderStatus.AWAITING_APPROVAL
    if quote.total == 0:
        return OrderStatus.PAID
    return OrderStatus.PENDING


def _add_buyer_errors(
    buyer: BuyerData, *, payment_method: str, errors: list[OrderError]
) -> None:
    """The buyer's name, texts, e-mail and language, and the payment method."""
    if not buyer.name.strip():
        errors.append(
            OrderError(_("Enter your name."), code="required", field="buyer.name")
        )
    errors += column_errors(
        OrderError,
        Order,
        _texts(buyer, BUYER_COLUMNS),
        columns=BUYER_COLUMNS,
        prefix="buyer.",
    )
    if error := _email_error(buyer.email.strip(), path="buyer.email", required=True):
        errors.append(error)
    languages = {code for code, _name in settings.LANGUAGES}
    if buyer.language not in languages:
        errors.append(
            OrderError(
                _("Choose a language offered."),
                code="invalid_choice",
                field="buyer.language",
            )
        )
    if payment_method not in PaymentMethod.values:
        errors.append(
            OrderError(
                _("Choose card, invoice or free."),
                code="invalid_choice",
                field="payment_method",
            )
        )


def _chosen_extras(
    data: AttendeeData,
    extras: dict[int, Extra],
    *,
    event: Event,
    now: datetime,
    path: str,
    errors: list[OrderError],
) -> list[Extra]:
    """The extras an attendee chose, each once and on sale; adds to `errors`."""
    chosen_extras = []
    seen = set()
    for extra_value in data.extras:
        extra = extras.get(_pk(extra_value))
        if extra is None or extra.pk in seen:
            errors.append(
                OrderError(
                    _("Choose each extra of this event at most once."),
                    code="invalid_choice",
                    field=f"{path}.extras",
                )
            )
            continue
        seen.add(extra.pk)
        if window := pricing.sale_window_error(extra, event=event, now=now):
            errors.append(
                OrderError(
                    _("%(extra)s is not on sale now.") % {"extra": extra.name},
                    code=window,
                    field=f"{path}.extras",
                )
            )
        chosen_extras.append(extra)

    return chosen_extras


def _attendee_answers(
    data: AttendeeData,
    ticket_type: TicketType,
    questions: list[Question],
    *,
    path: str,
    errors: list[OrderError],
) -> dict[Question, str]:
    """The answers to the questions asked for this ticket type; adds to `errors`
    one per bad answer and one per answer to a question not asked."""
    answers: dict[Question, str] = {}
    given = {str(k): v for k, v in (data.answers or {}).items()}
    asked = set()
    for question in questions:
        scope = {tt.pk for tt in question.ticket_types.all()}
        if scope and ticket_type.pk not in scope:
            continue
        asked.add(str(question.pk))
        value, error = _check_answer(
            question,
            given.get(str(question.pk)),
            path=_at(path, f"answers.{question.pk}"),
        )
        if error:
            errors.append(error)
        elif value != "":
            answers[question] = value
    for key in given.keys() - asked:
        errors.append(
            OrderError(
                _("This question is not asked for this ticket type."),
                code="unknown_question",
                field=_at(path, f"answers.{key}"),
            )
        )

    return answers


def _youth_details(
    data: AttendeeData,
    ticket_type: TicketType,
    *,
    event: Event,
    path: str,
    errors: list[OrderError],
) -> YouthData | None:
    """A youth ticket's date of birth (in the age range) and, when consent is
    needed, the guardian's contact; None for other tickets. Adds to `errors`."""
    youth_data = None
    if ticket_type.asks_youth_details:
        youth_data = data.youth or YouthData()
        born = parse_date_safe(youth_data.date_of_birth)
        if born is None:
            errors.append(
                OrderError(
                    _("Enter the date of birth as YYYY-MM-DD."),
                    code="required" if not youth_data.date_of_birth else "invalid",
                    field=_at(path, "youth.date_of_birth"),
                )
            )
        else:
            youth_data.date_of_birth = born
            if error := check_age(
                ticket_type,
                born=born,
                event=event,
                field=_at(path, "youth.date_of_birth"),
            ):
                errors.append(error)
        if ticket_type.requires_guardian_consent:
            if not youth_data.guardian_name.strip():
                errors.append(
                    OrderError(
                        _("Enter the guardian's name."),
                        code="required",
                        field=_at(path, "youth.guardian_name"),
                    )
                )
            if error := _email_error(
                youth_data.guardian_email.strip(),
                path=_at(path, "youth.guardian_email"),
                required=True,
            ):
                errors.append(error)
            if not youth_data.guardian_phone.strip():
                errors.append(
                    OrderError(
                        _("Enter the guardian's phone number."),
                        code="required",
                        field=_at(path, "youth.guardian_phone"),
                    )
                )
    return youth_data


def _dedupe(errors: list[OrderError]) -> list[OrderError]:
    seen = set()
    unique = []
    for error in errors:
        marker = (error.field, error.code, error.message)
        if marker not in seen:
            seen.add(marker)
            unique.append(error)
    return unique
