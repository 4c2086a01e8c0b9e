"""The programme's e-mail: a place in a session came free for someone in line.

Registered with the outbox by name (registration/outbox/mail.py); not sent when
the place has been given up again meanwhile.
"""

from __future__ import annotations

from registration.models import SessionSignup
from registration.outbox.mail import Email, attendee_url, register_builders, reply_to
from registration.reader import reader_language


def programme_place(payload: dict) -> Email | None:
    signup = (
        SessionSignup.objects.select_related("session", "attendee__order__event")
        .filter(session=payload["session"], attendee=payload["attendee"])
        .first()
    )
    if signup is None or not signup.attendee.email:
        return None
    attendee = signup.attendee
    language = reader_language(attendee.language, attendee.order.language)
    return Email(
        "programme_place",
        [attendee.email],
        language,
        {
            "attendee": attendee,
            "session": signup.session,
            "session_title": signup.session.title_in(language),
            "event": attendee.order.event,
            "attendee_url": attendee_url(attendee),
        },
        reply_to(attendee.order),
    )


register_builders({"programme_place": programme_place})
