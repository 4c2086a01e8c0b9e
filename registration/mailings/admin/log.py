"""The e-mail log: what was sent to whom, when, and what became of it.

`/admin/mailings/log/` lists recipient rows, newest first, filtered by event,
mailing, address or attendee (`?attendee=<id>`, linked from the attendee's
admin page). Staff who may mail resend one message or mark it bounced (POST
with CSRF); rows of youth mailings (guardians) are listed only for staff who
may see youth details.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from registration.errors import MailingError
from registration.mailings import selectors
from registration.mailings.services import compose, sending
from registration.models import Attendee, Event, Mailing, MailingRecipient
from registration.staff import access

PAGE_SIZE = 50


class LogFilterForm(forms.Form):
    event = forms.ModelChoiceField(
        label=gettext_lazy("Event"),
        queryset=Event.objects.order_by("-starts_at"),
        required=False,
    )
    email = forms.CharField(
        label=gettext_lazy("E-mail"), required=False, max_length=254
    )
    mailing = forms.IntegerField(required=False, widget=forms.HiddenInput)
    attendee = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EmailLogView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "registration/mailings/admin/log.html"
    page_title = gettext_lazy("E-mail log")
    header_icon = "list-ul"
    model = MailingRecipient

    def dispatch(self, request, *args, **kwargs):
        if not access.can_send_mailings(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    @cached_property
    def filters(self) -> LogFilterForm:
        form = LogFilterForm(self.request.GET or None)
        form.is_valid()
        return form

    def _filter_value(self, name):
        return getattr(self.filters, "cleaned_data", {}).get(name)

    @cached_property
    def attendee(self) -> Attendee | None:
        pk = self._filter_value("attendee")
        return Attendee.objects.filter(pk=pk).first() if pk else None

    @cached_property
    def mailing(self) -> Mailing | None:
        pk = self._filter_value("mailing")
        return Mailing.objects.filter(pk=pk).first() if pk else None

    def get_page_subtitle(self):
        if self.attendee is not None:
            return self.attendee.badge_name
        return self.mailing.name if self.mailing is not None else ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.email_log(
            event=self._filter_value("event"),
            attendee=self.attendee,
            email=self._filter_value("email") or "",
            mailing=self.mailing,
            with_youth=access.can_see_youth_details(self.request.user),
        )
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("p"))
        context.update(
            filters=self.filters,
            page=page,
            rows=page.object_list,
            attendee=self.attendee,
            mailing=self.mailing,
            query=self.request.GET.urlencode(),
        )
        return context

    def post(self, request, *args, **kwargs):
        recipient = request.POST.get("recipient", "")
        row = get_object_or_404(
            MailingRecipient.objects.select_related("mailing__event"),
            pk=int(recipient) if recipient.isdigit() else 0,
        )
        if not compose.can_open_mailing(request.user, row.mailing):
            raise PermissionDenied
        try:
            if request.POST.get("action") == "bounced":
                sending.record_bounce(row, by=request.user, note=_("Marked by staff"))
                messages.success(request, _("Marked as bounced."))
            else:
                sending.resend_recipient(row, by=request.user)
                messages.success(
                    request, _("Sent again to %(email)s.") % {"email": row.email}
                )
        except MailingError as error:
            messages.error(request, error.message)
        query = request.POST.get("query", "")
        return redirect(f"{request.path}?{query}" if query else request.path)
