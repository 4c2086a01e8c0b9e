"""The "Reports and data" menu group: reports, exports and imports.

Imported from wagtail_hooks.py; each screen checks its own permissions and
its menu item is shown only to staff who may use it.
"""

from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from registration.staff.admin.exports import ExportViewSet
from registration.staff.admin.imports import ImportViewSet
from registration.staff.admin.reports import ReportViewSet


class DataMenuGroup(ViewSetGroup):
    menu_label = gettext_lazy("Reports and data")
    menu_icon = "table"
    menu_order = 230
    items = (ReportViewSet(), ExportViewSet(), ImportViewSet())


@hooks.register("register_admin_viewset")
def register_data_menu():
    return DataMenuGroup()
