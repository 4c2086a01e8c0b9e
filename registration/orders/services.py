"""Orders: placement under capacity locks, and the one writer of order statuses.

Placement validates everything it can before taking any lock, then, inside
one transaction, locks the event, its ticket types, extras and the voucher in
that fixed order (PostgreSQL row locks with a 3 s lock timeout; on SQLite the
IMMEDIATE transaction already serialises writers), recomputes availability
and writes the order. A lock not granted in time is `Busy`, never a 500.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django_countries import countries

from registration.audit.services import log_activity
from registration.catalogue.selectors import get_seats_for_sale, seat_holding
from registration.catalogue.services import pricing
from registration.columns import column_errors, text_problems
from registration.consent.services import check_age, request_guardian_consent
from registration.errors import (
    Busy,
    InvalidTransition,
    OrderError,
    OrderInvalid,
    PriceChanged,
    SoldOut,
)
from registration.models import (
    LIVE_ORDER_STATUSES,
    ORDER_TRANSITIONS,
    Answer,
    Attendee,
    AttendeeExtra,
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
from registration.money import format_money
from registration.names import default_badge_name
from registration.orders.signals import order_placed
from registration.outbox.services import enqueue_message
from registration.privacy.services import PRIVACY_NOTICE_VERSION
from registration.tokens import new_order_code

logger = logging.getLogger(__name__)

CARD_HOLD = timedelta(minutes=30)
MAX_ATTENDEES_PER_ORDER = 50
# PostgreSQL: lock_not_available, deadlock_detected.
LOCK_SQLSTATES = {"55P03", "40P01"}


# --- What a buyer asks for --------------------------------------------------------


@dataclass
class BuyerData:
    name: str
    email: str
    organisation: str = ""
    phone: str = ""
    address: str = ""
    tax_id: str = ""
    language: str = "en"
    # When the buyer agreed to the privacy notice (services/privacy.py); None: not asked.
    privacy_accepted_at: datetime | None = None


@dataclass
class YouthData:
    date_of_birth: date | str | None = None
    guardian_name: str = ""
    guardian_email: str = ""
    guardian_phone: str = ""


@dataclass
class AttendeeData:
    """One attendee of an order; ticket type and extras by id or instance."""

    ticket_type: int | TicketType | None
    given_name: str = ""
    family_name: str = ""
    badge_name: str = ""
    # Optional Latin transliteration of a badge name in another script.
    badge_name_latin: str = ""
    email: str = ""
    language: str = ""
    organisation: str = ""
    city: str = ""
    country: str = ""
    extras: list[int | Extra] = field(default_factory=list)
    # Question id → value (text, number, date as ISO text, list for multiple choice,
    # bool for yes/no).
    answers: dict[int | str, Any] = field(default_factory=dict)
    youth: YouthData | None = None


# The texts of an order and the columns they go to; registration/columns.py
# checks each against its column before anything is written.
BUYER_COLUMNS = {
    "name": "buyer_name",
    "email": "buyer_email",
    "organisation": "buyer_organisation",
    "phone": "buyer_phone",
    "address": "buyer_address",
    "tax_id": "buyer_tax_id",
}
ATTENDEE_TEXT_FIELDS = (
    "badge_name",
    "badge_name_latin",
    "given_name",
    "family_name",
    "email",
    "organisation",
    "city",
)
YOUTH_TEXT_FIELDS = ("guardian_name", "guardian_email", "guardian_phone")


def _texts(data, names) -> dict[str, str]:
    return {name: str(getattr(data, name) or "").strip() for name in names}


def badge_name_of(badge_name: str, given_name: str, family_name: str) -> str:
    """The name printed: as typed, else composed from the given and family names."""
    return badge_name.strip() or default_badge_name(given_name, family_name)


def _composed_badge_name_error(values: dict[str, str], *, path: str):
    """A badge name composed from two long names may not fit its column: the
    person is asked for the name to print rather than given a cut one."""
    if values["badge_name"]:
        return None
    composed = badge_name_of("", values["given_name"], values["family_name"])
    limit = Attendee._meta.get_field("badge_name").max_length
    if len(composed) <= limit:
        return None
    return OrderError(
        _(
            "Name on badge: the given and family names together have %(count)d "
            "characters, and a badge takes at most %(limit)d; enter the name as it "
            "should be printed."
        )
        % {"count": len(composed), "limit": limit},
        code="max_length",
        field=f"{path}badge_name",
    )


@dataclass
class _Plan:
    """A validated request, ready to be written."""

    quote: pricing.Quote
    attendees: list[AttendeeData]
    answers: list[dict[Question, str]]
    youth: list[YouthData | None]
    status: str
    payment_method: str
    voucher: Voucher | None
    member: MemberOrganisation | None
    offer: WaitingListEntry | None

    @property
    def holds_seats(self) -> bool:
        return self.status != OrderStatus.AWAITING_APPROVAL


# --- Validation ------------------------------------------------------------------


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
    errors: list[OrderError] = []

    if event.registration_opens_at and now < event.registration_opens_at:
        raise OrderError(_("Registration has not opened yet."), code="not_yet_open")
    if event.registration_closes_at and now >= event.registration_closes_at:
        raise OrderError(_("Registration is closed."), code="registration_closed")

    _add_buyer_errors(buyer, payment_method=payment_method, errors=errors)
    languages = {code for code, _name in settings.LANGUAGES}

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

    ticket_types = {tt.pk: tt for tt in event.ticket_types.all()}
    extras = {extra.pk: extra for extra in event.extras.all()}
    questions = list(event.questions.prefetch_related("ticket_types"))

    resolved: list[tuple[TicketType, list[Extra]]] = []
    all_answers: list[dict[Question, str]] = []
    youth: list[YouthData | None] = []
    for index, data in enumerate(attendees):
        path = f"attendees.{index}"
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
            continue
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
        if not data.given_name.strip():
            errors.append(
                OrderError(
                    _("Enter the given name."),
                    code="required",
                    field=f"{path}.given_name",
                )
            )
        if error := _email_error(
            data.email.strip(), path=f"{path}.email", required=False
        ):
            errors.append(error)
        if data.language and data.language not in languages:
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

    if errors:
        raise OrderInvalid(_dedupe(errors))

    counts = Counter(tt.pk for tt, _extras in resolved)
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

    quote = pricing.quote_order(
        event, attendees=resolved, voucher=voucher, member=member
    )
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
    if errors:
        raise OrderInvalid(_dedupe(errors))

    if any(tt.requires_approval for tt, _extras in resolved):
        status = OrderStatus.AWAITING_APPROVAL
    elif quote.total == 0:
        status = OrderStatus.PAID
    else:
        status = OrderStatus.PENDING
    return _Plan(
        quote=quote,
        attendees=attendees,
        answers=all_answers,
        youth=youth,
        status=status,
        payment_method=PaymentMethod.FREE if quote.total == 0 else payment_method,
        voucher=voucher,
        member=member,
        offer=offer,
    )


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
            path=f"{path}.answers.{question.pk}",
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
                field=f"{path}.answers.{key}",
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
    if ticket_type.is_youth or ticket_type.requires_guardian_consent:
        youth_data = data.youth or YouthData()
        born = parse_date_safe(youth_data.date_of_birth)
        if born is None:
            errors.append(
                OrderError(
                    _("Enter the date of birth as YYYY-MM-DD."),
                    code="required" if not youth_data.date_of_birth else "invalid",
                    field=f"{path}.youth.date_of_birth",
                )
            )
        else:
            youth_data.date_of_birth = born
            if error := check_age(
                ticket_type,
                born=born,
                event=event,
                field=f"{path}.youth.date_of_birth",
            ):
                errors.append(error)
        if ticket_type.requires_guardian_consent:
            if not youth_data.guardian_name.strip():
                errors.append(
                    OrderError(
                        _("Enter the guardian's name."),
                        code="required",
                        field=f"{path}.youth.guardian_name",
                    )
                )
            if error := _email_error(
                youth_data.guardian_email.strip(),
                path=f"{path}.youth.guardian_email",
                required=True,
            ):
                errors.append(error)
            if not youth_data.guardian_phone.strip():
                errors.append(
                    OrderError(
                        _("Enter the guardian's phone number."),
                        code="required",
                        field=f"{path}.youth.guardian_phone",
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


# --- Locks and capacity ------------------------------------------------------------


def is_lock_timeout(exc: OperationalError) -> bool:
    """True for a lock wait that ran out (PostgreSQL) or a busy SQLite database."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in LOCK_SQLSTATES:
        return True
    return "database is locked" in str(exc)


