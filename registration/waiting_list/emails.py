"""The waiting-list offer: a place has come free and is held for the person.

Registered with the outbox by name (see registration/outbox/mail.py); an offer
no longer open is not sent.
"""

from __future__ import annotations

from registration.models import WaitingListEntry, WaitingListStatus
from registration.outbox.mail import Email, absolute_url, register_builders, reply_to


def waiting_list_offer(payload: dict) -> Email | None:
    entry = (
        WaitingListEntry.objects.select_related("event", "ticket_type")
        .filter(pk=payload["entry"], status=WaitingListStatus.OFFERED)
        .first()
    )
    if entry is None:
        return None
    return Email(
        "waiting_list_offer",
        [entry.email],
        entry.language,
        {
            "entry": entry,
            "event": entry.event,
            "offer_url": absolute_url(
                "registration:waiting_list_offer", entry.token, language=entry.language
            ),
        },
        reply_to(entry.event),
    )


register_builders({"waiting_list_offer": waiting_list_offer})
