"""The waiting list in the Registration menu group.

Offers go out by themselves (the periodic loop, services.py,
first come first served). Staff holding `registration.change_waitinglistentry`
(Registration managers) may offer the places to someone now, when they are
free, or take someone off the list; each is confirmed on its own page, sent
as a POST with CSRF, and logged by the service. The reservation token is a
secret and never shown.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from registration import admin_menus
from registration.admin_links import EditOrInspectLinks
from registration.errors import RegistrationError
from registration.models import Event, WaitingListEntry, WaitingListStatus
from registration.staff import access as staff_access
from registration.waiting_list import services as waiting_list


class WaitingListFilterSet(WagtailFilterSet):
    event = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Event"), queryset=Event.objects.order_by("-starts_at")
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=WaitingListStatus.choices
    )

    class Meta:
        model = WaitingListEntry
        fields = []


def entry_action_buttons(entry: WaitingListEntry, user, button_class=Button) -> list:
    if not staff_access.can_manage_waiting_list(user):
        return []
    buttons = []
    if entry.status == WaitingListStatus.WAITING:
        buttons.append(
            button_class(
                _("Offer places now"),
                url=reverse("waiting_list:offer", args=[entry.pk]),
                icon_name="mail",
                priority=30,
            )
        )
    if entry.status in {WaitingListStatus.WAITING, WaitingListStatus.OFFERED}:
        buttons.append(
            button_class(
                _("Take off the list"),
                url=reverse("waiting_list:cancel", args=[entry.pk]),
                icon_name="cross",
                priority=31,
            )
        )
    return buttons


class WaitingListIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            *entry_action_buttons(instance, self.request.user),
        ]


class WaitingListInspectView(InspectView):
    @cached_property
    def header_more_buttons(self):
        return entry_action_buttons(self.object, self.request.user)


class CancelEntryForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Kept in the log (asked by the person, duplicate, …)."),
    )


class EntryActionView(WagtailAdminTemplateMixin, FormView):
    template_name = "registration/waiting_list/admin/action.html"
    header_icon = "time"
    form_class = forms.Form
    action = ""

    def dispatch(self, request, *args, **kwargs):
        if not staff_access.can_manage_waiting_list(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def entry(self) -> WaitingListEntry:
        return get_object_or_404(
            WaitingListEntry.objects.select_related("event", "ticket_type"),
            pk=self.kwargs["pk"],
        )

    @property
    def inspect_url(self) -> str:
        return reverse("waiting_list:inspect", args=[self.entry.pk])

    def get_page_subtitle(self):
        return self.entry.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("waiting_list:index"), "label": _("Waiting list")},
            {"url": self.inspect_url, "label": self.entry.name},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "entry": self.entry,
            "action": self.action,
            "inspect_url": self.inspect_url,
        }

    def perform(self, form) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            message = self.perform(form)
        except RegistrationError as error:
            messages.error(self.request, error.message)
        else:
            messages.success(self.request, message)
        return redirect(self.inspect_url)


class OfferEntryView(EntryActionView):
    page_title = gettext_lazy("Offer places now")
    action = "offer"

    def perform(self, form) -> str:
        entry = waiting_list.offer_waiting_list_entry(self.entry, by=self.request.user)
        return _("%(name)s is offered %(n)s places until %(when)s.") % {
            "name": entry.name,
            "n": entry.quantity,
            "when": entry.offer_expires_at.astimezone(entry.event.tz).strftime(
                "%Y-%m-%d %H:%M"
            ),
        }


class CancelEntryView(EntryActionView):
    page_title = gettext_lazy("Take off the waiting list")
    form_class = CancelEntryForm
    action = "cancel"

    def perform(self, form) -> str:
        entry = waiting_list.cancel_waiting_list_entry(
            self.entry, by=self.request.user, reason=form.cleaned_data["reason"]
        )
        return _("%(name)s is off the waiting list.") % {"name": entry.name}


class WaitingListViewSet(EditOrInspectLinks, ModelViewSet):
    """People join from the public page, offers go out by themselves."""

    model = WaitingListEntry
    icon = "time"
    menu_label = gettext_lazy("Waiting list")
    menu_order = 130
    filterset_class = WaitingListFilterSet
    index_view_class = WaitingListIndexView
    inspect_view_class = WaitingListInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "name",
        "email",
        "event",
        "ticket_type",
        "quantity",
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        "created_at",
        "offer_expires_at",
    ]
    search_fields = ["name", "email"]
    # The token is the reservation link's secret: never shown.
    inspect_view_fields = [
        "name",
        "email",
        "event",
        "ticket_type",
        "quantity",
        "language",
        "status",
        "offered_at",
        "offer_expires_at",
        "order",
        "created_at",
    ]
    ordering = ["created_at", "pk"]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "copy_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=WaitingListEntry.objects.select_related("event", "ticket_type"),
            **kwargs,
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("offer/<int:pk>/", OfferEntryView.as_view(), name="offer"),
            path("cancel/<int:pk>/", CancelEntryView.as_view(), name="cancel"),
        ]


admin_menus.join(
    admin_menus.REGISTRATION, WaitingListViewSet("waiting_list"), position=40
)
