"""Staff screens for badges and tickets in the Wagtail admin.

- **Print badges** (`/admin/badges/`): pick an event, choose who (ticket types,
  delegations, checked in or not, not printed since …), the order, the layout
  and the back side; a background job renders the PDF while the job page's
  progress bar follows it (`static/js/admin/job-progress.js` polls a small
  JSON view every second), then offers the download.
- **Attendees** (`/admin/attendees/`): a read-only listing filtered by event,
  ticket type and delegation; each attendee's row and page lead to "Reprint
  badge" and "Reissue ticket", both confirmed by a POST with CSRF, and to the
  orders screens that edit the details and answers or transfer the ticket.

Printing needs the `registration.print_badges` permission (superusers have
it); reissuing a ticket needs the change permission on attendees. The
services log every print and reissue. Print badges joins the Events menu group;
Attendees (filtered by extra, consent and check-in) the
Registration group (orders/admin/orders.py).
"""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.admin.widgets.button import Button, HeaderButton

from registration import admin_menus
from registration.admin_links import EditOrInspectLinks
from registration.documents.services import badges, tickets
from registration.downloads import file_download, stored_file_download
from registration.jobs.admin import JobPageMixin, JobStatusView
from registration.models import (
    Attendee,
    BadgeLayout,
    BadgePrintJob,
    BadgePrintJobStatus,
    BadgeSort,
    Delegation,
    Event,
    Extra,
    TicketType,
)
from registration.orders import selectors
from registration.staff import access as staff_access

PRINT_PERMISSION = "registration.print_badges"


def can_print_badges(user) -> bool:
    """Staff allowed to print badges: the permission, or a superuser."""
    return user.is_active and user.has_perm(PRINT_PERMISSION)


def can_reissue_tickets(user) -> bool:
    return user.is_active and user.has_perm("registration.change_attendee")


