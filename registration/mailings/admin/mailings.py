"""Staff mailings in the Wagtail admin, in the Registration menu.

- `/admin/mailings/`: the mailings and rules, newest first, with their status;
  "New mailing" asks for the event.
- `/admin/mailings/new/<event_id>/` and `<pk>/edit/`: compose (audience,
  filters, English, Spanish and French versions, once or on a schedule).
- `/admin/mailings/<pk>/`: the preview: how many recipients, the message as
  one of them reads it (their language, their links), a chooser for another;
  Send (POST), or Start/Pause for a rule.
- `/admin/mailings/<pk>/progress/`: the send job's progress bar and report.

Every screen needs `registration.send_mailing`; a mailing to guardians or
filtered by consent also needs `registration.view_youthdetails`
(services/compose.py says who may open which).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from registration import admin_menus
from registration.downloads import stored_file_download
from registration.errors import MailingError, MailingInvalid
from registration.jobs.admin import JobPageMixin, JobStatusView
from registration.mailings import selectors
from registration.mailings.admin.forms import MailingForm, initial_from_draft
from registration.mailings.admin.log import EmailLogView
from registration.mailings.services import compose, rendering, sending
from registration.models import Event, Mailing, MailingJobStatus, MailingStatus
from registration.staff import access

# How many recipients the preview's chooser offers.
CHOOSER_SIZE = 200


class MailingAccessMixin:
    """Only staff who may mail; a mailing only for whom `can_open_mailing`."""

    model = Mailing

    def dispatch(self, request, *args, **kwargs):
        if not access.can_send_mailings(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def mailing(self) -> Mailing:
        mailing = get_object_or_404(
            Mailing.objects.select_related("event"), pk=self.kwargs["pk"]
        )
        if not compose.can_open_mailing(self.request.user, mailing):
            raise PermissionDenied
        return mailing

    def index_crumbs(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("mailings:index"), "label": _("Mailings")},
        ]


class MailingIndexView(MailingAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "registration/mailings/admin/index.html"
    page_title = gettext_lazy("Mailings")
    header_icon = "mail"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mailings = Mailing.objects.select_related("event", "created_by")
        if not access.can_see_youth_details(self.request.user):
            mailings = mailings.exclude(touches_youth_data=True)
        context["mailings"] = mailings[:100]
        context["events"] = Event.objects.order_by("-starts_at")
        return context

    def get(self, request, *args, **kwargs):
        event_id = request.GET.get("event", "")
        if event_id.isdigit():
            return redirect("mailings:compose", event_id=int(event_id))
        return super().get(request, *args, **kwargs)


def form_audiences(form: MailingForm) -> list[tuple[str, str]]:
    return list(form.fields["audience"].choices)


class ComposeView(MailingAccessMixin, WagtailAdminTemplateMixin, FormView):
    """A new mailing of one event, or a change to one not yet sent."""

    template_name = "registration/mailings/admin/compose.html"
    form_class = MailingForm
    header_icon = "mail"

    @cached_property
    def existing(self) -> Mailing | None:
        return self.mailing if "pk" in self.kwargs else None

    @cached_property
    def event(self) -> Event:
        if self.existing is not None:
            return self.existing.event
        return get_object_or_404(Event, pk=self.kwargs["event_id"])

    def get_page_title(self):
        return _("Edit mailing") if self.existing else _("New mailing")

    def get_page_subtitle(self):
        return self.event.name

    def get_breadcrumbs_items(self):
        return [*self.index_crumbs(), {"url": "", "label": self.get_page_title()}]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["event"] = self.event
        kwargs["with_youth"] = access.can_see_youth_details(self.request.user)
        return kwargs

    def get_initial(self):
        if self.existing is not None:
            return initial_from_draft(compose.draft_from_mailing(self.existing))
        return {"audience": "attendees", "schedule_days": 7}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            event=self.event,
            mailing=self.existing,
            placeholders=[
                (label, compose.AUDIENCE_PLACEHOLDERS[value])
                for value, label in form_audiences(context["form"])
            ],
        )
        return context

    def form_valid(self, form):
        try:
            mailing = compose.save_mailing(
                self.event,
                draft=form.to_draft(),
                by=self.request.user,
                mailing=self.existing,
            )
        except MailingInvalid as error:
            form.add_service_errors(error.by_field())
            return self.form_invalid(form)
        except MailingError as error:
            form.add_service_errors({error.field or "non_field_errors": [error]})
            return self.form_invalid(form)
        return redirect("mailings:preview", pk=mailing.pk)


class PreviewView(MailingAccessMixin, WagtailAdminTemplateMixin, TemplateView):
    """Who it goes to, and the message as one of them reads it."""

    template_name = "registration/mailings/admin/preview.html"
    header_icon = "mail"

    def get_page_title(self):
        return self.mailing.name

    def get_page_subtitle(self):
        return self.mailing.event.name

    def get_breadcrumbs_items(self):
        return [*self.index_crumbs(), {"url": "", "label": self.mailing.name}]

    def _chosen(self, count: int) -> int:
        value = self.request.GET.get("recipient", "0")
        index = int(value) if value.isdigit() else 0
        return index if index < min(count, CHOOSER_SIZE) else 0

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mailing = self.mailing
        recipients = selectors.mailing_recipients(mailing)
        refused = selectors.opted_out(r.email for r in recipients)
        chosen = self._chosen(len(recipients))
        context.update(
            mailing=mailing,
            recipients=recipients[:CHOOSER_SIZE],
            count=len(recipients),
            opted_out_count=len(refused),
            chosen=chosen,
            reader=recipients[chosen] if recipients else None,
            rendered=rendering.render_for(mailing, recipients[chosen])
            if recipients
            else None,
            counts=selectors.mailing_counts(mailing)
            if mailing.status != MailingStatus.DRAFT
            else None,
            job=mailing.jobs.first(),
            editable=mailing.status in compose.EDITABLE,
        )
        return context


class SendView(MailingAccessMixin, View):
    """POST: write the recipients and start the job; then its progress page."""

    def post(self, request, pk):
        try:
            sending.start_mailing(self.mailing, by=request.user)
        except MailingError as error:
            messages.error(request, error.message)
            return redirect("mailings:preview", pk=pk)
        return redirect("mailings:progress", pk=pk)


class RuleView(MailingAccessMixin, View):
    """POST `active=1` starts a scheduled rule, `active=0` pauses it."""

    def post(self, request, pk):
        active = request.POST.get("active") == "1"
        try:
            compose.set_rule_active(self.mailing, active=active, by=request.user)
        except MailingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The rule is active; it sends as each reader's time comes.")
                if active
                else _("The rule is paused."),
            )
        return redirect("mailings:preview", pk=pk)


class JobMixin(MailingAccessMixin):
    """The latest send job of the mailing in the address."""

    status_url_name = "mailings:status"
    file_url_name = "mailings:file"
    file_key = "file_url"

    @cached_property
    def job(self):
        job = self.mailing.jobs.first()
        if job is None:
            raise Http404
        return job

    def job_status(self) -> dict:
        # The status and file addresses are the mailing's, not the job's.
        status = super().job_status()
        if status[self.file_key]:
            status[self.file_key] = reverse(self.file_url_name, args=[self.mailing.pk])
        return status


class ProgressView(JobMixin, JobPageMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "registration/mailings/admin/progress.html"
    page_title = gettext_lazy("Sending")
    header_icon = "mail"

    def get_page_subtitle(self):
        return self.mailing.name

    def get_breadcrumbs_items(self):
        return [
            *self.index_crumbs(),
            {
                "url": reverse("mailings:preview", args=[self.mailing.pk]),
                "label": self.mailing.name,
            },
            {"url": "", "label": _("Sending")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_url"] = reverse(self.status_url_name, args=[self.mailing.pk])
        context["mailing"] = self.mailing
        return context


class ProgressStatusView(JobMixin, JobStatusView):
    """The job's progress as JSON, polled by its page."""


