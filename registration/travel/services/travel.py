"""Travel: each attendee's arrival, departure and lodging; passport details;
visa invitation letters; the retention job for passport data (DESIGN flow 6,
invariant 7).

Times are entered as a local date and time at the airport or station named by
its IATA code and stored as aware datetimes (UTC in the database); the zone
comes from `airportsdata`, so 14:05 at HNL means 14:05 in Honolulu.

A visa letter is issued only when (1) the attendee's order is paid or admitted
before payment (`order_admits_attendees`), (2) staff approved the request: the
travel plan's letter status is "approved" (set by staff on the Travel plans
screen; a reissue of an "issued" letter is allowed too), and (3) passport
details are on file. Numbers run per year without gaps (SCI-2027-0001) under
the same locked-counter scheme as invoice numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_time
from django.utils.translation import gettext as _
from django_countries import countries

from registration.audit.services import log_activity
from registration.columns import column_errors
from registration.documents.services import rendering as documents
from registration.errors import RegistrationError
from registration.models import (
    Attendee,
    Delegation,
    LodgingKind,
    TravelPlan,
    VisaDetails,
    VisaLetter,
    VisaLetterStatus,
)
from registration.orders.services import order_admits_attendees
from registration.payments.numbering import next_document_number
from registration.travel.airports import airport_zone, find_airport, normalise_code


class TravelError(RegistrationError):
    default_code = "invalid"


class TravelInvalid(TravelError):
    """Several field errors of a travel or passport form at once."""

    def __init__(self, errors: list[TravelError]):
        super().__init__("; ".join(e.message for e in errors), code="invalid")
        self.errors = errors

    def by_field(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for error in self.errors:
            grouped.setdefault(error.field or "non_field_errors", []).append(
                error.message
            )
        return grouped


LEGS = ("arrival", "departure")
TRUE_VALUES = {True, "on", "true", "True", "1", "yes"}


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return "" if value is None else str(value).strip()


def _flag(data: Mapping[str, Any], name: str) -> bool:
    return data.get(name) in TRUE_VALUES


def local_parts(moment: datetime | None, airport: str) -> tuple[str, str]:
    """The date and time (ISO text) of `moment` at `airport`, as the forms show them."""
    if moment is None:
        return "", ""
    local = moment.astimezone(airport_zone(airport) or timezone.get_current_timezone())
    return local.date().isoformat(), local.strftime("%H:%M")


def travel_form_values(plan: TravelPlan | None) -> dict[str, Any]:
    """What a travel form shows for `plan`: local dates and times at each airport."""
    if plan is None:
        return {"lodging_kind": "", "visa_letter_needed": False}
    values: dict[str, Any] = {}
    for leg in LEGS:
        airport = getattr(plan, f"{leg}_airport")
        values[f"{leg}_date"], values[f"{leg}_time"] = local_parts(
            getattr(plan, f"{leg}_at"), airport
        )
        values[f"{leg}_airport"] = airport
        values[f"{leg}_carrier"] = getattr(plan, f"{leg}_carrier")
        values[f"{leg}_number"] = getattr(plan, f"{leg}_number")
    for name in ("lodging_kind", "lodging_name", "room_sharing_with", "notes"):
        values[name] = getattr(plan, name)
    values["pickup_needed"] = plan.pickup_needed
    values["visa_letter_needed"] = plan.visa_letter_needed
    return values


def _leg(data: Mapping[str, Any], leg: str, errors: list[TravelError]) -> dict:
    """One leg's fields: the aware moment in the airport's zone, carrier and number."""
    raw_date, raw_time = _text(data, f"{leg}_date"), _text(data, f"{leg}_time")
    code = normalise_code(_text(data, f"{leg}_airport"))
    result = {
        f"{leg}_at": None,
        f"{leg}_airport": code,
        f"{leg}_carrier": _text(data, f"{leg}_carrier"),
        f"{leg}_number": _text(data, f"{leg}_number").upper(),
    }
    errors += column_errors(
        TravelError,
        TravelPlan,
        {name: result[name] for name in (f"{leg}_carrier", f"{leg}_number")},
    )
    if not (raw_date or raw_time or code):
        return result
    zone = None
    if not code:
        errors.append(
            TravelError(
                _("Enter the airport or station code, such as IAD."),
                code="required",
                field=f"{leg}_airport",
            )
        )
    else:
        zone = airport_zone(code)
        if zone is None:
            errors.append(
                TravelError(
                    _("%(code)s is not a known airport or station code.")
                    % {"code": code[:10]},
                    code="unknown_airport",
                    field=f"{leg}_airport",
                )
            )
    day = _parse(parse_date, raw_date)
    if day is None:
        errors.append(
            TravelError(
                _("Enter the date as YYYY-MM-DD."),
                code="required" if not raw_date else "invalid",
                field=f"{leg}_date",
            )
        )
    clock = _parse(parse_time, raw_time)
    if clock is None:
        errors.append(
            TravelError(
                _("Enter the local time as HH:MM."),
                code="required" if not raw_time else "invalid",
                field=f"{leg}_time",
            )
        )
    if zone is not None and day is not None and clock is not None:
        result[f"{leg}_at"] = datetime.combine(day, clock.replace(second=0)).replace(
            tzinfo=zone
        )
    return result


def _parse(parser, value: str):
    if not value:
        return None
    try:
        return parser(value)
    except ValueError:
        return None


def _letter_status_after(plan: TravelPlan, needed: bool) -> str:
    """A new need is a request; dropping the need withdraws only an undecided request."""
    status = plan.visa_letter_status
    if needed and status == VisaLetterStatus.NOT_NEEDED:
        return VisaLetterStatus.REQUESTED
    if not needed and status == VisaLetterStatus.REQUESTED:
        return VisaLetterStatus.NOT_NEEDED
    return status


def save_travel_plan(
    attendee: Attendee, *, data: Mapping[str, Any], by=None
) -> TravelPlan:
    """Create or update the attendee's travel plan from form or API values.

    `data` holds text: `arrival_date` (YYYY-MM-DD), `arrival_time` (HH:MM, local
    at the airport), `arrival_airport` (IATA), carrier and number, the same for
    departure, `pickup_needed`, `lodging_kind`, `lodging_name`,
    `room_sharing_with`, `visa_letter_needed`, `notes`. Raises TravelInvalid
    naming each bad field (unknown airport code: `unknown_airport`). Ticking
    "visa letter needed" sets the status to requested; the ActivityLog entry
    lists the changed field names only.
    """
    errors: list[TravelError] = []
    values: dict[str, Any] = {}
    for leg in LEGS:
        values.update(_leg(data, leg, errors))
    if (
        values["arrival_at"]
        and values["departure_at"]
        and values["departure_at"] <= values["arrival_at"]
    ):
        errors.append(
            TravelError(
                _("The departure must come after the arrival."),
                code="departure_before_arrival",
                field="departure_date",
            )
        )
    lodging_kind = _text(data, "lodging_kind")
    if lodging_kind and lodging_kind not in LodgingKind.values:
        errors.append(
            TravelError(
                _("Choose hotel, host family or own arrangements."),
                code="invalid_choice",
                field="lodging_kind",
            )
        )
    values["lodging_kind"] = lodging_kind
    for name in ("lodging_name", "room_sharing_with", "notes"):
        values[name] = _text(data, name)
    errors += column_errors(
        TravelError,
        TravelPlan,
        {name: values[name] for name in ("lodging_name", "room_sharing_with", "notes")},
    )
    if errors:
        raise TravelInvalid(errors)
    values["pickup_needed"] = _flag(data, "pickup_needed")
    values["visa_letter_needed"] = _flag(data, "visa_letter_needed")

    with transaction.atomic():
        plan = TravelPlan.objects.select_for_update().filter(
            attendee=attendee
        ).first() or TravelPlan(attendee=attendee)
        values["visa_letter_status"] = _letter_status_after(
            plan, values["visa_letter_needed"]
        )
        changed = [
            name for name, value in values.items() if getattr(plan, name) != value
        ]
        if plan.pk is not None and not changed:
            return plan
        for name, value in values.items():
            setattr(plan, name, value)
        plan.save()
        log_activity(
            attendee,
            action="travel.updated",
            actor=by,
            event=_event_of(attendee),
            data={"fields": sorted(changed)},
        )
    return plan


def _event_of(attendee: Attendee):
    return attendee.order.event


def set_visa_letter_status(
    plan: TravelPlan, *, status: str, by, reason: str = ""
) -> TravelPlan:
    """Staff decide a letter request: approve (the letter may then be issued) or refuse."""
    if status not in {VisaLetterStatus.APPROVED, VisaLetterStatus.REFUSED}:
        raise TravelError(
            _("Choose approve or refuse."), code="invalid_choice", field="status"
        )
    if not plan.visa_letter_needed:
        raise TravelError(
            _("No visa letter was requested for this attendee."),
            code="not_requested",
            field="status",
        )
    old = plan.visa_letter_status
    plan.visa_letter_status = status
    plan.save(update_fields=["visa_letter_status", "updated_at"])
    log_activity(
        plan.attendee,
        action=f"visa_letter.{status}",
        actor=by,
        event=_event_of(plan.attendee),
        data={"from": old, "to": status, "reason": reason},
    )
    return plan


# --- Passport details ------------------------------------------------------------


VISA_FIELDS = ("nationality", "passport_number", "passport_expiry", "date_of_birth")


def _visa_values(attendee: Attendee, data: Mapping[str, Any]) -> dict[str, Any]:
    errors: list[TravelError] = []
    nationality = _text(data, "nationality").upper()
    if nationality not in dict(countries):
        errors.append(
            TravelError(
                _("Choose the nationality."),
                code="required" if not nationality else "invalid_choice",
                field="nationality",
            )
        )
    number = "".join(_text(data, "passport_number").split()).upper()
    if not number:
        errors.append(
            TravelError(
                _("Enter the passport number."),
                code="required",
                field="passport_number",
            )
        )
    elif len(number) > 30 or not number.isalnum():
        errors.append(
            TravelError(
                _("Enter the passport number as printed: letters and digits."),
                code="invalid",
                field="passport_number",
            )
        )
    event = _event_of(attendee)
    raw_expiry = _text(data, "passport_expiry")
    expiry = _parse(parse_date, raw_expiry)
    if expiry is None:
        errors.append(
            TravelError(
                _("Enter the expiry date as YYYY-MM-DD."),
                code="required" if not raw_expiry else "invalid",
                field="passport_expiry",
            )
        )
    elif expiry <= timezone.localtime(event.ends_at, event.tz).date():
        errors.append(
            TravelError(
                _("The passport must be valid after the event ends."),
                code="passport_expires",
                field="passport_expiry",
            )
        )
    raw_born = _text(data, "date_of_birth")
    born = _parse(parse_date, raw_born)
    if raw_born and (born is None or born >= timezone.now().date()):
        errors.append(
            TravelError(
                _("Enter the date of birth as YYYY-MM-DD."),
                code="invalid",
                field="date_of_birth",
            )
        )
    if errors:
        raise TravelInvalid(errors)
    return {
        "nationality": nationality,
        "passport_number": number,
        "passport_expiry": expiry,
        "date_of_birth": born,
    }


def save_visa_details(
    attendee: Attendee, *, data: Mapping[str, Any], by=None
) -> VisaDetails:
    """Store the passport details a visa letter needs (write-only for leaders).

    The passport must be valid after the event ends. Raises TravelInvalid naming
    each bad field. The log records that details were saved, never their values.
    """
    values = _visa_values(attendee, data)
    event = _event_of(attendee)
    with transaction.atomic():
        details, created = VisaDetails.objects.update_or_create(
            attendee=attendee, defaults=values
        )
        log_activity(
            attendee,
            action="visa.details_saved",
            actor=by,
            event=event,
            data={"created": created},
        )
    return details


def save_member_travel(
    attendee: Attendee,
    *,
    travel: Mapping[str, Any],
    visa: Mapping[str, Any] | None = None,
    by=None,
) -> TravelPlan:
    """Save a travel plan and, when given, passport details: both or neither.

    Raises one TravelInvalid with the errors of both forms together, so the
    person sees every problem at once.
    """
    errors: list[TravelError] = []
    with transaction.atomic():
        plan = None
        try:
            plan = save_travel_plan(attendee, data=travel, by=by)
        except TravelInvalid as exc:
            errors += exc.errors
        if visa is not None:
            try:
                save_visa_details(attendee, data=visa, by=by)
            except TravelInvalid as exc:
                errors += exc.errors
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise TravelInvalid(errors)
    return plan


def purge_visa_details(*, now: datetime | None = None) -> int:
    """Delete passport details of events that ended VISA_RETENTION_DAYS ago; the number deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.VISA_RETENTION_DAYS)
    due = VisaDetails.objects.filter(attendee__order__event__ends_at__lt=cutoff)
    count, _by_model = due.delete()
    return count


