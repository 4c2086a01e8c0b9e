"""Export attendees and orders from the Wagtail admin.

- `/admin/exports/`: choose an event and what to export.
- `/admin/exports/events/<id>/<kind>/`: choose the columns, the orders' statuses
  and the format. CSV streams at once (StreamingHttpResponse); XLSX is written
  by a background job whose page shows a progress bar
  (`static/js/admin/job-progress.js` polls the job's JSON status) and then the
  download.

Exporting attendees needs `registration.view_attendee`, orders
`registration.view_order`; the youth columns are offered and written only with
`registration.view_youthdetails` (services/exports.py enforces it). A job's
file is downloaded only by the person who asked for it, through this view.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from registration.downloads import stored_file_download, streamed_download
from registration.jobs.admin import JobPageMixin, JobStatusView
from registration.models import (
    LIVE_ORDER_STATUSES,
    Event,
    ExportJob,
    ExportJobStatus,
    ExportKind,
    OrderStatus,
)
from registration.staff.resources import SENSITIVE_ATTENDEE_COLUMNS
from registration.staff.services import exports


def can_export_anything(user) -> bool:
    return any(exports.can_export(user, kind) for kind in ExportKind.values)


class ExportForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label=gettext_lazy("Columns"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one column.")},
    )
    statuses = forms.MultipleChoiceField(
        label=gettext_lazy("Orders"),
        choices=OrderStatus.choices,
        initial=list(LIVE_ORDER_STATUSES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one status.")},
    )
    file_format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            ("csv", gettext_lazy("CSV, downloaded at once")),
            ("xlsx", gettext_lazy("Excel (XLSX), built in the background")),
        ],
        initial="csv",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, kind: str, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = exports.allowed_columns(kind, user)
        self.fields["columns"].choices = choices
        self.fields["columns"].initial = [
            name for name, _label in choices if name not in SENSITIVE_ATTENDEE_COLUMNS
        ]


class ExportPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_export_anything(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ExportIndexView(ExportPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "registration/staff/admin/exports/index.html"
    page_title = gettext_lazy("Export")
    header_icon = "download"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        context["events"] = Event.objects.order_by("-starts_at")
        context["kinds"] = [
            (kind, label)
            for kind, label in ExportKind.choices
            if exports.can_export(user, kind)
        ]
        context["jobs"] = ExportJob.objects.filter(requested_by=user).select_related(
            "event"
        )[:20]
        return context


class ExportView(WagtailAdminTemplateMixin, FormView):
    """Columns, statuses and format of one export; CSV answers the POST itself."""

    template_name = "registration/staff/admin/exports/form.html"
    form_class = ExportForm
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in ExportKind.values:
            raise Http404
        if not exports.can_export(request.user, kwargs["kind"]):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def event(self) -> Event:
        return get_object_or_404(Event, pk=self.kwargs["event_id"])

    @property
    def kind(self) -> str:
        return self.kwargs["kind"]

    def get_page_title(self):
        return _("Export %(what)s") % {"what": ExportKind(self.kind).label.lower()}

    def get_page_subtitle(self):
        return self.event.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("exports:index"), "label": _("Export")},
            {"url": "", "label": f"{self.event.name} · {ExportKind(self.kind).label}"},
        ]

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "kind": self.kind,
            "user": self.request.user,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["event"] = self.event
        context["sensitive"] = SENSITIVE_ATTENDEE_COLUMNS
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        filters = exports.ExportFilters(statuses=tuple(data["statuses"]))
        try:
            columns = exports.check_columns(
                self.kind, data["columns"], user=self.request.user
            )
            if data["file_format"] == "xlsx":
                job = exports.start_export_job(
                    self.kind,
                    self.event,
                    columns=columns,
                    filters=filters,
                    by=self.request.user,
                )
                return redirect("exports:job", pk=job.pk)
        except exports.ExportError as error:
            form.add_error(error.field, str(error))
            return self.form_invalid(form)
        stamp = timezone.localtime(timezone.now(), self.event.tz).strftime(
            "%Y%m%d-%H%M"
        )
        return streamed_download(
            exports.stream_csv(
                self.kind,
                self.event,
                columns=columns,
                filters=filters,
                user=self.request.user,
            ),
            filename=f"{self.kind}-{self.event.slug}-{stamp}.csv",
            content_type="text/csv; charset=utf-8",
        )


class OwnJobMixin:
    """A job is seen and downloaded only by whoever asked for it."""

    status_url_name = "exports:status"
    file_url_name = "exports:file"
    file_key = "file_url"

    @cached_property
    def job(self) -> ExportJob:
        job = get_object_or_404(
            ExportJob.objects.select_related("event"), pk=self.kwargs["pk"]
        )
        user = self.request.user
        if job.requested_by_id != user.pk or not exports.can_export(user, job.kind):
            raise PermissionDenied
        if job.has_sensitive_columns and not exports.can_see_youth_details(user):
            raise PermissionDenied
        return job


class ExportJobView(OwnJobMixin, JobPageMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "registration/staff/admin/exports/job.html"
    page_title = gettext_lazy("Export job")
    header_icon = "download"

    def get_page_subtitle(self):
        return self.job.event.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("exports:index"), "label": _("Export")},
            {"url": "", "label": _("Export job %(pk)s") % {"pk": self.job.pk}},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        labels = dict(exports.allowed_columns(self.job.kind, self.request.user))
        context["column_labels"] = [labels.get(name, name) for name in self.job.columns]
        return context


class ExportJobStatusView(OwnJobMixin, JobStatusView):
    """The job's progress, polled every second by the job page."""


class ExportJobFileView(OwnJobMixin, View):
    def get(self, request, pk):
        job = self.job
        if job.status != ExportJobStatus.DONE or not job.file:
            raise Http404
        return stored_file_download(
            job.file.open("rb"),
            filename=f"{job.kind}-{job.event.slug}-{job.pk}.xlsx",
            content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
        )


class ExportViewSet(ViewSet):
    name = "exports"
    icon = "download"
    menu_label = gettext_lazy("Export")
    menu_order = 20

    @cached_property
    def menu_item_class(self):
        class ExportMenuItem(MenuItem):
            def is_shown(self, request):
                return can_export_anything(request.user)

        return ExportMenuItem

    def get_urlpatterns(self):
        return [
            path("", ExportIndexView.as_view(), name="index"),
            path(
                "events/<int:event_id>/<str:kind>/", ExportView.as_view(), name="export"
            ),
            path("jobs/<int:pk>/", ExportJobView.as_view(), name="job"),
            path("jobs/<int:pk>/status/", ExportJobStatusView.as_view(), name="status"),
            path("jobs/<int:pk>/file/", ExportJobFileView.as_view(), name="file"),
        ]
