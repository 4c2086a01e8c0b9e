"""Programme sessions in the Events menu group, and the page where staff see a
session's sign-ups and waiting list, assign attendees, move them to another
session or take them out; and the Certificates screen, which issues an
event's certificates of attendance in a background job.

Every change goes through programme/services.py (capacity under locks,
overlaps, ticket types), as a POST with CSRF, and needs
`registration.change_programmesession`.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button, HeaderButton

from registration import admin_menus
from registration.downloads import stored_file_download
from registration.errors import RegistrationError
from registration.jobs.admin import JobPageMixin, JobStatusView
from registration.models import (
    LIVE_ORDER_STATUSES,
    Attendee,
    CertificateJob,
    CertificateJobStatus,
    Event,
    ProgrammeSession,
    SessionWaitlistEntry,
)
from registration.programme import certificates, selectors, services

CHANGE_PERMISSION = "registration.change_programmesession"
SESSION_DATETIME_FIELDS = ("starts_at", "ends_at", "signup_opens_at")


class SessionAdminForm(WagtailAdminModelForm):
    """A session's times are entered and shown as wall-clock time in its event's
    zone, as the event's own are (catalogue/admin/forms.py; an admin module may
    not import another package's, so the two conversions are repeated here)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            tz = self.instance.event.tz
            for name in SESSION_DATETIME_FIELDS:
                value = getattr(self.instance, name)
                if value is not None:
                    self.initial[name] = timezone.localtime(value, tz).replace(
                        tzinfo=None
                    )

    def clean(self):
        cleaned = super().clean()
        event = cleaned.get("event")
        if event is None:
            return cleaned
        for name in SESSION_DATETIME_FIELDS:
            if cleaned.get(name) is not None:
                wall = timezone.make_naive(cleaned[name])
                cleaned[name] = timezone.make_aware(wall, event.tz)
                setattr(self.instance, name, cleaned[name])
        if any(tt.event_id != event.pk for tt in cleaned.get("ticket_types") or []):
            self.add_error(
                "ticket_types", _("Choose only ticket types of the session's event.")
            )
        return cleaned


class AssignForm(forms.Form):
    attendee = forms.ModelChoiceField(
        label=gettext_lazy("Attendee"), queryset=Attendee.objects.none()
    )

    def __init__(self, *args, session: ProgrammeSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendee"].queryset = (
            Attendee.objects.filter(
                order__event_id=session.event_id,
                order__status__in=LIVE_ORDER_STATUSES,
            )
            .exclude(session_signups__session=session)
            .order_by("family_name", "given_name", "pk")
        )


class MoveForm(forms.Form):
    attendee = forms.ModelChoiceField(queryset=Attendee.objects.none())
    to_session = forms.ModelChoiceField(
        label=gettext_lazy("Move to"), queryset=ProgrammeSession.objects.none()
    )

    def __init__(self, *args, session: ProgrammeSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendee"].queryset = Attendee.objects.filter(
            session_signups__session=session
        )
        self.fields["to_session"].queryset = ProgrammeSession.objects.filter(
            event_id=session.event_id
        ).exclude(pk=session.pk)


class RemoveForm(forms.Form):
    attendee = forms.ModelChoiceField(queryset=Attendee.objects.none())

    def __init__(self, *args, session: ProgrammeSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendee"].queryset = Attendee.objects.filter(
            session_signups__session=session
        )


class SessionSignupsView(WagtailAdminTemplateMixin, TemplateView):
    """A session's people: sign-ups, the waiting list, and the staff actions."""

    template_name = "registration/programme/admin/signups.html"
    header_icon = "group"
    page_title = gettext_lazy("Sign-ups")
    forms_by_action = {"assign": AssignForm, "move": MoveForm, "remove": RemoveForm}

    @cached_property
    def session(self) -> ProgrammeSession:
        return get_object_or_404(
            ProgrammeSession.objects.select_related("event"), pk=self.kwargs["pk"]
        )

    def get_page_subtitle(self):
        return self.session.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("programme_sessions:index"),
                "label": _("Programme sessions"),
            },
            {
                "url": reverse("programme_sessions:edit", args=[self.session.pk]),
                "label": self.session.title,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        session = self.session
        can_change = self.request.user.has_perm(CHANGE_PERMISSION)
        return {
            **super().get_context_data(**kwargs),
            "session": session,
            "places_left": selectors.places_left([session], now=timezone.now())[
                session.pk
            ],
            "signups": list(selectors.session_attendees(session)),
            "waiting": list(
                SessionWaitlistEntry.objects.filter(session=session)
                .select_related("attendee")
                .order_by("created_at", "pk")
            ),
            "can_change": can_change,
            "assign_form": kwargs.get("assign_form") or AssignForm(session=session),
            "move_form": MoveForm(session=session),
        }

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        action = request.POST.get("action", "")
        form_class = self.forms_by_action.get(action)
        if form_class is None:
            return HttpResponseBadRequest()
        form = form_class(request.POST, session=self.session)
        if not form.is_valid():
            messages.error(request, _("Choose an attendee (and a session to move to)."))
            return self.render_to_response(self.get_context_data())
        attendee = form.cleaned_data["attendee"]
        try:
            message = self.perform(action, attendee, form.cleaned_data)
        except RegistrationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
        return redirect(reverse("programme_sessions:signups", args=[self.session.pk]))

    def perform(self, action: str, attendee: Attendee, data: dict) -> str:
        user = self.request.user
        if action == "assign":
            services.sign_up(attendee, self.session, by=user, by_staff=True)
            return _("%(name)s has a place in %(session)s.") % {
                "name": attendee.badge_name,
                "session": self.session.title,
            }
        if action == "move":
            target = data["to_session"]
            services.move_attendee(
                attendee, from_session=self.session, to_session=target, by=user
            )
            return _("%(name)s moved to %(session)s.") % {
                "name": attendee.badge_name,
                "session": target.title,
            }
        services.leave_session(attendee, self.session, by=user)
        return _("%(name)s no longer has a place in %(session)s.") % {
            "name": attendee.badge_name,
            "session": self.session.title,
        }


def signups_button(session: ProgrammeSession) -> HeaderButton:
    return HeaderButton(
        _("Sign-ups"),
        url=reverse("programme_sessions:signups", args=[session.pk]),
        icon_name="group",
    )


class SessionIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            Button(
                _("Sign-ups"),
                url=reverse("programme_sessions:signups", args=[instance.pk]),
                icon_name="group",
                priority=30,
            ),
        ]