def lock_capacity(
    event: Event,
    *,
    ticket_type_ids: set[int],
    extra_ids: set[int],
    voucher_id: int | None,
) -> list[TicketType]:
    """Take the capacity locks in the one fixed order: event, ticket types, extras, voucher.

    Call inside `transaction.atomic()`. Returns all the event's ticket types,
    read under the lock, for `check_capacity`. On PostgreSQL the event row and
    every ticket type of the event are locked (a superset of `ticket_type_ids`,
    which costs nothing as the event row already serialises placements), the
    involved extras and the voucher, ordered by primary key; a lock not granted
    within LOCK_TIMEOUT_SECONDS raises OperationalError (turned into `Busy` by
    the callers). On SQLite the IMMEDIATE transaction already holds the write lock.
    """
    if connection.vendor != "postgresql":
        return list(event.ticket_types.all())
    seconds = int(settings.LOCK_TIMEOUT_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{seconds}s'")
    list(Event.objects.select_for_update().filter(pk=event.pk).values_list("pk"))
    ticket_types = list(
        TicketType.objects.select_for_update().filter(event=event).order_by("pk")
    )
    if extra_ids:
        list(
            Extra.objects.select_for_update()
            .filter(pk__in=extra_ids)
            .order_by("pk")
            .values_list("pk")
        )
    if voucher_id is not None:
        list(
            Voucher.objects.select_for_update().filter(pk=voucher_id).values_list("pk")
        )
    return ticket_types


def check_capacity(
    event: Event,
    *,
    ticket_type_counts: Counter,
    extra_counts: Counter,
    voucher: Voucher | None,
    voucher_uses: int,
    now: datetime,
    exclude_offer_id: int | None = None,
    exclude_order_id: int | None = None,
    ticket_types: list[TicketType] | None = None,
) -> None:
    """Refuse with SoldOut when the seats asked for are not free at `now`.

    Call under `lock_capacity`. `exclude_order_id` leaves out an order's own
    seats (a late payment re-checking its expired hold never counts itself,
    since expired orders hold nothing; kept for clarity of intent).
    """
    if ticket_types is None:
        ticket_types = list(event.ticket_types.all())
    by_pk = {tt.pk: tt for tt in ticket_types}
    # Extras are counted one by one below; no need for all of the event's.
    seats = get_seats_for_sale(
        event,
        ticket_types=ticket_types,
        extras=[],
        now=now,
        exclude_offer_id=exclude_offer_id,
    )
    for pk, count in sorted(ticket_type_counts.items()):
        ticket_type = by_pk[pk]
        if ticket_type.capacity is not None:
            left = max(ticket_type.capacity - seats.held_by_ticket_type.get(pk, 0), 0)
            if count > left:
                raise _sold_out(ticket_type.name, left)
    if event.capacity is not None:
        wanted = sum(
            count
            for pk, count in ticket_type_counts.items()
            if by_pk[pk].counts_toward_event_capacity
        )
        if wanted and wanted > (seats.event_remaining or 0):
            raise _sold_out(event.name, seats.event_remaining or 0)
    if extra_counts:
        extras = {extra.pk: extra for extra in event.extras.filter(pk__in=extra_counts)}
        for pk, count in sorted(extra_counts.items()):
            extra = extras[pk]
            if extra.capacity is None:
                continue
            held = (
                AttendeeExtra.objects.filter(
                    seat_holding(now, prefix="attendee__order__"), extra=extra
                )
                .exclude(attendee__order_id=exclude_order_id)
                .count()
            )
            left = max(extra.capacity - held, 0)
            if count > left:
                raise _sold_out(extra.name, left)
    if voucher is not None and voucher.max_uses is not None and voucher_uses:
        used = (
            Attendee.objects.filter(seat_holding(now), voucher=voucher)
            .exclude(order_id=exclude_order_id)
            .count()
        )
        if used + voucher_uses > voucher.max_uses:
            raise SoldOut(_("This voucher has been used up."), field="voucher_code")


def _sold_out(name: str, left: int) -> SoldOut:
    if left == 0:
        message = _("%(name)s is sold out.") % {"name": name}
    else:
        message = _("Only %(n)s places are left for %(name)s.") % {
            "n": left,
            "name": name,
        }
    error = SoldOut(message, field="attendees")
    error.available = left
    return error


# --- Placement ------------------------------------------------------------------------


def _new_code() -> str:
    for _attempt in range(10):
        code = new_order_code()
        if not Order.objects.filter(code=code).exists():
            return code
    raise RuntimeError("Could not find a free order code")  # pragma: no cover


def place_order(
    event: Event,
    *,
    buyer: BuyerData,
    attendees: list[AttendeeData],
    payment_method: str,
    voucher_code: str | None = None,
    member_code: str | None = None,
    expected_total: Decimal | None = None,
    waiting_list_token: str | None = None,
    billing: object | None = None,
    invoice: bool = True,
    by=None,
    now: datetime | None = None,
) -> Order:
    """Validate, price, check capacity under locks and write one order.

    The order is `paid` at once when there is nothing to pay, `awaiting_approval`
    (holding no seats) when a ticket type needs approval, otherwise `pending`
    with a hold until `expires_at` (card: 30 minutes; invoice: the event's
    payment term). Raises OrderInvalid (field errors), PriceChanged (the total
    is not `expected_total`), SoldOut, Busy, or OrderError.
    Queues after commit: the order-received or order-confirmed e-mail, attendee
    notices (paid orders), and each guardian's consent request.
    Sends `signals.order_placed` inside the transaction with `billing` and
    `invoice` as given: a pending invoice order gets its invoice there
    (payments/receivers.py), addressed to `billing` or else to the buyer,
    unless `invoice` is False (the caller invoices it later).
    """
    now = now or timezone.now()
    plan = _validate(
        event,
        buyer=buyer,
        attendees=attendees,
        voucher_code=voucher_code,
        member_code=member_code,
        payment_method=payment_method,
        waiting_list_token=waiting_list_token,
        now=now,
    )
    if expected_total is not None and Decimal(expected_total) != plan.quote.total:
        raise PriceChanged(
            _("The total is now %(total)s; please confirm it.")
            % {"total": format_money(plan.quote.total, event.currency)},
            total=plan.quote.total,
            expected=Decimal(expected_total),
        )

    ticket_type_counts = Counter(line.ticket_type.pk for line in plan.quote.attendees)
    extra_counts = Counter(
        extra.pk for line in plan.quote.attendees for extra, _price in line.extras
    )
    try:
        with transaction.atomic():
            locked_ticket_types = lock_capacity(
                event,
                ticket_type_ids=set(ticket_type_counts),
                extra_ids=set(extra_counts),
                voucher_id=plan.voucher.pk if plan.voucher else None,
            )
            if plan.holds_seats:
                check_capacity(
                    event,
                    ticket_types=locked_ticket_types,
                    ticket_type_counts=ticket_type_counts,
                    extra_counts=extra_counts,
                    voucher=plan.voucher,
                    voucher_uses=plan.quote.voucher_uses,
                    now=now,
                    exclude_offer_id=plan.offer.pk if plan.offer else None,
                )
            order = _write_order(event, plan=plan, buyer=buyer, by=by, now=now)
            order_placed.send(
                sender=Order,
                order=order,
                billing=billing,
                invoice=invoice,
                by=by,
                now=now,
            )
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise Busy(
                _("Many people are registering right now; please try again.")
            ) from exc
        raise
    return order


def _write_order(
    event: Event, *, plan: _Plan, buyer: BuyerData, by, now: datetime
) -> Order:
    if plan.status == OrderStatus.PENDING:
        hold = (
            timedelta(days=event.payment_term_days)
            if plan.payment_method == PaymentMethod.INVOICE
            else CARD_HOLD
        )
        expires_at = now + hold
    else:
        expires_at = None
    order = Order.objects.create(
        event=event,
        code=_new_code(),
        status=plan.status,
        buyer_name=buyer.name.strip(),
        buyer_email=buyer.email.strip(),
        buyer_organisation=buyer.organisation.strip(),
        buyer_phone=buyer.phone.strip(),
        buyer_address=buyer.address.strip(),
        buyer_tax_id=buyer.tax_id.strip(),
        language=buyer.language,
        payment_method=plan.payment_method,
        voucher=plan.voucher,
        member_organisation=plan.member,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        privacy_accepted_at=buyer.privacy_accepted_at,
        privacy_notice_version=(
            PRIVACY_NOTICE_VERSION if buyer.privacy_accepted_at else ""
        ),
        total=plan.quote.total,
        currency=event.currency,
        expires_at=expires_at,
    )
    rows = []
    for data, line in zip(plan.attendees, plan.quote.attendees, strict=True):
        given, family = data.given_name.strip(), data.family_name.strip()
        rows.append(
            Attendee(
                order=order,
                ticket_type=line.ticket_type,
                badge_name=badge_name_of(data.badge_name, given, family),
                badge_name_latin=data.badge_name_latin.strip(),
                given_name=given,
                family_name=family,
                email=data.email.strip(),
                language=data.language or buyer.language,
                organisation=data.organisation.strip(),
                city=data.city.strip(),
                country=data.country.upper(),
                price=line.price,
                voucher=plan.voucher if line.voucher_applied else None,
            )
        )
    created = Attendee.objects.bulk_create(rows)
    extra_rows = AttendeeExtra.objects.bulk_create(
        AttendeeExtra(attendee=attendee, extra=extra, price=price)
        for attendee, line in zip(created, plan.quote.attendees, strict=True)
        for extra, price in line.extras
    )
    answer_rows = Answer.objects.bulk_create(
        Answer(attendee=attendee, question=question, value=value)
        for attendee, answers in zip(created, plan.answers, strict=True)
        for question, value in answers.items()
    )
    youth_rows = [
        YouthDetails(
            attendee=attendee,
            date_of_birth=youth.date_of_birth,
            guardian_name=youth.guardian_name.strip(),
            guardian_email=youth.guardian_email.strip(),
            guardian_phone=youth.guardian_phone.strip(),
        )
        for attendee, youth in zip(created, plan.youth, strict=True)
        if youth is not None
    ]
    youth_created = YouthDetails.objects.bulk_create(youth_rows)
    _cache_written_rows(order, created, extra_rows, answer_rows, youth_created)
    if plan.offer is not None:
        WaitingListEntry.objects.filter(pk=plan.offer.pk).update(
            status=WaitingListStatus.ACCEPTED, order=order
        )
    log_activity(
        order,
        action="order.placed",
        actor=by,
        event=event,
        data={
            "status": order.status,
            "total": str(order.total),
            "attendees": len(created),
            "payment_method": order.payment_method,
            "voucher": plan.voucher.code if plan.voucher else None,
        },
    )
    if order.status == OrderStatus.PAID:
        _queue_confirmation(order)
    else:
        enqueue_message(
            "email.order_received",
            payload={"order": order.pk},
            key=f"order_received:{order.pk}",
        )
    for youth in youth_created:
        if youth.attendee.ticket_type.requires_guardian_consent:
            request_guardian_consent(youth, now=now)
    return order


def _cache_written_rows(order, attendees, extra_rows, answer_rows, youth_rows) -> None:
    """Attach what was just written, as a prefetch would, so that reading the new
    order back (the API's answer) needs no queries."""

    def cached(manager, rows):
        queryset = manager.get_queryset()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        return queryset

    youth_by_attendee = {id(youth.attendee): youth for youth in youth_rows}
    for youth in youth_rows:
        YouthDetails.consent.related.set_cached_value(youth, None)
    for attendee in attendees:
        attendee._prefetched_objects_cache = {
            "attendeeextra_set": cached(
                attendee.attendeeextra_set,
                [row for row in extra_rows if row.attendee is attendee],
            ),
            "answers": cached(
                attendee.answers,
                [row for row in answer_rows if row.attendee is attendee],
            ),
        }
        Attendee.youth.related.set_cached_value(
            attendee, youth_by_attendee.get(id(attendee))
        )
    order._prefetched_objects_cache = {"attendees": cached(order.attendees, attendees)}


def _queue_confirmation(order: Order) -> None:
    enqueue_message(
        "email.order_confirmed",
        payload={"order": order.pk},
        key=f"order_confirmed:{order.pk}",
    )
    for attendee_id, email in order.attendees.values_list("pk", "email"):
        if email:
            enqueue_message(
                "email.attendee_notice",
                payload={"attendee": attendee_id},
                key=f"attendee_notice:{attendee_id}",
            )


# --- Status moves ------------------------------------------------------------------


def transition_order(
    order: Order,
    *,
    to: str,
    by=None,
    reason: str = "",
    expires_at: datetime | None = None,
) -> Order:
    """Move an order to status `to`; the only code that writes Order.status.

    Refuses moves not in ORDER_TRANSITIONS (InvalidTransition). Writes one
    ActivityLog entry `order.<to>` with the old and new status and the reason.
    Side effects, queued after commit:
    - to paid: the order-confirmed e-mail and each attendee's notice;
    - awaiting_approval → pending: the approval e-mail with the payment link
      (`expires_at` sets the new hold);
    - awaiting_approval → canceled: the decline e-mail with the reason.
    Capacity is the caller's check (`approve_order`, `mark_order_paid`).
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        old = locked.status
        if to not in ORDER_TRANSITIONS.get(old, set()):
            refusal = transition_refusal(locked, to=to)
            raise InvalidTransition(
                refusal.message, code=refusal.code, field=refusal.field
            )
        locked.status = to
        fields = ["status", "updated_at"]
        if expires_at is not None:
            locked.expires_at = expires_at
            fields.append("expires_at")
        locked.save(update_fields=fields)
        log_activity(
            locked,
            action=f"order.{to}",
            actor=by,
            event=locked.event,
            data={"from": old, "to": to, "reason": reason},
        )
        if to == OrderStatus.PAID:
            _queue_confirmation(locked)
        elif old == OrderStatus.AWAITING_APPROVAL and to == OrderStatus.PENDING:
            enqueue_message(
                "email.order_approved",
                payload={"order": locked.pk},
                key=f"order_approved:{locked.pk}",
            )
        elif old == OrderStatus.AWAITING_APPROVAL and to == OrderStatus.CANCELED:
            enqueue_message(
                "email.order_declined",
                payload={"order": locked.pk, "reason": reason},
                key=f"order_declined:{locked.pk}",
            )
    order.status = locked.status
    order.expires_at = locked.expires_at
    order.updated_at = locked.updated_at
    return order


def _order_needs(order: Order) -> tuple[Counter, Counter, int]:
    attendees = list(order.attendees.all())
    ticket_type_counts = Counter(a.ticket_type_id for a in attendees)
    extra_counts = Counter(
        AttendeeExtra.objects.filter(attendee__order=order).values_list(
            "extra_id", flat=True
        )
    )
    voucher_uses = sum(1 for a in attendees if a.voucher_id)
    return ticket_type_counts, extra_counts, voucher_uses


def _with_capacity(order: Order, *, now: datetime, then) -> Order:
    """Run `then()` after checking, under the locks, that the order's seats are free."""
    ticket_type_counts, extra_counts, voucher_uses = _order_needs(order)
    try:
        with transaction.atomic():
            locked_ticket_types = lock_capacity(
                order.event,
                ticket_type_ids=set(ticket_type_counts),
                extra_ids=set(extra_counts),
                voucher_id=order.voucher_id,
            )
            check_capacity(
                order.event,
                ticket_types=locked_ticket_types,
                ticket_type_counts=ticket_type_counts,
                extra_counts=extra_counts,
                voucher=order.voucher,
                voucher_uses=voucher_uses,
                now=now,
                exclude_order_id=order.pk,
            )
            return then()
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise Busy(_("The system is busy; please try again.")) from exc
        raise


def approve_order(order: Order, *, by, now: datetime | None = None) -> Order:
    """Staff approve an application: seats are checked now, then the payment link goes out.

    Nothing to pay: the order is paid at once. Otherwise it is pending, holding
    its seats for the event's payment term. Raises SoldOut when the places are gone.
    """
    now = now or timezone.now()
    if refusal := action_refusal(order, "approve"):
        raise InvalidTransition(refusal.message, code=refusal.code)
    if order.total == 0:
        return _with_capacity(
            order,
            now=now,
            then=lambda: transition_order(
                order, to=OrderStatus.PAID, by=by, reason="approved"
            ),
        )
    return _with_capacity(
        order,
        now=now,
        then=lambda: transition_order(
            order,
            to=OrderStatus.PENDING,
            by=by,
            reason="approved",
            expires_at=now + timedelta(days=order.event.payment_term_days),
        ),
    )


def decline_order(order: Order, *, by, reason: str = "") -> Order:
    """Staff decline an application; the buyer is told, with the reason."""
    if refusal := action_refusal(order, "decline"):
        raise InvalidTransition(refusal.message, code=refusal.code)
    return transition_order(
        order, to=OrderStatus.CANCELED, by=by, reason=reason or "declined"
    )


# Unpaid statuses whose attendees staff may let in before payment.
ADMITTABLE_UNPAID = {OrderStatus.PENDING, OrderStatus.AWAITING_APPROVAL}


def order_admits_attendees(order: Order) -> bool:
    """Paid, or unpaid and admitted before payment by staff: tickets, badges, door."""
    return order.status == OrderStatus.PAID or (
        order.admit_before_payment and order.status in ADMITTABLE_UNPAID
    )


def admitted_orders_q(prefix: str = "order__") -> Q:
    """`order_admits_attendees` as a query filter on rows related to an order."""
    return Q(**{f"{prefix}status": OrderStatus.PAID}) | Q(
        **{
            f"{prefix}status__in": list(ADMITTABLE_UNPAID),
            f"{prefix}admit_before_payment": True,
        }
    )


# --- What staff may do to an order now ---------------------------------------------


def _may_become(to: str) -> frozenset[str]:
    """The statuses ORDER_TRANSITIONS lets an order leave for `to`."""
    return frozenset(old for old, moves in ORDER_TRANSITIONS.items() if to in moves)


# The staff actions on one order, in the order the admin offers them, and the
# statuses each applies to. Moves of status follow ORDER_TRANSITIONS: an
# awaiting-approval order with nothing to pay becomes paid by approval, not by
# a recorded payment. The tickets' block is a flag beside the status
# (`action_refusal`). Who may act is staff/access.py's business, not this.
STAFF_ACTION_STATUSES: dict[str, frozenset[str]] = {
    "approve": frozenset({OrderStatus.AWAITING_APPROVAL}),
    "decline": frozenset({OrderStatus.AWAITING_APPROVAL}),
    "admit_before_payment": frozenset(ADMITTABLE_UNPAID),
    "extend_hold": frozenset({OrderStatus.PENDING}),
    "resend": frozenset(LIVE_ORDER_STATUSES),
    "unblock_tickets": frozenset(OrderStatus.values),
    "block_tickets": frozenset(OrderStatus.values) - {OrderStatus.CANCELED},
    "cancel": _may_become(OrderStatus.CANCELED),
    "mark_paid": _may_become(OrderStatus.PAID) - {OrderStatus.AWAITING_APPROVAL},
    "edit_attendee": frozenset(LIVE_ORDER_STATUSES),
}
STAFF_ACTIONS = tuple(STAFF_ACTION_STATUSES)


@dataclass(frozen=True)
class ActionRefusal:
    """Why a staff action does not apply to an order now, as its service says it."""

    message: str
    code: str
    field: str | None = None


def transition_refusal(order: Order, *, to: str) -> ActionRefusal:
    """The refusal of a move ORDER_TRANSITIONS does not allow."""
    return ActionRefusal(
        _("An order that is %(old)s cannot become %(new)s.")
        % {"old": OrderStatus(order.status).label, "new": OrderStatus(to).label},
        code="invalid_transition",
        field="status",
    )


def action_refusal(order: Order, action: str) -> ActionRefusal | None:
    """Why staff may not take `action` (one of STAFF_ACTIONS) on `order` now;
    None when they may.

    The one place that decides it: the services raise this refusal (each as
    its own error type), the action screens show its message, and the order
    list and page offer only the actions it allows.
    """
    if action == "block_tickets" and order.tickets_blocked:
        return ActionRefusal(
            _("The tickets of this order are blocked already."), code="unchanged"
        )
    if action == "unblock_tickets" and not order.tickets_blocked:
        return ActionRefusal(
            _("The tickets of this order are not blocked."), code="unchanged"
        )
    if order.status in STAFF_ACTION_STATUSES[action]:
        return None
    if action == "cancel":
        return transition_refusal(order, to=OrderStatus.CANCELED)
    message, code = {
        "approve": (
            _("Only orders awaiting approval can be approved."),
            "invalid_transition",
        ),
        "decline": (
            _("Only orders awaiting approval can be declined."),
            "invalid_transition",
        ),
        "admit_before_payment": (
            _("Only an unpaid order can be admitted before payment."),
            "invalid_status",
        ),
        "extend_hold": (
            _("Only an order pending payment has a hold to extend."),
            "invalid_status",
        ),
        "resend": (
            _("A canceled or expired order has no e-mails to send again."),
            "nothing_to_resend",
        ),
        "block_tickets": (
            _("A canceled order's tickets are refused at the door already."),
            "invalid_status",
        ),
        "mark_paid": (_("Only unpaid orders can be marked paid."), "not_payable"),
        "edit_attendee": (
            _("This order is canceled or expired; its attendees cannot change."),
            "edit_closed",
        ),
    }[action]
    return ActionRefusal(message, code=code)


def allowed_actions(order: Order) -> list[str]:
    """The staff actions that apply to `order` now, in STAFF_ACTIONS order."""
    return [action for action in STAFF_ACTIONS if action_refusal(order, action) is None]


def set_admit_before_payment(order: Order, *, allowed: bool, by) -> Order:
    """Let a trusted organisation's unpaid order get tickets, badges and entry.

    Only unpaid, uncanceled orders (ADMITTABLE_UNPAID) change, either way: for
    any other the flag admits no one. The change is logged.
    """
    if refusal := action_refusal(order, "admit_before_payment"):
        raise OrderError(refusal.message, code=refusal.code)
    order.admit_before_payment = allowed
    order.save(update_fields=["admit_before_payment", "updated_at"])
    log_activity(
        order,
        action="order.admit_before_payment",
        actor=by,
        event=order.event,
        data={"allowed": allowed},
    )
    return order


def set_tickets_blocked(order: Order, *, blocked: bool, by, reason: str = "") -> Order:
    """Stop (or again allow) the door admitting this order's tickets.

    For a disputed payment or a fraud: every scan of the order's badges is
    refused with `blocked` (offline devices learn it at their next sync). The
    order's status and money stay as they are. Raises OrderError `required`
    (blocking needs a reason), `unchanged`, or `invalid_status` (a canceled
    order's tickets are refused already); logged as `order.tickets_blocked`
    or `order.tickets_unblocked` with the reason.
    """
    reason = reason.strip()
    if blocked and not reason:
        raise OrderError(
            _("Give a reason for blocking the tickets."),
            code="required",
            field="reason",
        )
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        action = "block_tickets" if blocked else "unblock_tickets"
        if refusal := action_refusal(locked, action):
            raise OrderError(refusal.message, code=refusal.code)
        locked.tickets_blocked = blocked
        locked.save(update_fields=["tickets_blocked", "updated_at"])
        log_activity(
            locked,
            action="order.tickets_blocked" if blocked else "order.tickets_unblocked",
            actor=by,
            event=order.event,
            data={"reason": reason},
        )
    order.tickets_blocked = blocked
    return order


def mark_order_paid(
    order: Order, *, by, reason: str = "", now: datetime | None = None
) -> Order:
    """Record payment (staff for invoices; the payments service for cards).

    A pending order keeps its seats while its hold lasts. An expired one, or a
    pending one whose hold has ended (the expiry job has not run yet, but the
    selectors already count its seats as free), is paid only if its seats are
    still free; otherwise SoldOut (the payments service refunds it).
    """
    now = now or timezone.now()
    overdue = (
        order.status == OrderStatus.PENDING
        and order.expires_at is not None
        and order.expires_at <= now
    )
    if order.status == OrderStatus.EXPIRED or overdue:
        return _with_capacity(
            order,
            now=now,
            then=lambda: transition_order(
                order, to=OrderStatus.PAID, by=by, reason=reason
            ),
        )
    return transition_order(order, to=OrderStatus.PAID, by=by, reason=reason)


def can_buyer_cancel(order: Order, *, now: datetime | None = None) -> bool:
    """Unpaid orders always; paid ones until the event's buyer cancellation deadline."""
    now = now or timezone.now()
    if order.status in {
        OrderStatus.PENDING,
        OrderStatus.AWAITING_APPROVAL,
        OrderStatus.EXPIRED,
    }:
        return True
    deadline = order.event.buyer_cancellation_until
    return order.status == OrderStatus.PAID and deadline is not None and now < deadline


def cancel_order(
    order: Order,
    *,
    by,
    reason: str = "",
    as_buyer: bool = False,
    now: datetime | None = None,
) -> Order:
    """Cancel an order (staff any time the transitions allow; buyers per the event's rule).

    The seats are free at once. Money already paid is the payments service's
    business (Refund rows).
    """
    if as_buyer and not can_buyer_cancel(order, now=now):
        raise OrderError(
            _("This order can no longer be canceled online; please contact us."),
            code="cancellation_not_allowed",
        )
    if refusal := action_refusal(order, "cancel"):
        raise InvalidTransition(refusal.message, code=refusal.code, field=refusal.field)
    return transition_order(order, to=OrderStatus.CANCELED, by=by, reason=reason)


def expire_orders(*, now: datetime | None = None) -> int:
    """Expire pending orders whose hold has run out; the number expired.

    Availability never waits for this (an overdue hold counts as free); the
    job makes the status say so and lets waiting lists move on.
    """
    now = now or timezone.now()
    due = list(
        Order.objects.filter(
            status=OrderStatus.PENDING, expires_at__lte=now
        ).values_list("pk", flat=True)
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=OrderStatus.PENDING, expires_at__lte=now)
                .first()
            )
            if order is None:
                continue
            transition_order(order, to=OrderStatus.EXPIRED, reason="hold expired")
            expired += 1
    return expired


