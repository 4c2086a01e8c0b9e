"""Sending the e-mail an outbox row stands for, and what every e-mail builder shares.

A service that wants an e-mail sent writes an outbox row with a kind
(`email.<name>`) and the ids it concerns; it never imports the code that builds
the message. Each package's `emails.py` registers its builders here by name
(`register_builders`), and `RegistrationConfig.ready` imports those modules, so
the builder is looked up by kind when the row is delivered. A builder reads the
database at that moment and returns an `Email`, or None when nothing is due any
more (a reminder for consent signed meanwhile is simply not sent).

Each e-mail has three templates under templates/emails/: `<name>_subject.txt`,
`<name>.txt` and `<name>.html`, rendered in the recipient's language and the
event's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from registration.models import (
    Attendee,
    Delegation,
    Event,
    Order,
    OutboxMessage,
    YouthDetails,
)


@dataclass
class Email:
    template: str
    to: list[str]
    language: str
    context: dict = field(default_factory=dict)
    reply_to: list[str] = field(default_factory=list)
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)
    # Extra headers, such as a staff mailing's List-Unsubscribe (RFC 8058).
    headers: dict[str, str] = field(default_factory=dict)


Builder = Callable[[dict], Email | None]

# Message name (the outbox kind without "email.") → the function that builds it.
BUILDERS: dict[str, Builder] = {}


def register_builders(builders: dict[str, Builder]) -> None:
    """Make `builders` available by name; two packages may not claim one name."""
    for name, builder in builders.items():
        if BUILDERS.setdefault(name, builder) is not builder:
            raise ImproperlyConfigured(f"Two e-mail builders are named {name!r}.")


# Public links the e-mails carry, in the recipient's language.


def absolute_url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, args=args)


def order_url(order: Order) -> str:
    return absolute_url(
        "registration:order", order.code, order.secret, language=order.language
    )


def registration_url(event: Event, language: str) -> str:
    """The first step of the event's checkout, where anyone registers."""
    return absolute_url("registration:checkout", event.slug, language=language)


def attendee_url(attendee: Attendee) -> str:
    return absolute_url(
        "registration:attendee", attendee.secret, language=attendee.language
    )


def consent_url(youth: YouthDetails, language: str) -> str:
    return absolute_url("registration:consent", youth.consent_token, language=language)


def delegation_url(delegation: Delegation) -> str:
    return absolute_url(
        "registration:delegation",
        delegation.secret,
        language=delegation.leader_language,
    )


def reply_to(order_or_event) -> list[str]:
    """Replies go to the event's contact address, when it has one."""
    event = getattr(order_or_event, "event", order_or_event)
    return [event.contact_email] if event.contact_email else []


def render_email(email: Email) -> EmailMultiAlternatives:
    """Subject, text and HTML in the recipient's language and the event's time zone."""
    event = email.context.get("event")
    context = {**email.context, "site_url": settings.SITE_URL}
    with (
        translation.override(email.language),
        timezone.override(event.tz if event else timezone.get_current_timezone()),
    ):
        subject = " ".join(
            render_to_string(f"emails/{email.template}_subject.txt", context).split()
        )
        text = render_to_string(f"emails/{email.template}.txt", context)
        html = render_to_string(f"emails/{email.template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=email.reply_to or None,
        headers=email.headers or None,
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mime_type in email.attachments:
        message.attach(filename, content, mime_type)
    return message


def send_email_message(outbox_message: OutboxMessage) -> bool:
    """Build and send the e-mail an outbox row stands for; False if nothing is due any more."""
    name = outbox_message.kind.removeprefix("email.")
    try:
        builder = BUILDERS[name]
    except KeyError:
        raise LookupError(f"No e-mail builder is registered for {name!r}.") from None
    email = builder(outbox_message.payload)
    if email is None:
        return False
    message = render_email(email)
    # The same row always gets the same Message-ID, so a repeat after a crash
    # is recognised as a duplicate by mail systems.
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    message.extra_headers["Message-ID"] = f"<outbox-{outbox_message.pk}@{domain}>"
    message.send()
    return True
