"""Writing a mailing: who may, which placeholders each audience has, the checks.

Every face saves through `save_mailing`, so the admin form and the API refuse
the same things with the same field names (`subject_es`, `body_fr`,
`schedule_days`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.errors import MailingError, MailingInvalid
from registration.mailings.placeholders import PlaceholderError, check_placeholders
from registration.mailings.selectors import AudienceFilters
from registration.models import (
    Audience,
    Event,
    Extra,
    Mailing,
    MailingStatus,
    OrderStatus,
    Schedule,
    TicketType,
)
from registration.staff import access

# The placeholders each audience has: a link is offered only to whom it belongs
# (a delegation's page is its leader's, never a member's).
AUDIENCE_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    Audience.BUYERS: ("name", "event", "order_link"),
    Audience.ATTENDEES: ("name", "event", "ticket_link"),
    Audience.LEADERS: ("name", "event", "delegation_link"),
    Audience.GUARDIANS: ("name", "event"),
}
LANGUAGES = ("en", "es", "fr")
EDITABLE = (MailingStatus.DRAFT, MailingStatus.ACTIVE, MailingStatus.PAUSED)
MAX_SCHEDULE_DAYS = 365


@dataclass
class MailingDraft:
    """What staff wrote: the audience, its filters, the texts and the schedule."""

    name: str
    audience: str
    filters: AudienceFilters = field(default_factory=AudienceFilters)
    texts: dict[str, str] = field(default_factory=dict)  # subject_en, body_es, ...
    schedule: str = ""
    schedule_days: int = 0


def touches_youth_data(audience: str, filters: AudienceFilters) -> bool:
    """Guardians are youth data (DESIGN invariant 7), and so is consent outstanding."""
    return audience == Audience.GUARDIANS or filters.touches_youth_data


def check_mailing_access(user, *, audience: str, filters: AudienceFilters) -> None:
    """Refuse staff without `send_mailing`, and youth audiences or filters to
    staff who may not see youth details."""
    if not access.can_send_mailings(user):
        raise MailingError(_("You may not send mailings."), code="permission_denied")
    if touches_youth_data(audience, filters) and not access.can_see_youth_details(user):
        raise MailingError(
            _("Guardians and consent are youth data, which you may not see."),
            code="permission_denied",
            field="audience" if audience == Audience.GUARDIANS else "filters",
        )


def can_open_mailing(user, mailing: Mailing) -> bool:
    """Whether `user` may see, change and send `mailing`."""
    return access.can_send_mailings(user) and (
        not mailing.touches_youth_data or access.can_see_youth_details(user)
    )


def _text_errors(draft: MailingDraft) -> list[MailingError]:
    errors = []
    allowed = AUDIENCE_PLACEHOLDERS.get(draft.audience, ())
    for language in LANGUAGES:
        subject_field, body_field = f"subject_{language}", f"body_{language}"
        subject = draft.texts.get(subject_field, "").strip()
        body = draft.texts.get(body_field, "").strip()
        if language == "en" or subject or body:
            for name, value in ((subject_field, subject), (body_field, body)):
                if not value:
                    errors.append(
                        MailingError(
                            _("Write the subject and the message of this language.")
                            if language != "en"
                            else _("English is required: it is the fallback."),
                            code="required",
                            field=name,
                        )
                    )
        for name, value in ((subject_field, subject), (body_field, body)):
            try:
                check_placeholders(value, allowed=allowed)
            except PlaceholderError as error:
                errors.append(MailingError(str(error), code="placeholder", field=name))
        if "\n" in subject or "\r" in subject:
            errors.append(
                MailingError(
                    _("A subject is one line."), code="invalid", field=subject_field
                )
            )
    return errors


def _filter_errors(event: Event, draft: MailingDraft) -> list[MailingError]:
    errors = []
    filters = draft.filters
    for name, model, ids in (
        ("ticket_types", TicketType, filters.ticket_types),
        ("extras", Extra, filters.extras),
    ):
        found = set(
            model.objects.filter(event=event, pk__in=ids).values_list("pk", flat=True)
        )
        if set(ids) - found:
            errors.append(
                MailingError(
                    _("Choose among this event's own."),
                    code="invalid",
                    field=f"filters.{name}",
                )
            )
    if set(filters.order_statuses) - set(OrderStatus.values):
        errors.append(
            MailingError(
                _("Choose among the order statuses."),
                code="invalid",
                field="filters.order_statuses",
            )
        )
    if set(filters.delegations) - set(
        event.delegations.filter(pk__in=filters.delegations).values_list(
            "pk", flat=True
        )
    ):
        errors.append(
            MailingError(
                _("Choose among this event's delegations."),
                code="invalid",
                field="filters.delegations",
            )
        )
    return errors


def check_draft(event: Event, draft: MailingDraft) -> None:
    """Raise MailingInvalid with every field error of `draft`."""
    errors = []
    if draft.audience not in Audience.values:
        errors.append(
            MailingError(_("Choose an audience."), code="invalid", field="audience")
        )
    if not draft.name.strip():
        errors.append(MailingError(_("Give it a name."), code="required", field="name"))
    if draft.schedule and draft.schedule not in Schedule.values:
        errors.append(
            MailingError(_("Choose a schedule."), code="invalid", field="schedule")
        )
    if not 0 <= draft.schedule_days <= MAX_SCHEDULE_DAYS:
        errors.append(
            MailingError(
                _("Between 0 and 365 days."), code="invalid", field="schedule_days"
            )
        )
    errors += _text_errors(draft) + _filter_errors(event, draft)
    if errors:
        raise MailingInvalid(errors)


def save_mailing(
    event: Event, *, draft: MailingDraft, by, mailing: Mailing | None = None
) -> Mailing:
    """Create a draft mailing (or rule), or change one not yet sent.

    A scheduled rule is saved paused; `set_rule_active` starts it.
    """
    check_mailing_access(by, audience=draft.audience, filters=draft.filters)
    if mailing is not None and mailing.status not in EDITABLE:
        raise MailingError(
            _("A mailing already sent cannot be changed."), code="already_sent"
        )
    check_draft(event, draft)
    creating = mailing is None
    mailing = mailing or Mailing(event=event, created_by=by)
    mailing.name = draft.name.strip()
    mailing.audience = draft.audience
    mailing.filters = draft.filters.as_json()
    mailing.touches_youth_data = touches_youth_data(draft.audience, draft.filters)
    for language in LANGUAGES:
        for part in ("subject", "body"):
            name = f"{part}_{language}"
            setattr(mailing, name, draft.texts.get(name, "").strip())
    mailing.schedule = draft.schedule
    mailing.schedule_days = draft.schedule_days if draft.schedule else 0
    if creating and draft.schedule:
        mailing.status = MailingStatus.PAUSED
    with transaction.atomic():
        mailing.save()
        log_activity(
            mailing,
            action="mailing.written" if creating else "mailing.changed",
            actor=by,
            event=event,
            data={"audience": mailing.audience, "schedule": mailing.schedule},
        )
    return mailing


def set_rule_active(mailing: Mailing, *, active: bool, by) -> Mailing:
    """Start or pause a scheduled rule; the periodic loop sends only active ones."""
    check_mailing_access(
        by,
        audience=mailing.audience,
        filters=AudienceFilters.from_json(mailing.filters),
    )
    if not mailing.is_rule:
        raise MailingError(
            _("Only a scheduled rule is started or paused."), code="not_a_rule"
        )
    mailing.status = MailingStatus.ACTIVE if active else MailingStatus.PAUSED
    with transaction.atomic():
        mailing.save(update_fields=["status"])
        log_activity(
            mailing,
            action="mailing.rule_started" if active else "mailing.rule_paused",
            actor=by,
            event=mailing.event,
        )
    return mailing


def draft_from_mailing(mailing: Mailing) -> MailingDraft:
    """The draft a saved mailing was made from (to fill a form again)."""
    return MailingDraft(
        name=mailing.name,
        audience=mailing.audience,
        filters=AudienceFilters.from_json(mailing.filters),
        texts={
            f"{part}_{language}": getattr(mailing, f"{part}_{language}")
            for language in LANGUAGES
            for part in ("subject", "body")
        },
        schedule=mailing.schedule,
        schedule_days=mailing.schedule_days,
    )
