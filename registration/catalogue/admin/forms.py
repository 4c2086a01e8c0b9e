"""Forms for the staff screens: cross-field checks the models cannot make alone.

Staff think in the event's local time ("doors open 9:00 in Chicago"), so every
date and time of an event, its ticket and extra sale windows and its vouchers
is shown and entered as wall-clock time in the event's own time zone, and
stored as an aware UTC datetime.
"""

import zoneinfo
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

EVENT_DATETIME_FIELDS = (
    "starts_at",
    "ends_at",
    "registration_opens_at",
    "registration_closes_at",
    "attendee_edit_until",
    "buyer_cancellation_until",
)
SALE_WINDOW_FIELDS = ("available_from", "available_until")
VOUCHER_DATETIME_FIELDS = ("valid_from", "valid_until")


def _zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _as_wall_time(value: datetime | None, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """Stored UTC → the naive wall-clock time a form field shows as is."""
    return timezone.localtime(value, tz).replace(tzinfo=None) if value else value


def _read_as_wall_time(
    value: datetime | None, tz: zoneinfo.ZoneInfo
) -> datetime | None:
    """A value the form read in the active zone → the same wall time in `tz`."""
    if value is None:
        return None
    return timezone.make_aware(timezone.make_naive(value), tz)


def _show_in_zone(form: forms.ModelForm, names, tz) -> None:
    if form.instance.pk:
        for name in names:
            if name in form.fields:
                form.initial[name] = _as_wall_time(getattr(form.instance, name), tz)


def _read_in_zone(form: forms.BaseForm, names, tz) -> None:
    cleaned = getattr(form, "cleaned_data", None)
    if cleaned is None:
        return
    for name in names:
        if cleaned.get(name) is not None:
            cleaned[name] = _read_as_wall_time(cleaned[name], tz)
            # Child forms built their instance already; keep it in step.
            setattr(form.instance, name, cleaned[name])


class EventAdminForm(WagtailAdminModelForm):
    """The event with its ticket types, extras and questions edited inline."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tz = _zone(self.instance.time_zone) if self.instance.pk else None
        if tz:
            _show_in_zone(self, EVENT_DATETIME_FIELDS, tz)
            for name in ("ticket_types", "extras"):
                for child in self.formsets[name].forms:
                    _show_in_zone(child, SALE_WINDOW_FIELDS, tz)

    def clean(self):
        cleaned = super().clean()
        tz = _zone(cleaned.get("time_zone"))
        if tz:
            _read_in_zone(self, EVENT_DATETIME_FIELDS, tz)
            for name in ("ticket_types", "extras"):
                for child in self.formsets[name].forms:
                    # ClusterForm validates inline forms after this clean(): do
                    # it now (the result is cached) so their times can be re-read.
                    child.errors  # noqa: B018
                    _read_in_zone(child, SALE_WINDOW_FIELDS, tz)
        self._check_question_ticket_types()
        return cleaned

    def _check_question_ticket_types(self) -> None:
        own_ticket_types = set()
        if self.instance.pk:
            own_ticket_types = set(
                self.instance.ticket_types.values_list("pk", flat=True)
            )
        for question_form in self.formsets["questions"].forms:
            question_form.errors  # noqa: B018  (validates it now, as above)
            chosen = (
                getattr(question_form, "cleaned_data", {}).get("ticket_types") or []
            )
            if any(ticket_type.pk not in own_ticket_types for ticket_type in chosen):
                question_form.add_error(
                    "ticket_types", _("Choose only ticket types of this event.")
                )


class VoucherAdminForm(WagtailAdminModelForm):
    """A voucher of one event; its validity is in that event's time zone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("ticket_types")
        if field is not None:
            field.queryset = field.queryset.select_related("event").order_by(
                "event__starts_at", "sort_order"
            )
            field.label_from_instance = lambda tt: f"{tt.event.name} — {tt.name}"
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
        if self.instance.pk:
            _show_in_zone(self, VOUCHER_DATETIME_FIELDS, self.instance.event.tz)

    def clean(self):
        cleaned = super().clean()
        event = cleaned.get("event")
        if event:
            _read_in_zone(self, VOUCHER_DATETIME_FIELDS, event.tz)
        ticket_types = cleaned.get("ticket_types") or []
        if event and any(tt.event_id != event.pk for tt in ticket_types):
            self.add_error(
                "ticket_types", _("Choose only ticket types of the voucher's event.")
            )
        return cleaned
