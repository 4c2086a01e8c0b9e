"""Privacy actions on one attendee: download their data, erase them.

Both start from the attendee's row on the order page. The data comes from
registration/privacy/services.py; youth and passport parts appear in the
download only for staff allowed to see them, and erasing is for holders of
`delete_attendee`.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks

from registration.downloads import file_download
from registration.models import Attendee, Order
from registration.orders.admin.actions import OrderActionView
from registration.privacy import services as privacy
from registration.staff import access as staff_access


def export_attendee_data_view(request, attendee_pk: int):
    if not staff_access.can_export_personal_data(request.user):
        raise PermissionDenied
    attendee = get_object_or_404(
        Attendee.objects.select_related("order__event", "ticket_type", "delegation"),
        pk=attendee_pk,
    )
    data = privacy.export_attendee_data(
        attendee,
        with_youth=staff_access.can_see_youth_details(request.user),
        with_passport=staff_access.can_see_passport_details(request.user),
    )
    return file_download(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        filename=f"attendee-{attendee.pk}-{attendee.order.code}.json",
        content_type="application/json; charset=utf-8",
    )


class EraseAttendeeView(OrderActionView):
    page_title = gettext_lazy("Erase personal data")
    submit_label = gettext_lazy("Yes, erase this person's data")
    submit_class = "button no"
    header_icon = "bin"

    def has_permission(self, user) -> bool:
        return staff_access.can_erase_personal_data(user)

    @cached_property
    def attendee(self) -> Attendee:
        return get_object_or_404(
            Attendee.objects.select_related("order__event"),
            pk=self.kwargs["attendee_pk"],
        )

    @cached_property
    def order(self) -> Order:
        return self.attendee.order

    def get_page_subtitle(self):
        return str(self.attendee)

    def refusal(self) -> str:
        if privacy.is_erased(self.attendee):
            return _("This attendee's personal data is already erased.")
        return ""

    def explanation(self) -> list[str]:
        return [
            _(
                "Name, e-mail, organisation, city, country and answers are replaced; "
                "youth details, travel plan and passport details are deleted; the "
                "ticket's QR code stops working."
            ),
            _(
                "The order, its payments, refunds and invoices stay, as the law "
                "requires for financial records. This cannot be undone."
            ),
        ]

    def perform(self, form) -> str:
        privacy.erase_attendee(self.attendee, by=self.request.user)
        return _("The attendee's personal data is erased.")


@hooks.register("register_admin_urls")
def register_privacy_urls():
    return [
        path(
            "privacy/attendees/<int:attendee_pk>/export/",
            export_attendee_data_view,
            name="privacy_export_attendee",
        ),
        path(
            "privacy/attendees/<int:attendee_pk>/erase/",
            EraseAttendeeView.as_view(),
            name="privacy_erase_attendee",
        ),
    ]