class PrintPermissionRequired:
    """Refuses the view to users without the badge printing permission."""

    def dispatch(self, request, *args, **kwargs):
        if not can_print_badges(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _wall_time_in(value, tz):
    """A datetime the form read in the active zone → the same wall time in `tz`."""
    if value is None:
        return None
    return timezone.make_aware(timezone.make_naive(value), tz)


# --- Print badges ------------------------------------------------------------------


class PrintBadgesForm(forms.Form):
    """Who gets a badge in this batch, in which order, on which sheets."""

    ticket_types = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Ticket types"),
        queryset=TicketType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every ticket type."),
    )
    delegations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Delegations"),
        queryset=Delegation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: everyone, with or without a delegation."),
    )
    checked_in = forms.ChoiceField(
        label=gettext_lazy("Checked in"),
        choices=[
            ("", gettext_lazy("Either")),
            ("yes", gettext_lazy("Only people already checked in")),
            ("no", gettext_lazy("Only people not checked in yet")),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    not_printed_since = forms.DateTimeField(
        label=gettext_lazy("Not printed since"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=gettext_lazy(
            "In the event's time zone. Only people without a badge printed at or "
            "after this moment (never printed included). Empty: everyone."
        ),
    )
    order_by = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        choices=BadgeSort.choices,
        initial=BadgeSort.FAMILY_NAME,
        widget=forms.RadioSelect,
    )
    layout = forms.ChoiceField(
        label=gettext_lazy("Layout"),
        choices=BadgeLayout.choices,
        widget=forms.RadioSelect,
    )
    with_back_side = forms.BooleanField(
        label=gettext_lazy("Print a back side"),
        required=False,
        help_text=gettext_lazy(
            "Adds a back after each sheet, mirrored for long-edge duplex printing."
        ),
    )
    programme = forms.CharField(
        label=gettext_lazy("Programme"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One line per item, e.g. “Thu 09:00 Opening plenary”."),
    )
    wifi_network = forms.CharField(
        label=gettext_lazy("Wi-Fi network"), required=False, max_length=60
    )
    wifi_password = forms.CharField(
        label=gettext_lazy("Wi-Fi password"), required=False, max_length=60
    )
    emergency_contact = forms.CharField(
        label=gettext_lazy("Emergency contact"),
        required=False,
        max_length=120,
        help_text=gettext_lazy("The event's own contact; never a person's details."),
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["ticket_types"].queryset = event.ticket_types.all()
        self.fields["delegations"].queryset = event.delegations.all()
        if badges._checked_in_query() is None:
            del self.fields["checked_in"]
        common = (
            event.ticket_types.values("badge_layout")
            .annotate(n=Count("pk"))
            .order_by("-n", "badge_layout")
            .first()
        )
        self.fields["layout"].initial = (
            common["badge_layout"] if common else badges.DEFAULT_LAYOUT
        )

    def clean_not_printed_since(self):
        return _wall_time_in(self.cleaned_data.get("not_printed_since"), self.event.tz)

    def filters(self) -> badges.BadgeFilters:
        data = self.cleaned_data
        checked_in = {"yes": True, "no": False}.get(data.get("checked_in") or "")
        return badges.BadgeFilters(
            ticket_types=tuple(tt.pk for tt in data["ticket_types"]),
            delegations=tuple(d.pk for d in data["delegations"]),
            checked_in=checked_in,
            not_printed_since=data.get("not_printed_since"),
            order_by=data["order_by"],
        )

    def back_side(self) -> badges.BadgeBack | None:
        data = self.cleaned_data
        if not data.get("with_back_side"):
            return None
        return badges.BadgeBack(
            programme=tuple(
                line.strip() for line in data["programme"].splitlines() if line.strip()
            ),
            wifi_network=data["wifi_network"],
            wifi_password=data["wifi_password"],
            emergency_contact=data["emergency_contact"],
        )


class BadgesIndexView(PrintPermissionRequired, WagtailAdminTemplateMixin, TemplateView):
    """Events to print for, and the latest print jobs."""

    template_name = "registration/documents/admin/badges/index.html"
    page_title = gettext_lazy("Print badges")
    header_icon = "doc-full"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = Event.objects.filter(
            ends_at__gte=timezone.now() - timedelta(days=30)
        ).order_by("starts_at")
        context["jobs"] = BadgePrintJob.objects.select_related("event", "requested_by")[
            :25
        ]
        return context


class PrintBadgesView(PrintPermissionRequired, WagtailAdminTemplateMixin, FormView):
    """The print form of one event; submitting it starts a job."""

    template_name = "registration/documents/admin/badges/print.html"
    form_class = PrintBadgesForm
    page_title = gettext_lazy("Print badges")
    header_icon = "doc-full"

    @cached_property
    def event(self) -> Event:
        return get_object_or_404(Event, pk=self.kwargs["event_id"])

    def get_page_subtitle(self):
        return self.event.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("badges:index"), "label": _("Print badges")},
            {"url": "", "label": self.event.name},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "event": self.event}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["event"] = self.event
        context["admissible_count"] = badges.admissible_attendees(self.event).count()
        return context

    def form_valid(self, form):
        try:
            job = badges.start_badge_print_job(
                self.event,
                filters=form.filters(),
                layout=form.cleaned_data["layout"],
                back_side=form.back_side(),
                by=self.request.user,
            )
        except badges.BadgeError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        return redirect("badges:job", pk=job.pk)


class BadgeJobProgress:
    """Where a badge print job's page and status view find the job and its PDF."""

    status_url_name = "badges:status"
    file_url_name = "badges:pdf"
    file_key = "pdf_url"

    @cached_property
    def job(self) -> BadgePrintJob:
        return get_object_or_404(
            BadgePrintJob.objects.select_related("event", "requested_by"),
            pk=self.kwargs["pk"],
        )


class BadgeJobView(
    PrintPermissionRequired,
    BadgeJobProgress,
    JobPageMixin,
    WagtailAdminTemplateMixin,
    TemplateView,
):
    """One job: its choices, a progress bar while it renders, then the PDF."""

    template_name = "registration/documents/admin/badges/job.html"
    page_title = gettext_lazy("Badge print job")
    header_icon = "doc-full"

    def get_page_subtitle(self):
        return self.job.event.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("badges:index"), "label": _("Print badges")},
            {
                "url": reverse("badges:print", args=[self.job.event_id]),
                "label": self.job.event.name,
            },
            {"url": "", "label": _("Print job %(pk)s") % {"pk": self.job.pk}},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = badges.BadgeFilters.from_json(self.job.filters)
        context.update(
            ticket_types=TicketType.objects.filter(pk__in=filters.ticket_types),
            delegations=Delegation.objects.filter(pk__in=filters.delegations),
            filters=filters,
            order_by_label=BadgeSort(filters.order_by).label,
            layout_label=BadgeLayout(self.job.layout).label,
        )
        return context


class BadgeJobStatusView(PrintPermissionRequired, BadgeJobProgress, JobStatusView):
    """The job's progress, polled every second by the job page."""


class BadgeJobPdfView(PrintPermissionRequired, View):
    """The job's PDF, only through this permission check (it holds QR secrets)."""

    def get(self, request, pk):
        job = get_object_or_404(
            BadgePrintJob.objects.select_related("event"),
            pk=pk,
            status=BadgePrintJobStatus.DONE,
        )
        if not job.pdf:
            raise PermissionDenied
        return stored_file_download(
            job.pdf.open("rb"),
            filename=f"badges-{job.event.slug}-{job.pk}.pdf",
            content_type="application/pdf",
        )


class BadgePrintingViewSet(ViewSet):
    name = "badges"
    icon = "doc-full"
    menu_label = gettext_lazy("Print badges")
    menu_order = 410

    @cached_property
    def menu_item_class(self):
        class PrintBadgesMenuItem(MenuItem):
            def is_shown(self, request):
                return can_print_badges(request.user)

        return PrintBadgesMenuItem

    def get_urlpatterns(self):
        return [
            path("", BadgesIndexView.as_view(), name="index"),
            path("events/<int:event_id>/", PrintBadgesView.as_view(), name="print"),
            path("jobs/<int:pk>/", BadgeJobView.as_view(), name="job"),
            path("jobs/<int:pk>/status/", BadgeJobStatusView.as_view(), name="status"),
            path("jobs/<int:pk>/pdf/", BadgeJobPdfView.as_view(), name="pdf"),
        ]


# --- Attendees: listing, reprint, reissue ------------------------------------------


class EventTicketTypeField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.event.name} — {obj.name}"


