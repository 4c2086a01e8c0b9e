"""Unsubscribing from staff mailings: the signed one-click link and the record.

The link carries the address signed with the site's key (no row to look up,
nothing to guess) and never expires, so the link in an old message still
works. An opt-out is honoured at once: rows not yet delivered are skipped when
their turn comes (mailings/emails.py asks `is_opted_out` at delivery). Order,
ticket and consent e-mails are essential and not affected.
"""

from __future__ import annotations

from django.core import signing
from django.db import IntegrityError, transaction

from registration.models import MailOptOut

SALT = "registration.mailings.unsubscribe"


def unsubscribe_token(email: str) -> str:
    """The token of `email`'s unsubscribe link."""
    return signing.dumps(email.strip().lower(), salt=SALT, compress=True)


def address_from_token(token: str) -> str | None:
    """The address a token was made for; None when it was not made here."""
    try:
        address = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return address if isinstance(address, str) else None


def unsubscribe(email: str, *, source: str) -> MailOptOut:
    """Record that `email` wants no more staff mailings (again is fine)."""
    address = email.strip().lower()
    try:
        with transaction.atomic():
            return MailOptOut.objects.create(email=address, source=source[:20])
    except IntegrityError:
        return MailOptOut.objects.get(email=address)


def resubscribe(email: str) -> int:
    """Staff remove an opt-out (the person asked to be mailed again)."""
    return MailOptOut.objects.filter(email=email.strip().lower()).delete()[0]