class SessionInspectView(InspectView):
    @cached_property
    def header_more_buttons(self):
        return [signups_button(self.object)]


class ProgrammeSessionViewSet(ModelViewSet):
    model = ProgrammeSession
    icon = "calendar-alt"
    menu_label = gettext_lazy("Programme")
    add_to_admin_menu = False
    list_display = ["title", "event", "kind", "starts_at", "room", "capacity"]
    list_filter = ["event", "kind"]
    search_fields = ["title", "room", "speakers"]
    ordering = ["starts_at", "title"]
    inspect_view_enabled = True
    inspect_view_class = SessionInspectView
    index_view_class = SessionIndexView
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("event"), FieldPanel("kind")]),
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("title_es"), FieldPanel("title_fr")]),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("description_es"), FieldPanel("description_fr")]),
            FieldPanel("speakers"),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                    FieldRowPanel([FieldPanel("room"), FieldPanel("capacity")]),
                ],
                heading=gettext_lazy("When and where"),
            ),
            FieldPanel("ticket_types"),
            FieldPanel("signup_opens_at"),
        ],
        base_form_class=SessionAdminForm,
    )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=ProgrammeSession.objects.select_related("event"), **kwargs
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("signups/<int:pk>/", SessionSignupsView.as_view(), name="signups"),
        ]


admin_menus.join(
    admin_menus.EVENTS, ProgrammeSessionViewSet("programme_sessions"), position=30
)


# --- Certificates of attendance -----------------------------------------------------

ISSUE_PERMISSION = "registration.add_attendancecertificate"


class CertificatePermissionRequired:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(ISSUE_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class CertificatesIndexView(
    CertificatePermissionRequired, WagtailAdminTemplateMixin, TemplateView
):
    """Events that have ended, with a button to issue their certificates, and
    the latest jobs."""

    template_name = "registration/programme/admin/certificates.html"
    page_title = gettext_lazy("Certificates of attendance")
    header_icon = "doc-full"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "events": Event.objects.filter(ends_at__lte=timezone.now()).order_by(
                "-starts_at"
            ),
            "jobs": CertificateJob.objects.select_related("event").order_by(
                "-created_at", "-pk"
            )[:20],
        }

    def post(self, request, *args, **kwargs):
        event = get_object_or_404(Event, pk=request.POST.get("event") or 0)
        try:
            job = certificates.request_certificates(event, by=request.user)
        except RegistrationError as error:
            messages.error(request, error.message)
            return redirect("certificates:index")
        return redirect("certificates:job", pk=job.pk)


class CertificateJobProgress:
    status_url_name = "certificates:status"
    file_url_name = "certificates:pdf"
    file_key = "pdf_url"

    @cached_property
    def job(self) -> CertificateJob:
        return get_object_or_404(
            CertificateJob.objects.select_related("event"), pk=self.kwargs["pk"]
        )


class CertificateJobView(
    CertificatePermissionRequired,
    CertificateJobProgress,
    JobPageMixin,
    WagtailAdminTemplateMixin,
    TemplateView,
):
    template_name = "registration/programme/admin/certificate_job.html"
    page_title = gettext_lazy("Certificate job")
    header_icon = "doc-full"

    def get_page_subtitle(self):
        return self.job.event.name


class CertificateJobStatusView(
    CertificatePermissionRequired, CertificateJobProgress, JobStatusView
):
    """The job's progress, polled every second by the job page."""


class CertificateJobPdfView(CertificatePermissionRequired, View):
    def get(self, request, pk):
        job = get_object_or_404(
            CertificateJob.objects.select_related("event"),
            pk=pk,
            status=CertificateJobStatus.DONE,
        )
        if not job.pdf:
            raise Http404
        return stored_file_download(
            job.pdf.open("rb"),
            filename=f"certificates-{job.event.slug}-{job.pk}.pdf",
            content_type="application/pdf",
        )


class CertificatesViewSet(ViewSet):
    name = "certificates"
    icon = "doc-full"
    menu_label = gettext_lazy("Certificates")

    def get_urlpatterns(self):
        return [
            path("", CertificatesIndexView.as_view(), name="index"),
            path("jobs/<int:pk>/", CertificateJobView.as_view(), name="job"),
            path(
                "jobs/<int:pk>/status/",
                CertificateJobStatusView.as_view(),
                name="status",
            ),
            path("jobs/<int:pk>/pdf/", CertificateJobPdfView.as_view(), name="pdf"),
        ]


admin_menus.join(admin_menus.EVENTS, CertificatesViewSet(), position=40)
