"""The guardian's e-mails: the consent request and its reminders.

Registered with the outbox by name (see registration/outbox/mail.py); a
reminder for consent signed meanwhile is not sent.
"""

from __future__ import annotations

from registration.consent.services import current_consent_text
from registration.models import LIVE_ORDER_STATUSES, YouthDetails
from registration.outbox.mail import Email, consent_url, register_builders, reply_to


def _consent_email(template: str, payload: dict) -> Email | None:
    youth = (
        YouthDetails.objects.select_related(
            "attendee__order__event", "attendee__ticket_type"
        )
        .filter(pk=payload["youth"], consent__isnull=True)
        .first()
    )
    if youth is None or youth.attendee.order.status not in LIVE_ORDER_STATUSES:
        return None
    order = youth.attendee.order
    consent_text = current_consent_text(order.event, language=order.language)
    return Email(
        template,
        [youth.guardian_email],
        order.language,
        {
            "youth": youth,
            "attendee": youth.attendee,
            "event": order.event,
            "consent_url": consent_url(youth, order.language),
            "consent_title": consent_text.title if consent_text else "",
            "number": payload.get("number", 0),
        },
        reply_to(order),
    )


def consent_request(payload: dict) -> Email | None:
    return _consent_email("consent_request", payload)


def consent_reminder(payload: dict) -> Email | None:
    return _consent_email("consent_reminder", payload)


register_builders(
    {"consent_request": consent_request, "consent_reminder": consent_reminder}
)
