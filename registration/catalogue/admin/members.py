"""Member organisations in the Wagtail admin (Registration menu): the codes that
unlock members-only tickets and member prices."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from wagtail.admin.viewsets.model import ModelViewSet

from registration import admin_menus
from registration.models import MemberOrganisation


class MemberOrganisationViewSet(ModelViewSet):
    model = MemberOrganisation
    icon = "group"
    menu_label = gettext_lazy("Member organisations")
    menu_order = 300
    form_fields = ["name", "code", "events", "valid_until", "is_active"]
    list_display = ["name", "code", "valid_until", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    copy_view_enabled = False


admin_menus.join(
    admin_menus.REGISTRATION,
    MemberOrganisationViewSet("member_organisations"),
    position=60,
)
