"""Staff screens for travel: travel plans (with passport details for the Travel
desk only), arrivals and departures manifests (screen, CSV, PDF), the rooming
list, and visa invitation letters.

Registered in the "Travel" menu group by delegations.py. Every view
checks its own permission; passport values appear only for holders of
`registration.view_visadetails`, and never in a manifest or rooming export.
"""

from __future__ import annotations

from itertools import chain

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from django_countries import countries
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from registration import spreadsheets
from registration.downloads import file_download, streamed_download
from registration.models import (
    Attendee,
    Event,
    LodgingKind,
    TravelPlan,
    VisaDetails,
    VisaLetter,
    VisaLetterStatus,
)
from registration.staff import access as staff_access
from registration.travel import selectors
from registration.travel.airports import airport_zone
from registration.travel.services import travel

VIEW_VISA = "registration.view_visadetails"
CHANGE_VISA = "registration.change_visadetails"
ISSUE_LETTERS = "registration.issue_visa_letters"


class PermissionRequired:
    """Refuses the view to users without `permission`."""

    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def chosen_event(request) -> Event | None:
    """The event asked for (`?event=<id>`), else the next one to end, else the latest."""
    events = Event.objects.order_by("starts_at")
    chosen = request.GET.get("event", "")
    if chosen.isdigit():
        return events.filter(pk=int(chosen)).first()
    upcoming = events.filter(ends_at__gte=timezone.now())
    return (
        upcoming.filter(orders__attendees__travel__isnull=False).first()
        or upcoming.first()
        or events.order_by("-starts_at").first()
    )


class TitledView:
    """The page title as the last breadcrumb, which the admin header shows."""

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]


class EventChoiceMixin:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["event"] = self.event
        context["events"] = Event.objects.order_by("-starts_at").only(
            "pk", "name", "starts_at"
        )
        return context

    @cached_property
    def event(self) -> Event | None:
        return chosen_event(self.request)


def local_time(moment, airport: str) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(airport_zone(airport) or timezone.get_current_timezone())
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


# --- Travel plans -------------------------------------------------------------------


class TravelPlanIndexView(
    PermissionRequired,
    TitledView,
    EventChoiceMixin,
    WagtailAdminTemplateMixin,
    TemplateView,
):
    permission = "registration.view_travelplan"
    template_name = "registration/travel/admin/travel/plans.html"
    page_title = gettext_lazy("Travel plans")
    header_icon = "site"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        show_passports = staff_access.can_see_passport_details(self.request.user)
        plans = []
        if self.event is not None:
            queryset = selectors.get_travel_plans(self.event)
            status = self.request.GET.get("letter", "")
            if status in VisaLetterStatus.values:
                queryset = queryset.filter(visa_letter_status=status)
            if show_passports:
                queryset = queryset.select_related("attendee__visa")
            plans = list(queryset)
        for plan in plans:
            plan.arrival_local = local_time(plan.arrival_at, plan.arrival_airport)
            plan.departure_local = local_time(plan.departure_at, plan.departure_airport)
        context.update(
            plans=plans,
            show_passports=show_passports,
            letter_statuses=VisaLetterStatus.choices,
            letter=self.request.GET.get("letter", ""),
        )
        return context