# --- Visa invitation letters ------------------------------------------------------


LETTER_READY = {VisaLetterStatus.APPROVED, VisaLetterStatus.ISSUED}


def _letter_attendees():
    return Attendee.objects.select_related(
        "order__event", "ticket_type", "delegation", "travel", "visa"
    )


def visa_letter_refusal(
    attendee: Attendee, *, has_visa_details: bool | None = None
) -> str | None:
    """Why no letter may be issued for `attendee` now, or None when one may.

    `attendee` should come with `order` and `travel` loaded, and `visa` unless
    `has_visa_details` says whether passport details are on file (lists that
    must not load passport values pass it).
    """
    plan = getattr(attendee, "travel", None)
    if plan is None or not plan.visa_letter_needed:
        return _("No visa letter was requested.")
    if plan.visa_letter_status not in LETTER_READY:
        return _("Staff have not approved the visa letter yet.")
    if not order_admits_attendees(attendee.order):
        return _("The registration is not paid yet.")
    if has_visa_details is None:
        has_visa_details = getattr(attendee, "visa", None) is not None
    if not has_visa_details:
        return _("The passport details are missing.")
    return None


def issue_visa_letter(
    attendee: Attendee, *, by, now: datetime | None = None
) -> VisaLetter:
    """Issue one numbered letter (SCI-<year>-<nnnn>) and log it, or raise TravelError.

    Raises TravelError `letter_not_allowed` with the reason (unpaid, not
    approved, no passport details). The letter's PDF is rendered from the
    letter row and the passport details on demand (`render_visa_letters`).
    """
    now = now or timezone.now()
    with transaction.atomic():
        attendee = _letter_attendees().get(pk=attendee.pk)
        if reason := visa_letter_refusal(attendee):
            raise TravelError(reason, code="letter_not_allowed")
        event = attendee.order.event
        year = timezone.localtime(now, event.tz).year
        numbered = next_document_number("visa_letter", year)
        letter = VisaLetter.objects.create(
            attendee=attendee,
            number=numbered.number,
            issued_by=by if getattr(by, "is_authenticated", False) else None,
            language="en",
        )
        TravelPlan.objects.filter(pk=attendee.travel.pk).update(
            visa_letter_status=VisaLetterStatus.ISSUED, updated_at=now
        )
        # The number only: passport values never enter the log (invariant 7).
        log_activity(
            attendee,
            action="visa_letter.issued",
            actor=by,
            event=event,
            data={"number": letter.number},
        )
    return letter