EXPIRY_WARNING_BEFORE = timedelta(days=3)


def send_expiry_warnings(*, now: datetime | None = None) -> int:
    """Warn buyers of long holds (invoices, approved applications) 3 days before expiry.

    Only holds longer than the warning period are warned about (a 30-minute
    card hold is not). One warning per hold: extending the hold makes a new
    one due.
    """
    now = now or timezone.now()
    orders = Order.objects.filter(
        status=OrderStatus.PENDING,
        expires_at__gt=now,
        expires_at__lte=now + EXPIRY_WARNING_BEFORE,
    ).filter(expires_at__gt=F("created_at") + EXPIRY_WARNING_BEFORE)
    sent = 0
    for order in orders:
        if enqueue_message(
            "email.expiry_warning",
            payload={"order": order.pk},
            key=f"expiry_warning:{order.pk}:{int(order.expires_at.timestamp())}",
        ):
            sent += 1
    return sent


# --- Review and attendee edits ----------------------------------------------------


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
    return event.attendee_edit_until or event.starts_at


def can_edit_attendees(order: Order, *, now: datetime | None = None) -> bool:
    """Buyers edit attendee details of live orders until the event's edit cut-off."""
    now = now or timezone.now()
    return order.status in {
        OrderStatus.PENDING,
        OrderStatus.AWAITING_APPROVAL,
        OrderStatus.PAID,
    } and now < attendee_edit_deadline(order.event)


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
    if as_staff:
        if refusal := action_refusal(order, "edit_attendee"):
            raise OrderError(refusal.message, code=refusal.code)
    elif not can_edit_attendees(order, now=now):
        raise OrderError(
            _("Attendee details can no longer be changed online; please contact us."),
            code="edit_closed",
        )
    values = {
        name: str(data.get(name, getattr(attendee, name)) or "").strip()
        for name in EDITABLE_ATTENDEE_FIELDS
    }
    values["country"] = values["country"].upper()
    errors = []
    if not values["given_name"]:
        errors.append(
            OrderError(_("Enter the given name."), code="required", field="given_name")
        )
    if error := _email_error(values["email"], path="email", required=False):
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


