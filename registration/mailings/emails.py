"""The staff mailing e-mail: one reader's version, with a one-click unsubscribe.

Registered with the outbox by name (registration/outbox/mail.py). The text was
rendered by mailings/services/rendering.py (staff text never reaches the
template engine); an address that unsubscribed since the row was written is
skipped here, at delivery, so an opt-out is honoured at once.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from registration.mailings.selectors import is_opted_out
from registration.mailings.services.rendering import render_for
from registration.mailings.services.sending import skip_recipient
from registration.models import MailingRecipient, RecipientStatus
from registration.outbox.mail import Email, register_builders, reply_to


def mailing(payload: dict) -> Email | None:
    row = (
        MailingRecipient.objects.select_related(
            "mailing__event", "order", "attendee", "delegation"
        )
        .filter(pk=payload["recipient"])
        .first()
    )
    if row is None or row.status != RecipientStatus.QUEUED:
        return None
    if is_opted_out(row.email):
        skip_recipient(row, note=_("Unsubscribed from mailings"))
        return None
    message = render_for(row.mailing, row)
    return Email(
        "mailing",
        [row.email],
        message.language,
        {
            "event": row.mailing.event,
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
            "unsubscribe_url": message.unsubscribe_url,
        },
        reply_to(row.mailing.event),
        headers={
            "List-Unsubscribe": f"<{message.unsubscribe_url}>",
            # RFC 8058: mail programs unsubscribe with one POST to the link.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


register_builders({"mailing": mailing})