class EventTicketTypeFilter(django_filters.ModelChoiceFilter):
    field_class = EventTicketTypeField


class AttendeeFilterSet(WagtailFilterSet):
    event = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Event"),
        field_name="order__event",
        queryset=Event.objects.order_by("-starts_at"),
    )
    ticket_type = EventTicketTypeFilter(
        label=gettext_lazy("Ticket type"),
        queryset=TicketType.objects.select_related("event").order_by(
            "-event__starts_at", "sort_order"
        ),
    )
    delegation = EventTicketTypeFilter(
        label=gettext_lazy("Delegation"),
        queryset=Delegation.objects.select_related("event").order_by(
            "-event__starts_at", "name"
        ),
    )

    extra = EventTicketTypeFilter(
        label=gettext_lazy("Extra"),
        field_name="extras",
        queryset=Extra.objects.select_related("event").order_by(
            "-event__starts_at", "sort_order"
        ),
    )
    checked_in = django_filters.BooleanFilter(
        label=gettext_lazy("Checked in"), method="filter_checked_in"
    )

    consent = django_filters.ChoiceFilter(
        label=gettext_lazy("Guardian consent"),
        choices=[
            ("missing", gettext_lazy("Consent missing")),
            ("complete", gettext_lazy("Signed or not needed")),
        ],
        method="filter_consent",
    )

    class Meta:
        model = Attendee
        fields = []

    def filter_checked_in(self, queryset, name, value):
        return queryset.filter(
            selectors.checked_in() if value else ~selectors.checked_in()
        )

    def filter_consent(self, queryset, name, value):
        if value == "missing":
            return queryset.filter(selectors.consent_missing())
        return queryset.exclude(selectors.consent_missing())