# --- Staff actions from the admin (issue 7) ---------------------------------------


def extend_order_hold(
    order: Order,
    *,
    until: datetime,
    by,
    now: datetime | None = None,
    reason: str = "",
) -> Order:
    """Give a pending order more time to pay: its hold (and seats) last until `until`.

    Only pending orders have a hold, and a hold only grows. A hold that has
    already run out (the seats counted as free) is extended only if the seats
    are still free (SoldOut otherwise). Logged as `order.hold_extended`; the
    expiry warning becomes due again for the new date.
    """
    now = now or timezone.now()
    if refusal := action_refusal(order, "extend_hold"):
        raise OrderError(refusal.message, code=refusal.code)
    if until <= now or (order.expires_at is not None and until <= order.expires_at):
        raise OrderError(
            _("Choose a moment later than the current hold and than now."),
            code="invalid",
            field="until",
        )
    previous = order.expires_at

    def write() -> Order:
        Order.objects.filter(pk=order.pk).update(expires_at=until, updated_at=now)
        order.expires_at = until
        log_activity(
            order,
            action="order.hold_extended",
            actor=by,
            event=order.event,
            data={
                "from": previous.isoformat() if previous else None,
                "to": until.isoformat(),
                **({"reason": reason} if reason else {}),
            },
        )
        return order

    if previous is None or previous <= now:
        return _with_capacity(order, now=now, then=write)
    with transaction.atomic():
        return write()


