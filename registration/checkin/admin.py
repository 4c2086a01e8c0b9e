"""Staff screens for door check-in: lists, devices (pair, revoke), live dashboard.

Imported from wagtail_hooks.py; registers its own "Check-in" menu group.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from registration.checkin.services.devices import (
    PAIRING_MINUTES,
    revoke_device,
    start_pairing,
)
from registration.checkin.services.scans import checkin_dashboard
from registration.models import CheckInList, Device
from registration.programme.selectors import session_attendance


class CheckInListViewSet(ModelViewSet):
    model = CheckInList
    icon = "list-ul"
    menu_label = _("Check-in lists")
    list_display = [
        "name",
        "event",
        "opens_at",
        "closes_at",
        "allow_reentry",
        "track_exits",
    ]
    list_filter = ["event"]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("event"), FieldPanel("name")]),
            MultiFieldPanel(
                [
                    FieldPanel("all_ticket_types"),
                    FieldPanel("ticket_types"),
                    FieldPanel("extras"),
                    FieldPanel("session"),
                ],
                heading=_("Who is admitted"),
            ),
            FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
            FieldRowPanel([FieldPanel("allow_reentry"), FieldPanel("track_exits")]),
        ]
    )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=CheckInList.objects.select_related("event"), **kwargs
        )


class DeviceActionsColumn(Column):
    """Pair and revoke links for each device row."""

    def __init__(self, viewset):
        super().__init__("actions", label=_("Actions"))
        self.viewset = viewset

    def get_value(self, instance):
        if instance.is_revoked:
            return _("Revoked")
        return format_html(
            '<a class="button button-small button-secondary" href="{}">{}</a> '
            '<a class="button button-small button-secondary no" href="{}">{}</a>',
            reverse(self.viewset.get_url_name("pair"), args=[instance.pk]),
            _("Pair a phone"),
            reverse(self.viewset.get_url_name("revoke"), args=[instance.pk]),
            _("Revoke"),
        )

    def render_cell_html(self, instance, parent_context):
        return format_html("<td>{}</td>", self.get_value(instance))


class DeviceViewSet(ModelViewSet):
    model = Device
    icon = "mobile-alt"
    menu_label = _("Devices")
    form_fields = ["name", "events"]
    list_filter = ["events"]
    search_fields = ["name"]

    @property
    def list_display(self):
        return [
            "name",
            "token_prefix",
            "paired_at",
            "last_seen_at",
            "revoked_at",
            DeviceActionsColumn(self),
        ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/pair/", self.pair_view, name="pair"),
            path("<int:pk>/revoke/", self.revoke_view, name="revoke"),
        ]

    def _device(self, request, pk) -> Device:
        if not request.user.has_perm("registration.change_device"):
            raise PermissionDenied
        return get_object_or_404(Device, pk=pk)

    def pair_view(self, request, pk):
        """GET explains, POST makes a one-time code and shows it with its QR."""
        device = self._device(request, pk)
        context = {
            "device": device,
            "minutes": PAIRING_MINUTES,
            "index_url": reverse(self.get_url_name("index")),
            "header_icon": self.icon,
            "page_title": _("Pair %(device)s") % {"device": device.name},
        }
        if request.method == "POST":
            if device.is_revoked:
                messages.error(request, _("A revoked device cannot be paired."))
                return redirect(self.get_url_name("index"))
            from registration.documents.services.rendering import qr_data_uri

            code = start_pairing(device, by=request.user)
            link = request.build_absolute_uri(f"/checkin/#pair={code}")
            context.update(
                {
                    "code": f"{code[:4]}-{code[4:]}",
                    "link": link,
                    "qr": qr_data_uri(link),
                    "expires_at": device.pairing_expires_at,
                }
            )
        return TemplateResponse(
            request, "registration/checkin/admin/pair.html", context
        )

    def revoke_view(self, request, pk):
        device = self._device(request, pk)
        if request.method == "POST":
            revoke_device(device, by=request.user)
            messages.success(
                request, _("%(device)s is revoked.") % {"device": device.name}
            )
            return redirect(self.get_url_name("index"))
        return TemplateResponse(
            request,
            "registration/checkin/admin/revoke.html",
            {
                "device": device,
                "index_url": reverse(self.get_url_name("index")),
                "header_icon": self.icon,
                "page_title": _("Revoke %(device)s") % {"device": device.name},
            },
        )


class DashboardViewSet(ViewSet):
    """Live numbers for one list: checked in versus expected, youth in and out."""

    name = "checkin_dashboard"
    icon = "view"
    menu_label = _("Dashboard")

    def get_urlpatterns(self):
        return [path("", self.dashboard_view, name="index")]

    def dashboard_view(self, request):
        if not request.user.has_perm("registration.view_checkinlist"):
            raise PermissionDenied
        lists = list(
            CheckInList.objects.select_related("event").order_by(
                "-event__starts_at", "name"
            )
        )
        chosen = None
        wanted = request.GET.get("list")
        if wanted and wanted.isdigit():
            chosen = next((item for item in lists if item.pk == int(wanted)), None)
        if chosen is None and lists:
            chosen = lists[0]
        context = {
            "lists": lists,
            "chosen": chosen,
            "header_icon": self.icon,
            "page_title": _("Check-in dashboard"),
            "refresh_seconds": 15,
        }
        if chosen is not None:
            context["board"] = checkin_dashboard(chosen)
            context["event"] = chosen.event
            context["sessions"] = session_attendance(chosen.event)
        return TemplateResponse(
            request, "registration/checkin/admin/dashboard.html", context
        )


class CheckInMenuGroup(ViewSetGroup):
    menu_label = _("Check-in")
    menu_icon = "tick-inverse"
    menu_order = 250
    items = (
        DashboardViewSet(),
        CheckInListViewSet("checkin_lists"),
        DeviceViewSet("checkin_devices"),
    )


@hooks.register("register_admin_viewset")
def register_checkin_menu():
    return CheckInMenuGroup()
