"""Forms for the staff screens: cross-field checks the models cannot make alone."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm


class EventAdminForm(WagtailAdminModelForm):
    """The event with its ticket types, extras and questions edited inline."""

    def clean(self):
        cleaned = super().clean()
        own_ticket_types = set()
        if self.instance.pk:
            own_ticket_types = set(
                self.instance.ticket_types.values_list("pk", flat=True)
            )
        for question_form in self.formsets.get("questions", {}).forms:
            chosen = question_form.cleaned_data.get("ticket_types") or []
            if any(ticket_type.pk not in own_ticket_types for ticket_type in chosen):
                question_form.add_error(
                    "ticket_types",
                    _("Choose only ticket types of this event."),
                )
        return cleaned


class VoucherAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("ticket_types")
        if field is not None:
            field.queryset = field.queryset.select_related("event").order_by(
                "event__starts_at", "sort_order"
            )
            field.label_from_instance = lambda tt: f"{tt.event.name} — {tt.name}"
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)

    def clean(self):
        cleaned = super().clean()
        event = cleaned.get("event")
        ticket_types = cleaned.get("ticket_types") or []
        if event and any(tt.event_id != event.pk for tt in ticket_types):
            self.add_error(
                "ticket_types", _("Choose only ticket types of the voucher's event.")
            )
        return cleaned
