"""Youth delegates: the age rule and the guardian's consent.

Ages are counted on the event's first day in the event's own time zone: a
delegate who turns 14 on that day is 14; one who turns 19 the day before is
19. A 29 February birthday counts from 1 March in common years.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.columns import column_errors
from registration.errors import ConsentError, ConsentInvalid, OrderError
from registration.models import (
    LIVE_ORDER_STATUSES,
    ConsentText,
    Event,
    GuardianConsent,
    TicketType,
    YouthDetails,
)
from registration.outbox.services import enqueue_message

REMINDER_AFTER_DAYS = (3, 7)
# The language every event's consent text is written in first.
FALLBACK_LANGUAGE = "en"


def age_on(born: date, day: date) -> int:
    """Completed years on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def check_age(
    ticket_type: TicketType, *, born: date, event: Event, field: str
) -> OrderError | None:
    """An error when the age on the event's first day is outside the ticket's range."""
    age = age_on(born, event.local_start_date())
    if ticket_type.min_age is not None and age < ticket_type.min_age:
        return OrderError(
            _(
                "%(ticket)s is for ages %(min)s and up; this date of birth gives %(age)s "
                "on the first day of the event."
            )
            % {"ticket": ticket_type.name, "min": ticket_type.min_age, "age": age},
            code="too_young",
            field=field,
        )
    if ticket_type.max_age is not None and age > ticket_type.max_age:
        return OrderError(
            _(
                "%(ticket)s is for ages up to %(max)s; this date of birth gives %(age)s "
                "on the first day of the event."
            )
            % {"ticket": ticket_type.name, "max": ticket_type.max_age, "age": age},
            code="too_old",
            field=field,
        )
    return None


def current_consent_text(
    event: Event, *, language: str = FALLBACK_LANGUAGE
) -> ConsentText | None:
    """The latest version in `language`; without one, the latest English version."""
    texts = event.consent_texts.order_by("-version")
    return (
        texts.filter(language=language).first()
        or texts.filter(language=FALLBACK_LANGUAGE).first()
    )


def request_guardian_consent(
    youth: YouthDetails, *, now: datetime | None = None
) -> None:
    """Send the guardian the consent link (once per youth delegate)."""
    now = now or timezone.now()
    if youth.consent_requested_at is None:
        youth.consent_requested_at = now
        YouthDetails.objects.filter(pk=youth.pk).update(consent_requested_at=now)
    enqueue_message(
        "email.consent_request",
        payload={"youth": youth.pk},
        key=f"consent_request:{youth.pk}",
    )


def find_youth_by_consent_token(token: str) -> YouthDetails:
    """The youth delegate a consent link is for; refuses unknown or closed ones."""
    youth = (
        YouthDetails.objects.select_related(
            "attendee__order__event", "attendee__ticket_type", "consent"
        )
        .filter(consent_token=token or "")
        .first()
    )
    if youth is None:
        raise ConsentError(_("This consent link is not valid."), code="unknown_token")
    if youth.attendee.order.status not in LIVE_ORDER_STATUSES:
        raise ConsentError(
            _("This registration has been canceled or has expired."),
            code="order_closed",
        )
    return youth


def sign_guardian_consent(
    youth: YouthDetails,
    *,
    consent_text: ConsentText,
    signed_name: str,
    emergency_contact_name: str,
    emergency_contact_phone: str,
    medical_notes: str = "",
    photo_release: bool = False,
    ip_address: str | None = None,
    user_agent: str = "",
    language: str | None = None,
    now: datetime | None = None,
) -> GuardianConsent:
    """Record the guardian's signature on the version of the text they were shown.

    Stores who (the typed name), when, from which IP and browser, and which
    ConsentText with a copy of its title, text, language and version; the
    medical and emergency details go to YouthDetails. `language` is the one the
    guardian reads (default: the text's); the text must be the current one for
    it. The ActivityLog entry holds only the version, never those details.
    """
    now = now or timezone.now()
    errors = _signature_errors(
        signed_name=signed_name,
        emergency_contact_name=emergency_contact_name,
        emergency_contact_phone=emergency_contact_phone,
        medical_notes=medical_notes,
    )
    if errors:
        raise ConsentInvalid(errors)
    event = youth.attendee.order.event
    current = current_consent_text(event, language=language or consent_text.language)
    if current is None or current.pk != consent_text.pk:
        raise ConsentError(
            _(
                "The consent text has changed; please read the new version and sign again."
            ),
            code="consent_text_changed",
        )
    try:
        with transaction.atomic():
            return _record_signature(
                youth,
                event=event,
                consent_text=consent_text,
                signed_name=signed_name,
                emergency_contact_name=emergency_contact_name,
                emergency_contact_phone=emergency_contact_phone,
                medical_notes=medical_notes,
                photo_release=photo_release,
                ip_address=ip_address,
                user_agent=user_agent,
                now=now,
            )
    except IntegrityError as exc:
        # Another signature was saved first (one consent per youth delegate).
        raise ConsentError(
            _("Consent has already been given for this delegate."),
            code="already_signed",
        ) from exc


