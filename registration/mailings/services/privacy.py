"""Erasing an attendee forgets where their mailings went (privacy/services.py).

The log keeps that a message was sent and what became of it; the address and
name of the attendee (or of their guardian, for youth mailings) are dropped.
Rows of the buyer stay: the buyer is the one who paid, as on the order.
"""

from __future__ import annotations

from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

from registration.models import Attendee, MailingRecipient

ERASED_DOMAIN = "erased.invalid"


def erase_recipient_rows(attendee: Attendee) -> int:
    """Anonymise the mailing rows that stand for `attendee`; the count."""
    return MailingRecipient.objects.filter(attendee=attendee).update(
        # Unique per mailing and address: each row gets its own placeholder.
        email=Concat(
            Value("erased-"),
            Cast("pk", CharField()),
            Value(f"@{ERASED_DOMAIN}"),
            output_field=CharField(),
        ),
        name="",
        note="",
    )