class ConsentColumn(Column):
    """ "Consent missing" while a youth ticket has no guardian signature; else empty."""

    def get_value(self, instance):
        return _("Consent missing") if instance.consent_missing else ""


class CheckedInColumn(Column):
    """ "Yes" once admitted at a door (annotated by selectors.staff_attendee_list)."""

    def get_value(self, instance):
        return _("Yes") if instance.is_checked_in else _("No")


class AttendeeActionsMixin:
    """The reprint and reissue links of one attendee, for rows and the attendee's page."""

    def attendee_action_buttons(self, attendee: Attendee, button_class=Button):
        buttons = []
        user = self.request.user
        if can_print_badges(user):
            buttons.append(
                button_class(
                    _("Reprint badge"),
                    url=reverse("attendees:reprint", args=[attendee.pk]),
                    icon_name="doc-full",
                    priority=40,
                )
            )
        if can_reissue_tickets(user):
            buttons.append(
                button_class(
                    _("Edit details"),
                    url=reverse("orders:edit_attendee", args=[attendee.pk]),
                    icon_name="edit",
                    priority=45,
                )
            )
            buttons.append(
                button_class(
                    _("Edit answers"),
                    url=reverse("orders:edit_answers", args=[attendee.pk]),
                    icon_name="list-ul",
                    priority=46,
                )
            )
            buttons.append(
                button_class(
                    _("Transfer ticket"),
                    url=reverse("orders:transfer", args=[attendee.pk]),
                    icon_name="user",
                    priority=47,
                )
            )
            buttons.append(
                button_class(
                    _("Reissue ticket"),
                    url=reverse("attendees:reissue", args=[attendee.pk]),
                    icon_name="resubmit",
                    priority=50,
                )
            )
        if staff_access.can_send_mailings(user):
            # The mailings package's screen, by URL name (admin_menus.py: no
            # admin module imports another).
            buttons.append(
                button_class(
                    _("E-mail log"),
                    url=reverse("mailings:log") + f"?attendee={attendee.pk}",
                    icon_name="mail",
                    priority=60,
                )
            )
        return buttons


class AttendeeIndexView(AttendeeActionsMixin, IndexView):
    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            *self.attendee_action_buttons(instance),
        ]


class AttendeeInspectView(AttendeeActionsMixin, InspectView):
    template_name = "registration/documents/admin/attendees/inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Attendee.objects.select_related(
                "order__event", "ticket_type", "delegation"
            ),
            pk=self.pk,
        )

    @cached_property
    def header_buttons(self):
        return self.attendee_action_buttons(self.object, HeaderButton)

    def get_order_display_value(self):
        order = self.object.order
        return f"{order.code} · {order.get_status_display()}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["prints"] = self.object.badge_prints.select_related(
            "printed_by", "job"
        )[:20]
        return context


