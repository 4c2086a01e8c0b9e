"""The demo's scheduled rule (`manage.py seed_demo`, idempotent): "Know before
you go", to every attendee of the conference seven days before it starts, in
English, Spanish and French. It is left paused: staff start it."""

from __future__ import annotations

from registration.mailings.selectors import AudienceFilters
from registration.mailings.services.compose import MailingDraft, check_draft
from registration.models import Audience, Event, Mailing, MailingStatus, Schedule

RULE_NAME = "Know before you go"

TEXTS = {
    "subject_en": "{event}: know before you go",
    "body_en": (
        "Dear {name},\n\n{event} starts in a week. Your ticket, with its QR code "
        "for the door, is here:\n{ticket_link}\n\nBring it on your phone or "
        "printed, with an ID. Registration opens at 8:00 in the main lobby.\n\n"
        "See you soon!"
    ),
    "subject_es": "{event}: antes de ir",
    "body_es": (
        "Estimado/a {name}:\n\n{event} empieza en una semana. Su entrada, con el "
        "código QR para la puerta, está aquí:\n{ticket_link}\n\nTráigala en el "
        "teléfono o impresa, con un documento de identidad. La acreditación abre "
        "a las 8:00 en el vestíbulo principal.\n\n¡Hasta pronto!"
    ),
    "subject_fr": "{event} : avant de partir",
    "body_fr": (
        "Bonjour {name},\n\n{event} commence dans une semaine. Votre billet, avec "
        "son code QR pour l'entrée, est ici :\n{ticket_link}\n\nApportez-le sur "
        "votre téléphone ou imprimé, avec une pièce d'identité. L'accueil ouvre à "
        "8 h dans le hall principal.\n\nÀ bientôt !"
    ),
}


def seed_mailing_rule(event: Event) -> Mailing:
    """The paused "Know before you go" rule of `event` (created once)."""
    draft = MailingDraft(
        name=RULE_NAME,
        audience=Audience.ATTENDEES,
        filters=AudienceFilters(),
        texts=TEXTS,
        schedule=Schedule.BEFORE_START,
        schedule_days=7,
    )
    check_draft(event, draft)
    rule, _created = Mailing.objects.get_or_create(
        event=event,
        name=RULE_NAME,
        defaults={
            "audience": draft.audience,
            "filters": draft.filters.as_json(),
            "schedule": draft.schedule,
            "schedule_days": draft.schedule_days,
            "status": MailingStatus.PAUSED,
            **TEXTS,
        },
    )
    return rule