class TravelAdminForm(forms.Form):
    arrival_airport = forms.CharField(
        label=gettext_lazy("Arrival airport or station (IATA)"),
        required=False,
        max_length=4,
    )
    arrival_date = forms.CharField(
        label=gettext_lazy("Arrival date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    arrival_time = forms.CharField(
        label=gettext_lazy("Arrival local time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    arrival_carrier = forms.CharField(label=gettext_lazy("Carrier"), required=False)
    arrival_number = forms.CharField(
        label=gettext_lazy("Flight or train"), required=False
    )
    departure_airport = forms.CharField(
        label=gettext_lazy("Departure airport or station (IATA)"),
        required=False,
        max_length=4,
    )
    departure_date = forms.CharField(
        label=gettext_lazy("Departure date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    departure_time = forms.CharField(
        label=gettext_lazy("Departure local time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    departure_carrier = forms.CharField(label=gettext_lazy("Carrier"), required=False)
    departure_number = forms.CharField(
        label=gettext_lazy("Flight or train"), required=False
    )
    pickup_needed = forms.BooleanField(
        label=gettext_lazy("Airport pickup needed"), required=False
    )
    lodging_kind = forms.ChoiceField(
        label=gettext_lazy("Lodging"),
        required=False,
        choices=[("", "—"), *LodgingKind.choices],
    )
    lodging_name = forms.CharField(
        label=gettext_lazy("Hotel or host family"), required=False
    )
    room_sharing_with = forms.CharField(
        label=gettext_lazy("Sharing a room with"), required=False
    )
    visa_letter_needed = forms.BooleanField(
        label=gettext_lazy("Visa invitation letter needed"), required=False
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VisaAdminForm(forms.Form):
    nationality = forms.ChoiceField(
        label=gettext_lazy("Nationality"),
        required=False,
        choices=[("", "—"), *countries],
    )
    passport_number = forms.CharField(
        label=gettext_lazy("Passport number"), required=False
    )
    passport_expiry = forms.CharField(
        label=gettext_lazy("Passport valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_of_birth = forms.CharField(
        label=gettext_lazy("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _add_errors(forms_by_field: list[forms.Form], exc: travel.TravelInvalid) -> None:
    for field, messages_ in exc.by_field().items():
        target = next((f for f in forms_by_field if field in f.fields), None)
        for message in messages_:
            if target is None:
                forms_by_field[0].add_error(None, message)
            else:
                target.add_error(field, message)


class TravelPlanEditView(PermissionRequired, WagtailAdminTemplateMixin, TemplateView):
    """One attendee's travel, in airport-local times; passport fields for the Travel desk."""

    permission = "registration.change_travelplan"
    template_name = "registration/travel/admin/travel/edit.html"
    page_title = gettext_lazy("Travel plan")
    header_icon = "site"

    @cached_property
    def attendee(self) -> Attendee:
        return get_object_or_404(
            Attendee.objects.select_related(
                "order__event", "ticket_type", "delegation", "travel"
            ),
            pk=self.kwargs["attendee_id"],
        )

    def get_page_subtitle(self):
        return self.attendee.badge_name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("travel_plans:index"), "label": _("Travel plans")},
            {"url": "", "label": self.attendee.badge_name},
        ]

    def _forms(self, data=None):
        plan = getattr(self.attendee, "travel", None)
        travel_form = TravelAdminForm(data, initial=travel.travel_form_values(plan))
        visa_form = None
        if self.request.user.has_perm(
            CHANGE_VISA
        ) and staff_access.can_see_passport_details(self.request.user):
            details = VisaDetails.objects.filter(attendee=self.attendee).first()
            initial = {}
            if details is not None:
                initial = {
                    "nationality": details.nationality.code,
                    "passport_number": details.passport_number,
                    "passport_expiry": details.passport_expiry.isoformat(),
                    "date_of_birth": details.date_of_birth.isoformat()
                    if details.date_of_birth
                    else "",
                }
            visa_form = VisaAdminForm(data, initial=initial, prefix="visa")
        return travel_form, visa_form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        travel_form, visa_form = kwargs.get("forms") or self._forms()
        plan = getattr(self.attendee, "travel", None)
        context.update(
            attendee=self.attendee,
            plan=plan,
            travel_form=travel_form,
            visa_form=visa_form,
            can_decide=plan is not None and plan.visa_letter_needed,
            can_issue=self.request.user.has_perm(ISSUE_LETTERS),
            refusal=travel.visa_letter_refusal(
                Attendee.objects.select_related("order", "travel", "visa").get(
                    pk=self.attendee.pk
                )
            ),
            index_url=reverse("travel_plans:index")
            + f"?event={self.attendee.order.event_id}",
        )
        return context

    def post(self, request, *args, **kwargs):
        travel_form, visa_form = self._forms(request.POST)
        travel_form.is_valid()
        visa_data = None
        if (
            visa_form is not None
            and visa_form.is_valid()
            and any(visa_form.cleaned_data.values())
        ):
            visa_data = visa_form.cleaned_data
        try:
            travel.save_member_travel(
                self.attendee,
                travel=travel_form.cleaned_data,
                visa=visa_data,
                by=request.user,
            )
        except travel.TravelInvalid as exc:
            _add_errors([f for f in (travel_form, visa_form) if f is not None], exc)
            context = self.get_context_data(forms=(travel_form, visa_form))
            return self.render_to_response(context, status=400)
        messages.success(
            request,
            _("Travel plan of %(name)s saved.") % {"name": self.attendee.badge_name},
        )
        return redirect("travel_plans:edit", attendee_id=self.attendee.pk)


class LetterDecisionView(PermissionRequired, View):
    """Approve or refuse a visa letter request (staff approval gates the letter)."""

    permission = "registration.change_travelplan"

    def post(self, request, attendee_id):
        plan = get_object_or_404(
            TravelPlan.objects.select_related("attendee__order__event"),
            attendee_id=attendee_id,
        )
        try:
            travel.set_visa_letter_status(
                plan, status=request.POST.get("decision", ""), by=request.user
            )
        except travel.TravelError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Visa letter: %(status)s.")
                % {"status": plan.get_visa_letter_status_display()},
            )
        return redirect("travel_plans:edit", attendee_id=attendee_id)


def _letters_pdf(letters: list[VisaLetter], filename: str) -> HttpResponse:
    return file_download(
        travel.render_visa_letters(letters),
        filename=filename,
        content_type="application/pdf",
        inline=True,
    )


class IssueLetterView(PermissionRequired, View):
    """Issue one letter and answer with its PDF; the refusal otherwise."""

    permission = ISSUE_LETTERS

    def post(self, request, attendee_id):
        attendee = get_object_or_404(Attendee, pk=attendee_id)
        try:
            letter = travel.issue_visa_letter(attendee, by=request.user)
        except travel.TravelError as exc:
            messages.error(request, exc.message)
            return redirect("travel_plans:edit", attendee_id=attendee_id)
        return _letters_pdf([letter], f"visa-letter-{letter.number}.pdf")


class TravelPlanViewSet(ViewSet):
    name = "travel_plans"
    icon = "site"
    menu_label = gettext_lazy("Travel plans")
    permission = "registration.view_travelplan"

    @cached_property
    def menu_item_class(self):
        permission = self.permission

        class Item(MenuItem):
            def is_shown(self, request):
                return request.user.has_perm(permission)

        return Item

    def get_urlpatterns(self):
        return [
            path("", TravelPlanIndexView.as_view(), name="index"),
            path(
                "attendee/<int:attendee_id>/", TravelPlanEditView.as_view(), name="edit"
            ),
            path(
                "attendee/<int:attendee_id>/letter-status/",
                LetterDecisionView.as_view(),
                name="letter_status",
            ),
            path(
                "attendee/<int:attendee_id>/issue-letter/",
                IssueLetterView.as_view(),
                name="issue_letter",
            ),
        ]


# --- Manifests and rooming list ------------------------------------------------------------


def stream_csv(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    return streamed_download(
        spreadsheets.csv_lines(chain([header], rows)),
        filename=filename,
        content_type="text/csv; charset=utf-8",
    )


class ManifestView(
    PermissionRequired,
    TitledView,
    EventChoiceMixin,
    WagtailAdminTemplateMixin,
    TemplateView,
):
    """Arrivals or departures by local day, hour and airport; CSV and PDF alike."""

    permission = "registration.view_travelplan"
    template_name = "registration/travel/admin/travel/manifest.html"
    page_title = gettext_lazy("Arrivals and departures")
    header_icon = "time"

    @cached_property
    def direction(self) -> str:
        value = self.request.GET.get("direction", "arrival")
        return value if value in {"arrival", "departure"} else "arrival"

    @cached_property
    def pickup_only(self) -> bool:
        return self.request.GET.get("pickup") == "1"

    def days(self):
        if self.event is None:
            return []
        return selectors.get_travel_manifest(
            self.event, direction=self.direction, pickup_only=self.pickup_only
        )

    def get(self, request, *args, **kwargs):
        file_format = request.GET.get("format", "")
        if file_format == "csv" and self.event is not None:
            return self.csv_response()
        if file_format == "pdf" and self.event is not None:
            return file_download(
                travel.render_manifest_pdf(
                    self.event,
                    self.days(),
                    direction=self.direction,
                    pickup_only=self.pickup_only,
                ),
                filename=f"{self.direction}s-{self.event.slug}.pdf",
                content_type="application/pdf",
                inline=True,
            )
        return super().get(request, *args, **kwargs)

    def csv_response(self):
        def rows():
            for day in self.days():
                for slot in day.slots:
                    for row in slot.rows:
                        attendee = row.attendee
                        yield [
                            row.local.date().isoformat(),
                            row.local.strftime("%H:%M"),
                            row.zone_name,
                            row.airport,
                            row.carrier,
                            row.number,
                            attendee.badge_name,
                            attendee.delegation.name if attendee.delegation else "",
                            "yes" if row.plan.pickup_needed else "no",
                            row.plan.lodging_name,
                            row.at.isoformat(),
                        ]

        return stream_csv(
            f"{self.direction}s-{self.event.slug}.csv",
            [
                "local_date",
                "local_time",
                "zone",
                "airport",
                "carrier",
                "number",
                "name",
                "delegation",
                "pickup",
                "lodging",
                "utc",
            ],
            rows(),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        days = self.days()
        context.update(
            days=days,
            direction=self.direction,
            pickup_only=self.pickup_only,
            total=sum(day.count for day in days),
        )
        return context


class RoomingListView(
    PermissionRequired,
    TitledView,
    EventChoiceMixin,
    WagtailAdminTemplateMixin,
    TemplateView,
):
    permission = "registration.view_travelplan"
    template_name = "registration/travel/admin/travel/rooming.html"
    page_title = gettext_lazy("Rooming list")
    header_icon = "home"

    def groups(self):
        return [] if self.event is None else selectors.get_rooming_list(self.event)

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv" and self.event is not None:
            return stream_csv(
                f"rooming-{self.event.slug}.csv",
                ["lodging", "kind", "name", "delegation", "sharing_with", "arrival"],
                (
                    [
                        group.lodging_name,
                        group.lodging_kind,
                        plan.attendee.badge_name,
                        plan.attendee.delegation.name
                        if plan.attendee.delegation
                        else "",
                        plan.room_sharing_with,
                        local_time(plan.arrival_at, plan.arrival_airport),
                    ]
                    for group in self.groups()
                    for plan in group.plans
                ),
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups = self.groups()
        for group in groups:
            group.kind_label = LodgingKind(group.lodging_kind).label
            for plan in group.plans:
                plan.arrival_local = local_time(plan.arrival_at, plan.arrival_airport)
                plan.departure_local = local_time(
                    plan.departure_at, plan.departure_airport
                )
        context["groups"] = groups
        return context


class ManifestViewSet(TravelPlanViewSet):
    name = "travel_manifest"
    icon = "time"
    menu_label = gettext_lazy("Arrivals and departures")

    def get_urlpatterns(self):
        return [path("", ManifestView.as_view(), name="index")]


class RoomingViewSet(TravelPlanViewSet):
    name = "rooming_list"
    icon = "home"
    menu_label = gettext_lazy("Rooming list")

    def get_urlpatterns(self):
        return [path("", RoomingListView.as_view(), name="index")]


# --- Visa letters ----------------------------------------------------------------------


class VisaLetterIndexView(
    PermissionRequired, TitledView, WagtailAdminTemplateMixin, TemplateView
):
    """The numbered log of letters, and the approved requests waiting for a letter."""

    permission = "registration.view_visaletter"
    template_name = "registration/travel/admin/travel/letters.html"
    page_title = gettext_lazy("Visa letters")
    header_icon = "mail"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["letters"] = list(
            VisaLetter.objects.select_related(
                "attendee__order__event", "attendee__delegation", "issued_by"
            ).order_by("-issued_at", "-pk")[:200]
        )
        context["waiting"] = list(
            TravelPlan.objects.select_related(
                "attendee__order__event", "attendee__delegation"
            )
            .filter(visa_letter_status=VisaLetterStatus.APPROVED)
            .order_by("attendee__family_name", "pk")
        )
        context["can_issue"] = self.request.user.has_perm(ISSUE_LETTERS)
        context["can_read"] = staff_access.can_see_passport_details(self.request.user)
        return context


class VisaLetterPdfView(PermissionRequired, View):
    """An issued letter again (it carries passport data: Travel desk only)."""

    permission = VIEW_VISA

    def get(self, request, pk):
        letter = get_object_or_404(VisaLetter, pk=pk)
        try:
            return _letters_pdf([letter], f"visa-letter-{letter.number}.pdf")
        except travel.TravelError as exc:
            messages.error(request, exc.message)
            return redirect("visa_letters:index")


class VisaLetterViewSet(TravelPlanViewSet):
    name = "visa_letters"
    icon = "mail"
    menu_label = gettext_lazy("Visa letters")
    permission = "registration.view_visaletter"

    def get_urlpatterns(self):
        return [
            path("", VisaLetterIndexView.as_view(), name="index"),
            path("<int:pk>/pdf/", VisaLetterPdfView.as_view(), name="pdf"),
        ]