class AttendeeActionView(WagtailAdminTemplateMixin, TemplateView):
    """A confirmation page (GET) and the action itself (POST with CSRF)."""

    header_icon = "user"

    def has_permission(self, user) -> bool:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def attendee(self) -> Attendee:
        return get_object_or_404(
            Attendee.objects.select_related("order__event", "ticket_type"),
            pk=self.kwargs["pk"],
        )

    def get_page_subtitle(self):
        return str(self.attendee)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("attendees:index"), "label": _("Attendees")},
            {
                "url": reverse("attendees:inspect", args=[self.attendee.pk]),
                "label": str(self.attendee),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attendee"] = self.attendee
        context["event"] = self.attendee.order.event
        context["inspect_url"] = reverse("attendees:inspect", args=[self.attendee.pk])
        return context


class ReprintBadgeView(AttendeeActionView):
    template_name = "registration/documents/admin/attendees/reprint.html"
    page_title = gettext_lazy("Reprint badge")

    def has_permission(self, user) -> bool:
        return can_print_badges(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["layouts"] = BadgeLayout.choices
        context["default_layout"] = badges.layout_for(self.attendee.ticket_type)
        context["refusal"] = badges.badge_refusal(self.attendee)
        return context

    def post(self, request, pk):
        layout = request.POST.get("layout") or None
        try:
            pdf = badges.reprint_badge(self.attendee, by=request.user, layout=layout)
        except badges.BadgeError as error:
            messages.error(request, str(error))
            return redirect("attendees:reprint", pk=self.attendee.pk)
        return file_download(
            pdf,
            filename=f"badge-{self.attendee.order.code}-{self.attendee.pk}.pdf",
            content_type="application/pdf",
        )


class ReissueTicketView(AttendeeActionView):
    template_name = "registration/documents/admin/attendees/reissue.html"
    page_title = gettext_lazy("Reissue ticket")

    def has_permission(self, user) -> bool:
        return can_reissue_tickets(user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recipient"] = self.attendee.email or self.attendee.order.buyer_email
        context["refusal"] = tickets.ticket_refusal(self.attendee)
        return context

    def post(self, request, pk):
        tickets.reissue_ticket(self.attendee, by=request.user)
        recipient = self.attendee.email or self.attendee.order.buyer_email
        if tickets.ticket_refusal(self.attendee) is None:
            messages.success(
                request,
                _(
                    "A new ticket was issued and is being e-mailed to %(email)s; "
                    "the old QR code no longer works."
                )
                % {"email": recipient},
            )
        else:
            messages.warning(
                request,
                _(
                    "The old QR code no longer works. The new ticket is not attached "
                    "until the order is paid (or admitted) and consent is signed."
                ),
            )
        return redirect("attendees:inspect", pk=self.attendee.pk)


class AttendeeViewSet(EditOrInspectLinks, ModelViewSet):
    """Attendees, read-only: find a person, reprint the badge, reissue the ticket."""

    model = Attendee
    icon = "user"
    menu_label = gettext_lazy("Attendees")
    menu_order = 110
    index_view_class = AttendeeIndexView
    inspect_view_class = AttendeeInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = AttendeeFilterSet
    list_display = [
        "badge_name",
        "family_name",
        "ticket_type",
        "delegation",
        Column("event", label=gettext_lazy("Event"), accessor="order.event"),
        Column(
            "status", label=gettext_lazy("Order"), accessor="order.get_status_display"
        ),
        ConsentColumn("consent_missing", label=gettext_lazy("Consent")),
        CheckedInColumn("is_checked_in", label=gettext_lazy("Checked in")),
    ]
    search_fields = ["badge_name", "given_name", "family_name", "email", "organisation"]
    inspect_view_fields = [
        "badge_name",
        "given_name",
        "family_name",
        "email",
        "organisation",
        "city",
        "country",
        "ticket_type",
        "delegation",
        "order",
        "created_at",
    ]
    ordering = ["family_name", "given_name", "pk"]

    def get_common_view_kwargs(self, **kwargs):
        # Read-only here: attendees change through their order
        # (orders/services/edits.py).
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=selectors.staff_attendee_list(), **kwargs
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("reprint/<int:pk>/", ReprintBadgeView.as_view(), name="reprint"),
            path("reissue/<int:pk>/", ReissueTicketView.as_view(), name="reissue"),
        ]


attendee_viewset = AttendeeViewSet("attendees")
badge_printing_viewset = BadgePrintingViewSet()


admin_menus.join(admin_menus.EVENTS, badge_printing_viewset, position=20)
admin_menus.join(admin_menus.REGISTRATION, attendee_viewset, position=20)


@hooks.register("register_permissions")
def register_badge_permissions():
    """Lets staff give the printing permission to groups in Settings → Groups."""
    return Permission.objects.filter(
        content_type__app_label="registration", codename="print_badges"
    )