def _signature_errors(
    *,
    signed_name: str,
    emergency_contact_name: str,
    emergency_contact_phone: str,
    medical_notes: str,
) -> list[ConsentError]:
    """The form's missing fields, then whatever does not fit its column."""
    errors = []
    if not signed_name.strip():
        errors.append(
            ConsentError(
                _("Type your full name to sign."), code="required", field="signed_name"
            )
        )
    if not emergency_contact_name.strip():
        errors.append(
            ConsentError(
                _("Enter an emergency contact."),
                code="required",
                field="emergency_contact_name",
            )
        )
    if not emergency_contact_phone.strip():
        errors.append(
            ConsentError(
                _("Enter the emergency contact's phone number."),
                code="required",
                field="emergency_contact_phone",
            )
        )
    errors += column_errors(
        ConsentError, GuardianConsent, {"signed_name": signed_name.strip()}
    ) + column_errors(
        ConsentError,
        YouthDetails,
        {
            "medical_notes": medical_notes.strip(),
            "emergency_contact_name": emergency_contact_name.strip(),
            "emergency_contact_phone": emergency_contact_phone.strip(),
        },
    )
    return errors


def _record_signature(
    youth: YouthDetails,
    *,
    event: Event,
    consent_text: ConsentText,
    signed_name: str,
    emergency_contact_name: str,
    emergency_contact_phone: str,
    medical_notes: str,
    photo_release: bool,
    ip_address: str | None,
    user_agent: str,
    now: datetime,
) -> GuardianConsent:
    """Save the details and the signature under the youth's row lock."""
    locked = YouthDetails.objects.select_for_update().get(pk=youth.pk)
    if GuardianConsent.objects.filter(youth=locked).exists():
        raise ConsentError(
            _("Consent has already been given for this delegate."),
            code="already_signed",
        )
    locked.medical_notes = medical_notes.strip()
    locked.emergency_contact_name = emergency_contact_name.strip()
    locked.emergency_contact_phone = emergency_contact_phone.strip()
    locked.save(
        update_fields=[
            "medical_notes",
            "emergency_contact_name",
            "emergency_contact_phone",
        ]
    )
    consent = GuardianConsent.objects.create(
        youth=locked,
        consent_text=consent_text,
        signed_name=signed_name.strip(),
        signed_at=now,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:300],
        photo_release=photo_release,
        signed_language=consent_text.language,
        signed_version=consent_text.version,
        signed_title=consent_text.title,
        signed_text=consent_text.body,
    )
    log_activity(
        youth.attendee,
        action="consent.signed",
        event=event,
        data={
            "consent_text_version": consent_text.version,
            "consent_text_language": consent_text.language,
        },
    )
    return consent


def send_consent_reminders(*, now: datetime | None = None) -> int:
    """Remind guardians who have not signed, 3 and 7 days after the request.

    A loop that was stopped for a while sends only the latest reminder due.
    """
    now = now or timezone.now()
    first, second = REMINDER_AFTER_DAYS
    waiting = YouthDetails.objects.filter(
        consent__isnull=True,
        consent_requested_at__isnull=False,
        consent_requested_at__lte=now - timedelta(days=first),
        reminders_sent__lt=len(REMINDER_AFTER_DAYS),
        attendee__ticket_type__requires_guardian_consent=True,
        attendee__order__status__in=LIVE_ORDER_STATUSES,
    )
    sent = 0
    for youth in waiting:
        age = now - youth.consent_requested_at
        due = 2 if age >= timedelta(days=second) else 1
        if due <= youth.reminders_sent:
            continue
        with transaction.atomic():
            enqueue_message(
                "email.consent_reminder",
                payload={"youth": youth.pk, "number": due},
                key=f"consent_reminder:{youth.pk}:{due}",
            )
            YouthDetails.objects.filter(pk=youth.pk).update(reminders_sent=due)
        sent += 1
    return sent