def issue_delegation_letters(
    delegation: Delegation, *, by, now: datetime | None = None
) -> tuple[list[VisaLetter], dict[int, str]]:
    """A letter for each member who may have one now; the others with the reason.

    Returns (letters, {attendee id: reason}); raises TravelError `no_letters`
    when nobody qualifies, so one combined PDF is never empty.
    """
    letters, refused = [], {}
    members = _letter_attendees().filter(
        delegation=delegation, travel__visa_letter_needed=True
    )
    for member in members.order_by("family_name", "given_name", "pk"):
        reason = visa_letter_refusal(member)
        if reason:
            refused[member.pk] = reason
            continue
        letters.append(issue_visa_letter(member, by=by, now=now))
    if not letters:
        raise TravelError(
            _("No member of this delegation can have a visa letter now."),
            code="no_letters",
        )
    return letters, refused


@functools.cache
def _letter_stylesheets() -> tuple[str, ...]:
    return (
        render_to_string(
            "documents/letters/letter.css", {"font_stack": documents.FONT_STACK}
        ),
    )


def _letter_context(letter: VisaLetter) -> dict:
    attendee = letter.attendee
    event = attendee.order.event
    plan = getattr(attendee, "travel", None)
    return {
        "letter": letter,
        "attendee": attendee,
        "event": event,
        "visa": getattr(attendee, "visa", None),
        "delegation": attendee.delegation,
        "issued_on": timezone.localtime(letter.issued_at, event.tz).date(),
        "starts_on": timezone.localtime(event.starts_at, event.tz).date(),
        "ends_on": timezone.localtime(event.ends_at, event.tz).date(),
        "arrival_on": _local_day(plan.arrival_at, plan.arrival_airport)
        if plan and plan.arrival_at
        else None,
        "departure_on": _local_day(plan.departure_at, plan.departure_airport)
        if plan and plan.departure_at
        else None,
        "lodging": plan.lodging_name if plan else "",
    }


