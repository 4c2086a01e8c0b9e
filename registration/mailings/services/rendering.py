"""One reader's version of a mailing: their language, their placeholders.

The preview on the compose screen and the e-mail itself come from here, so
what staff see is what the reader gets.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import override

from registration.mailings.placeholders import render_html, render_text
from registration.mailings.services.opt_out import unsubscribe_token
from registration.models import Mailing
from registration.outbox.mail import attendee_url, delegation_url, order_url


@dataclass(frozen=True)
class RenderedMessage:
    language: str
    subject: str
    text: str
    html: SafeString
    unsubscribe_url: str


def placeholder_values(mailing: Mailing, reader) -> dict[str, str]:
    """The values of a reader (a selectors.Recipient or a MailingRecipient)."""
    values = {"name": reader.name or "", "event": mailing.event.name}
    if reader.order is not None:
        values["order_link"] = order_url(reader.order)
    if reader.attendee is not None:
        values["ticket_link"] = attendee_url(reader.attendee)
    if reader.delegation is not None:
        values["delegation_link"] = delegation_url(reader.delegation)
    return values


def unsubscribe_url(email: str, language: str) -> str:
    """The one-click unsubscribe page of `email`, in `language`."""
    with override(language):
        path = reverse("registration:unsubscribe", args=[unsubscribe_token(email)])
    return settings.SITE_URL + path


def render_for(mailing: Mailing, reader) -> RenderedMessage:
    """Subject, plain text and HTML of `mailing` as `reader` gets it."""
    language = mailing.language_for(reader.language)
    values = placeholder_values(mailing, reader)
    body = mailing.body_in(language)
    return RenderedMessage(
        language=language,
        # Values go into a one-line header: no line breaks.
        subject=" ".join(render_text(mailing.subject_in(language), values).split()),
        text=render_text(body, values),
        html=render_html(body, values),
        unsubscribe_url=unsubscribe_url(reader.email, language),
    )