class ReportFileView(JobMixin, View):
    def get(self, request, pk):
        job = self.job
        if job.status != MailingJobStatus.DONE or not job.report:
            raise Http404
        return stored_file_download(
            job.report.open("rb"),
            filename=f"mailing-{self.mailing.pk}-recipients.csv",
            content_type="text/csv; charset=utf-8",
        )


class MailingViewSet(ViewSet):
    name = "mailings"
    icon = "mail"
    menu_label = gettext_lazy("Mailings")

    @cached_property
    def menu_item_class(self):
        class MailingMenuItem(MenuItem):
            def is_shown(self, request):
                return access.can_send_mailings(request.user)

        return MailingMenuItem

    def get_urlpatterns(self):
        return [
            path("", MailingIndexView.as_view(), name="index"),
            path("new/<int:event_id>/", ComposeView.as_view(), name="compose"),
            path("<int:pk>/", PreviewView.as_view(), name="preview"),
            path("<int:pk>/edit/", ComposeView.as_view(), name="edit"),
            path("<int:pk>/send/", SendView.as_view(), name="send"),
            path("<int:pk>/rule/", RuleView.as_view(), name="rule"),
            path("<int:pk>/progress/", ProgressView.as_view(), name="progress"),
            path(
                "<int:pk>/progress/status/",
                ProgressStatusView.as_view(),
                name="status",
            ),
            path("<int:pk>/progress/file/", ReportFileView.as_view(), name="file"),
            path("log/", EmailLogView.as_view(), name="log"),
        ]


admin_menus.join(admin_menus.REGISTRATION, MailingViewSet(), position=70)


@hooks.register("register_permissions")
def register_mailing_permissions():
    """Lets staff give the mailing permission to groups in Settings → Groups."""
    return Permission.objects.filter(
        content_type__app_label="registration", codename="send_mailing"
    )
