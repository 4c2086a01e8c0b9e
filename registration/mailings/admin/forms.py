"""The compose form: audience, filters, the three language versions, a schedule.

The form only collects; mailings/services/compose.py checks, and its field
errors (`subject_es`, `filters.extras`) are put back on these fields by name.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from registration.mailings.selectors import AudienceFilters
from registration.mailings.services.compose import MailingDraft
from registration.models import Audience, Event, OrderStatus, Schedule

CHECKED_IN_CHOICES = [
    ("", _("Anyone")),
    ("yes", _("Checked in")),
    ("no", _("Not checked in")),
]
SCHEDULE_CHOICES = [("", _("Once, when I press Send")), *Schedule.choices]
# Service field names → this form's fields.
FIELD_NAMES = {
    "filters.ticket_types": "ticket_types",
    "filters.extras": "extras",
    "filters.delegations": "delegations",
    "filters": "consent_outstanding",
}
LANGUAGE_VERSIONS = (("en", _("English")), ("es", _("Spanish")), ("fr", _("French")))


def _checkboxes(label, **kwargs):
    return forms.MultipleChoiceField(
        label=label, required=False, widget=forms.CheckboxSelectMultiple, **kwargs
    )


class MailingForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("For staff only; readers never see it."),
    )
    audience = forms.ChoiceField(
        label=_("Send to"), choices=Audience.choices, widget=forms.RadioSelect
    )
    ticket_types = _checkboxes(_("Ticket types"))
    extras = _checkboxes(_("Extras"))
    order_statuses = _checkboxes(
        _("Order status"),
        choices=OrderStatus.choices,
        help_text=_("None ticked: paid, pending and awaiting approval."),
    )
    delegations = _checkboxes(_("Delegations"))
    countries = _checkboxes(_("Countries"))
    checked_in = forms.ChoiceField(
        label=_("Check-in"), choices=CHECKED_IN_CHOICES, required=False
    )
    consent_outstanding = forms.BooleanField(
        label=_("Guardian consent outstanding"), required=False
    )
    travel_missing = forms.BooleanField(
        label=_("Travel details missing"),
        required=False,
        help_text=_("No arrival or no departure entered."),
    )
    schedule = forms.ChoiceField(
        label=_("When"), choices=SCHEDULE_CHOICES, required=False
    )
    schedule_days = forms.IntegerField(
        label=_("Days"), min_value=0, max_value=365, initial=7, required=False
    )
    subject_en = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body_en = forms.CharField(label=_("Message"), widget=forms.Textarea, required=False)
    subject_es = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body_es = forms.CharField(label=_("Message"), widget=forms.Textarea, required=False)
    subject_fr = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body_fr = forms.CharField(label=_("Message"), widget=forms.Textarea, required=False)

    def __init__(self, *args, event: Event, with_youth: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        fields = self.fields
        fields["ticket_types"].choices = [
            (tt.pk, tt.name) for tt in event.ticket_types.order_by("name")
        ]
        fields["extras"].choices = [
            (x.pk, x.name) for x in event.extras.order_by("name")
        ]
        fields["delegations"].choices = [
            (d.pk, d.name) for d in event.delegations.order_by("name")
        ]
        codes = set(
            event.orders.values_list("attendees__country", flat=True).distinct()
        )
        fields["countries"].choices = [
            (code, name) for code, name in countries if code in codes
        ]
        if not with_youth:
            fields["audience"].choices = [
                c for c in Audience.choices if c[0] != Audience.GUARDIANS
            ]
            del fields["consent_outstanding"]

    def language_versions(self):
        """(code, label, subject field, body field) for the three language panels."""
        return [
            (code, label, self[f"subject_{code}"], self[f"body_{code}"])
            for code, label in LANGUAGE_VERSIONS
        ]

    def filter_fields(self):
        names = (
            "ticket_types",
            "extras",
            "order_statuses",
            "delegations",
            "countries",
            "checked_in",
            "consent_outstanding",
            "travel_missing",
        )
        return [self[name] for name in names if name in self.fields]

    def to_draft(self) -> MailingDraft:
        data = self.cleaned_data
        checked_in = {"yes": True, "no": False}.get(data.get("checked_in") or "")
        return MailingDraft(
            name=data["name"],
            audience=data["audience"],
            filters=AudienceFilters(
                ticket_types=tuple(int(pk) for pk in data["ticket_types"]),
                extras=tuple(int(pk) for pk in data["extras"]),
                order_statuses=tuple(data["order_statuses"]),
                delegations=tuple(int(pk) for pk in data["delegations"]),
                countries=tuple(data["countries"]),
                checked_in=checked_in,
                consent_outstanding=bool(data.get("consent_outstanding")),
                travel_missing=bool(data["travel_missing"]),
            ),
            texts={
                f"{part}_{code}": data.get(f"{part}_{code}", "")
                for code, _label in LANGUAGE_VERSIONS
                for part in ("subject", "body")
            },
            schedule=data.get("schedule") or "",
            schedule_days=data.get("schedule_days") or 0,
        )

    def add_service_errors(self, by_field: dict) -> None:
        for name, errors in by_field.items():
            field = FIELD_NAMES.get(name, name)
            field = field if field in self.fields else None
            for error in errors:
                self.add_error(field, error.message)


def initial_from_draft(draft: MailingDraft) -> dict:
    filters = draft.filters
    return {
        "name": draft.name,
        "audience": draft.audience,
        "ticket_types": [str(pk) for pk in filters.ticket_types],
        "extras": [str(pk) for pk in filters.extras],
        "order_statuses": list(filters.order_statuses),
        "delegations": [str(pk) for pk in filters.delegations],
        "countries": list(filters.countries),
        "checked_in": {True: "yes", False: "no"}.get(filters.checked_in, ""),
        "consent_outstanding": filters.consent_outstanding,
        "travel_missing": filters.travel_missing,
        "schedule": draft.schedule,
        "schedule_days": draft.schedule_days,
        **draft.texts,
    }
