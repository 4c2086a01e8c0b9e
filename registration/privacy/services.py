"""Personal data on request and by the calendar.

- `export_attendee_data`: everything held about one attendee, as a JSON-ready
  dict; youth and passport data only for callers allowed to see them.
- `erase_attendee`: anonymises one attendee's personal data and deletes their
  youth, travel and passport records, keeping the order, its payments,
  refunds and invoices (financial records the law makes us keep) and the
  check-in log without the person.
- `purge_youth_details`: the retention job; deletes YouthDetails (dates of
  birth, guardians, medical data, and with them the consent records) of
  events that ended more than YOUTH_RETENTION_DAYS ago.

The ActivityLog gets what happened and to which record, never the values
(DESIGN invariant 7). The few entries that do hold an attendee's personal
values (a transfer's old and new holder, edited answers, a delegation's
substitution) lose them when the attendee is erased.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from registration.audit.services import log_activity
from registration.mailings.services import privacy as mailing_privacy
from registration.models import (
    ActivityLog,
    Answer,
    Attendee,
    CheckIn,
    Order,
    OrderChange,
    TravelPlan,
    VisaDetails,
    YouthDetails,
)
from registration.tokens import new_secret

ERASED_NAME = "Erased attendee"

# The privacy notice buyers agree to at checkout (templates/registration/
# privacy_notice.html). Change it when the notice's content changes, so each
# order records which text its buyer saw.
PRIVACY_NOTICE_VERSION = "2026-11-28"


def _date(value) -> str | None:
    return value.isoformat() if value else None


def export_attendee_data(
    attendee: Attendee, *, with_youth: bool, with_passport: bool
) -> dict:
    """What the system holds about `attendee`, for a subject-access request."""
    data = {
        "attendee": _attendee_data(attendee),
        "order": _order_data(attendee.order),
        "extras": list(attendee.extras.values_list("name", flat=True)),
        "answers": [
            {"question": answer.question.label, "answer": answer.value}
            for answer in attendee.answers.select_related("question")
        ],
        "check_ins": [
            {
                "list": row.checkin_list.name,
                "type": row.type,
                "result": row.result,
                "scanned_at": _date(row.scanned_at),
            }
            for row in attendee.checkins.select_related("checkin_list").order_by(
                "scanned_at"
            )
        ],
    }
    travel = TravelPlan.objects.filter(attendee=attendee).first()
    if travel is not None:
        data["travel"] = _travel_data(travel)
    youth = YouthDetails.objects.filter(attendee=attendee).first()
    if youth is not None and with_youth:
        data["youth"] = _youth_data(youth)
    visa = VisaDetails.objects.filter(attendee=attendee).first()
    if visa is not None and with_passport:
        data["visa"] = {
            "nationality": visa.nationality.code,
            "passport_number": visa.passport_number,
            "passport_expiry": _date(visa.passport_expiry),
        }
    withheld = []
    if youth is not None and not with_youth:
        withheld.append("youth")
    if visa is not None and not with_passport:
        withheld.append("visa")
    data["withheld"] = withheld
    return data


def _attendee_data(attendee: Attendee) -> dict:
    return {
        "badge_name": attendee.badge_name,
        "badge_name_latin": attendee.badge_name_latin,
        "given_name": attendee.given_name,
        "family_name": attendee.family_name,
        "email": attendee.email,
        "language": attendee.language,
        "organisation": attendee.organisation,
        "city": attendee.city,
        "country": attendee.country.code or "",
        "ticket_type": attendee.ticket_type.name,
        "price": str(attendee.price),
        "delegation": attendee.delegation.name if attendee.delegation else None,
        "registered_at": _date(attendee.created_at),
    }


def _order_data(order: Order) -> dict:
    """The order the attendee came with, buyer included (the buyer may be them)."""
    return {
        "code": order.code,
        "event": order.event.name,
        "status": order.status,
        "buyer_name": order.buyer_name,
        "buyer_email": order.buyer_email,
        "buyer_organisation": order.buyer_organisation,
        "total": str(order.total),
        "currency": order.currency,
        "placed_at": _date(order.created_at),
        "privacy_notice_accepted_at": _date(order.privacy_accepted_at),
        "privacy_notice_version": order.privacy_notice_version,
    }


def _travel_data(travel: TravelPlan) -> dict:
    return {
        "arrival_at": _date(travel.arrival_at),
        "arrival_airport": travel.arrival_airport,
        "arrival_carrier": travel.arrival_carrier,
        "arrival_number": travel.arrival_number,
        "departure_at": _date(travel.departure_at),
        "departure_airport": travel.departure_airport,
        "departure_carrier": travel.departure_carrier,
        "departure_number": travel.departure_number,
        "lodging": travel.lodging_kind,
        "lodging_name": travel.lodging_name,
        "room_sharing_with": travel.room_sharing_with,
        "pickup_needed": travel.pickup_needed,
        "visa_letter_status": travel.visa_letter_status,
    }


def _youth_data(youth: YouthDetails) -> dict:
    """Date of birth, guardian, medical and emergency details, and the consent."""
    consent = getattr(youth, "consent", None)
    return {
        "date_of_birth": _date(youth.date_of_birth),
        "guardian_name": youth.guardian_name,
        "guardian_email": youth.guardian_email,
        "guardian_phone": youth.guardian_phone,
        "medical_notes": youth.medical_notes,
        "emergency_contact_name": youth.emergency_contact_name,
        "emergency_contact_phone": youth.emergency_contact_phone,
        "consent_signed_at": _date(consent.signed_at) if consent else None,
        "consent_signed_by": consent.signed_name if consent else None,
    }


def is_erased(attendee: Attendee) -> bool:
    """Whether `erase_attendee` has already anonymised this attendee."""
    return attendee.badge_name == ERASED_NAME and attendee.email == ""


@transaction.atomic
def erase_attendee(attendee: Attendee, *, by) -> Attendee:
    """Anonymise `attendee`: names, contact, organisation, answers; delete youth,
    travel and passport records. The order, payments, refunds and invoices
    stay (with the buyer's details: the buyer is the one who paid). The QR
    secret is replaced, so a printed badge no longer scans.

    Side effects: one ActivityLog entry without values; the attendee's rows in
    the e-mail log lose their address and name (mailings/services/privacy.py).
    """
    attendee = Attendee.objects.select_for_update().get(pk=attendee.pk)
    attendee.badge_name = ERASED_NAME
    attendee.badge_name_latin = ""
    attendee.given_name = ERASED_NAME
    attendee.family_name = ""
    attendee.email = ""
    attendee.organisation = ""
    attendee.city = ""
    attendee.country = ""
    attendee.secret = new_secret()
    attendee.save(
        update_fields=[
            "badge_name",
            "badge_name_latin",
            "given_name",
            "family_name",
            "email",
            "organisation",
            "city",
            "country",
            "secret",
        ]
    )
    Answer.objects.filter(attendee=attendee).update(value="")
    YouthDetails.objects.filter(attendee=attendee).delete()
    TravelPlan.objects.filter(attendee=attendee).delete()
    VisaDetails.objects.filter(attendee=attendee).delete()
    CheckIn.objects.filter(attendee=attendee).update(raw_code="")
    mailing_privacy.erase_recipient_rows(attendee)
    _erase_logged_values(attendee)
    log_activity(
        attendee,
        action="attendee.erased",
        actor=by,
        event=attendee.order.event,
    )
    return attendee


# Log entries about an attendee that hold their personal values.
ATTENDEE_VALUE_ACTIONS = ("ticket.transferred", "attendee.answers_updated")


def _erase_logged_values(attendee: Attendee) -> None:
    """Keep that a transfer, an answer edit or a substitution happened, by whom
    and when; drop the names, addresses and answers it recorded."""
    ActivityLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Attendee),
        object_id=str(attendee.pk),
        action__in=ATTENDEE_VALUE_ACTIONS,
    ).update(data={"erased": True})
    ActivityLog.objects.filter(
        action="delegation.member_substituted", data__attendee=attendee.pk
    ).update(data={"attendee": attendee.pk, "erased": True})
    _erase_change_lines(attendee)


def _erase_change_lines(attendee: Attendee) -> None:
    """Order changes name the people they touched: the name goes, the change stays.

    A canceled attendee sits on the order split off the one that was changed.
    """
    order_ids = {attendee.order_id}
    if attendee.order.split_from_id:
        order_ids.add(attendee.order.split_from_id)
    for change in OrderChange.objects.filter(order_id__in=order_ids):
        lines = [
            {**line, "person": "—"} if line.get("attendee") == attendee.pk else line
            for line in change.lines
        ]
        if lines == change.lines:
            continue
        OrderChange.objects.filter(pk=change.pk).update(lines=lines)
        for entry in ActivityLog.objects.filter(
            action="order.changed", data__change=change.pk
        ):
            entry.data = {**entry.data, "lines": lines}
            entry.save(update_fields=["data"])


def purge_youth_details(*, now=None) -> int:
    """Delete the youth details of events that ended YOUTH_RETENTION_DAYS ago.

    Returns how many were deleted. The consent records go with them; the
    attendee stays, flagged as a youth ticket holder by its ticket type.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.YOUTH_RETENTION_DAYS)
    doomed = YouthDetails.objects.filter(attendee__order__event__ends_at__lt=cutoff)
    count = doomed.count()
    if count:
        doomed.delete()
    return count