def _local_day(moment: datetime, airport: str) -> date:
    zone = airport_zone(airport) or timezone.get_current_timezone()
    return moment.astimezone(zone).date()


def render_visa_letters(letters: list[VisaLetter]) -> bytes:
    """One PDF with a page per letter, on SCI letterhead, in each letter's language.

    Raises TravelError `passport_purged` when the passport details are gone
    (the retention job ran): a letter is never printed without them.
    """
    ids = [letter.pk for letter in letters]
    rows = {
        row.pk: row
        for row in VisaLetter.objects.select_related(
            "attendee__order__event",
            "attendee__delegation",
            "attendee__travel",
            "attendee__visa",
        ).filter(pk__in=ids)
    }
    pages = []
    for pk in ids:
        letter = rows[pk]
        if getattr(letter.attendee, "visa", None) is None:
            raise TravelError(
                _("The passport details of %(name)s are no longer kept.")
                % {"name": letter.attendee.badge_name},
                code="passport_purged",
            )
        with translation.override(letter.language):
            pages.append(
                render_to_string(
                    "documents/letters/_visa_letter.html", _letter_context(letter)
                )
            )
    html = render_to_string("documents/letters/visa_letters.html", {"pages": pages})
    return documents.render_pdf(
        html,
        base_url=str(settings.BASE_DIR / "templates" / "documents" / "assets") + "/",
        stylesheets=_letter_stylesheets(),
    )