def resend_order_emails(order: Order, *, by) -> list[str]:
    """Queue again the e-mails an order's people should have; the kinds queued.

    Paid: the buyer's confirmation (with tickets) and each attendee's notice.
    Pending or awaiting approval: the buyer's "order received". In both, the
    consent request to each guardian who has not signed yet. Canceled and
    expired orders have nothing to resend (OrderError `nothing_to_resend`).
    Logged as `order.emails_resent` with the kinds and counts, never addresses.
    """
    if refusal := action_refusal(order, "resend"):
        raise OrderError(refusal.message, code=refusal.code)
    attendees = list(
        order.attendees.select_related("ticket_type", "youth__consent").order_by("pk")
    )
    with transaction.atomic():
        entry = log_activity(
            order, action="order.emails_resent", actor=by, event=order.event
        )
        sent: list[str] = []

        def queue(kind: str, payload: dict, suffix: str) -> None:
            enqueue_message(
                f"email.{kind}", payload=payload, key=f"resend:{entry.pk}:{suffix}"
            )
            sent.append(kind)

        if order.status == OrderStatus.PAID:
            queue("order_confirmed", {"order": order.pk}, "order")
            for attendee in attendees:
                if attendee.email:
                    queue(
                        "attendee_notice",
                        {"attendee": attendee.pk},
                        f"attendee:{attendee.pk}",
                    )
        else:
            queue("order_received", {"order": order.pk}, "order")
        for attendee in attendees:
            youth = getattr(attendee, "youth", None)
            if attendee.consent_missing and youth is not None:
                queue("consent_request", {"youth": youth.pk}, f"consent:{youth.pk}")
        entry.data = dict(Counter(sent))
        entry.save(update_fields=["data"])
    return sent
