"""Vouchers in the Registration menu group, with bulk creation.

`/admin/vouchers/bulk/`: N codes `<PREFIX>-<8 random characters>` for one
event, all with the same kind, value, ticket types, uses and validity (times
in the event's zone), made by services/vouchers.create_vouchers and listed
afterwards for copying. Needs `registration.add_voucher`.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.admin.widgets.button import HeaderButton

from registration import admin_menus
from registration.catalogue.admin.events import VoucherViewSet
from registration.catalogue.admin.forms import _read_as_wall_time
from registration.catalogue.services import vouchers
from registration.models import Event, TicketType, VoucherKind
from registration.staff import access as staff_access


class TicketTypeChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.event.name} — {obj.name}"


class BulkVoucherForm(forms.Form):
    event = forms.ModelChoiceField(
        label=gettext_lazy("Event"), queryset=Event.objects.order_by("-starts_at")
    )
    count = forms.IntegerField(
        label=gettext_lazy("How many"),
        min_value=1,
        max_value=vouchers.MAX_BULK_VOUCHERS,
        initial=10,
    )
    prefix = forms.CharField(
        label=gettext_lazy("Prefix"),
        max_length=40 - vouchers.SUFFIX_LENGTH - 1,
        help_text=gettext_lazy(
            "Codes read PREFIX-XXXXXXXX; letters, digits, hyphens, underscores."
        ),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=VoucherKind.choices)
    value = forms.DecimalField(
        label=gettext_lazy("Value"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text=gettext_lazy("Percent (0–100), amount off, or the set price."),
    )
    ticket_types = TicketTypeChoice(
        label=gettext_lazy("Valid for ticket types"),
        queryset=TicketType.objects.select_related("event").order_by(
            "-event__starts_at", "sort_order"
        ),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every ticket type of the event."),
    )
    max_uses = forms.IntegerField(
        label=gettext_lazy("Uses per code"),
        min_value=1,
        required=False,
        initial=1,
        help_text=gettext_lazy("Attendees per code; empty: unlimited."),
    )
    valid_from = forms.DateTimeField(
        label=gettext_lazy("Valid from"), required=False, widget=AdminDateTimeInput
    )
    valid_until = forms.DateTimeField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=gettext_lazy("Both in the event's time zone."),
    )
    unlocks_hidden_tickets = forms.BooleanField(
        label=gettext_lazy("Unlocks hidden ticket types"), required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Internal note"), max_length=200, required=False
    )

    def clean(self):
        cleaned = super().clean()
        event = cleaned.get("event")
        if event is not None:
            for name in ("valid_from", "valid_until"):
                cleaned[name] = _read_as_wall_time(cleaned.get(name), event.tz)
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end <= start:
            self.add_error("valid_until", _("Choose a moment after “valid from”."))
        return cleaned

    def settings(self) -> vouchers.VoucherSettings:
        data = self.cleaned_data
        return vouchers.VoucherSettings(
            kind=data["kind"],
            value=data["value"],
            ticket_types=tuple(data["ticket_types"]),
            max_uses=data["max_uses"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            unlocks_hidden_tickets=data["unlocks_hidden_tickets"],
            note=data["note"],
        )


class BulkVoucherView(WagtailAdminTemplateMixin, FormView):
    template_name = "registration/catalogue/admin/vouchers/bulk.html"
    form_class = BulkVoucherForm
    page_title = gettext_lazy("Create vouchers in bulk")
    header_icon = "tag"

    def dispatch(self, request, *args, **kwargs):
        if not staff_access.can_create_vouchers(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("vouchers:index"), "label": _("Vouchers")},
            {"url": "", "label": self.get_page_title()},
        ]

    def form_valid(self, form):
        event = form.cleaned_data["event"]
        try:
            created = vouchers.create_vouchers(
                event,
                count=form.cleaned_data["count"],
                prefix=form.cleaned_data["prefix"],
                settings=form.settings(),
                by=self.request.user,
            )
        except vouchers.VoucherError as error:
            form.add_error(error.field if error.field in form.fields else None, error)
            return self.form_invalid(form)
        return TemplateResponse(
            self.request,
            "registration/catalogue/admin/vouchers/created.html",
            {
                **self.get_context_data(form=form),
                "event": event,
                "codes": [voucher.code for voucher in created],
                "page_title": _("Vouchers created"),
            },
        )

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class VoucherIndexView(IndexView):
    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if staff_access.can_create_vouchers(self.request.user):
            buttons.append(
                HeaderButton(
                    _("Create in bulk"),
                    url=reverse("vouchers:bulk"),
                    icon_name="plus",
                    priority=20,
                )
            )
        return buttons


class BulkVoucherViewSet(VoucherViewSet):
    """The Events screen's vouchers, plus bulk creation, in the Registration group."""

    index_view_class = VoucherIndexView
    menu_order = 120

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("bulk/", BulkVoucherView.as_view(), name="bulk"),
        ]


admin_menus.join(admin_menus.REGISTRATION, BulkVoucherViewSet("vouchers"), position=30)