def airport_label(code: str) -> str:
    """ "IAD – Washington Dulles International Airport", or the code alone."""
    airport = find_airport(code)
    return f"{airport.code} – {airport.name}" if airport else code


__all__ = [
    "TravelError",
    "TravelInvalid",
    "issue_delegation_letters",
    "issue_visa_letter",
    "purge_visa_details",
    "render_visa_letters",
    "save_travel_plan",
    "save_visa_details",
    "set_visa_letter_status",
    "travel_form_values",
    "visa_letter_refusal",
]


# --- Manifests ------------------------------------------------------------------------


@functools.cache
def _manifest_stylesheets() -> tuple[str, ...]:
    return (
        render_to_string(
            "documents/manifests/manifest.css", {"font_stack": documents.FONT_STACK}
        ),
    )


def render_manifest_pdf(
    event, days: list, *, direction: str, pickup_only: bool = False
) -> bytes:
    """The arrivals or departures manifest (from `selectors.get_travel_manifest`) as a PDF
    for drivers: one section a local day, times at each airport, no passport data."""
    html = render_to_string(
        "documents/manifests/manifest.html",
        {
            "event": event,
            "days": days,
            "direction": direction,
            "pickup_only": pickup_only,
            "printed_at": timezone.localtime(timezone.now(), event.tz),
        },
    )
    return documents.render_pdf(
        html,
        base_url=str(settings.BASE_DIR / "templates" / "documents" / "assets") + "/",
        stylesheets=_manifest_stylesheets(),
    )
