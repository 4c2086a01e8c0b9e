"""Reports in the Wagtail admin: a dashboard panel and an event report.

- Dashboard (`/admin/`): for each event not yet over (three at most), seats
  held against capacity, net revenue, approvals waiting, consent outstanding
  and overdue invoices, with a link to the report.
- `/admin/reports/events/<id>/`: sales by ticket type and by day, revenue by
  payment method, capacity, invoices, consent, approvals, dietary,
  accessibility and T-shirt counts. Every chart (Chart.js, vendored in
  static/vendor/chartjs/, drawn by static/js/admin/report-charts.js) is also
  a table, and every table downloads as CSV
  (`/admin/reports/events/<id>/<table>.csv`).

All figures come from `selectors.get_event_report`. Reports show revenue, so
they need `registration.view_order` and `registration.view_payment`:
Registration managers and Finance, not the door, travel or youth teams.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from registration import spreadsheets
from registration.downloads import file_download
from registration.models import Event
from registration.money import format_money
from registration.staff import access as staff_access
from registration.staff import selectors

can_view_reports = staff_access.can_view_reports


@dataclass
class ReportTable:
    """One table of the report: shown, charted (when `chart`) and downloaded as CSV."""

    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)  # right-aligned columns
    chart: dict | None = None
    note: str = ""


def _money(amount, currency: str) -> str:
    return format_money(amount, currency)


def report_tables(report: selectors.EventReport) -> list[ReportTable]:
    """The report's figures as tables (CSV values are the same as shown)."""
    currency = report.event.currency
    return [
        _ticket_types_table(report, currency),
        _days_table(report, currency),
        _revenue_table(report, currency),
        _status_table(report, currency),
        *_answer_tables(report),
    ]


def _ticket_types_table(report: selectors.EventReport, currency: str) -> ReportTable:
    """Seats sold and held and revenue per ticket type, charted as stacked bars."""
    tickets = ReportTable(
        "ticket-types",
        _("Sales by ticket type"),
        [_("Ticket type"), _("Capacity"), _("Sold"), _("Held (unpaid)"), _("Revenue")],
        numeric={1, 2, 3, 4},
        note=_("Sold: attendees of paid orders; revenue: their ticket prices."),
    )
    for row in report.ticket_types:
        tickets.rows.append(
            [
                row.name,
                "—" if row.capacity is None else row.capacity,
                row.sold,
                row.held,
                _money(row.revenue, currency),
            ]
        )
    tickets.chart = {
        "type": "bar",
        "labels": [row.name for row in report.ticket_types],
        "datasets": [
            {"label": _("Sold"), "data": [row.sold for row in report.ticket_types]},
            {
                "label": _("Held (unpaid)"),
                "data": [row.held for row in report.ticket_types],
            },
        ],
        "stacked": True,
    }
    return tickets


def _days_table(report: selectors.EventReport, currency: str) -> ReportTable:
    """Paid orders by the day they were placed, attendees charted."""
    days = ReportTable(
        "days",
        _("Sales by day"),
        [_("Day"), _("Orders"), _("Attendees"), _("Amount")],
        numeric={1, 2, 3},
        note=_("Paid orders by the day they were placed, in the event's time zone."),
    )
    for row in report.days:
        days.rows.append(
            [
                row.day.isoformat(),
                row.orders,
                row.attendees,
                _money(row.amount, currency),
            ]
        )
    days.chart = {
        "type": "bar",
        "labels": [row.day.isoformat() for row in report.days],
        "datasets": [
            {"label": _("Attendees"), "data": [row.attendees for row in report.days]}
        ],
    }
    return days


def _revenue_table(report: selectors.EventReport, currency: str) -> ReportTable:
    """Gross, refunded and net per payment method, with a total row."""
    revenue = ReportTable(
        "revenue",
        _("Revenue by payment method"),
        [_("Payment method"), _("Gross"), _("Refunded"), _("Net")],
        numeric={1, 2, 3},
        note=_("Gross: succeeded payments; refunded: succeeded refunds."),
    )
    for row in report.revenue:
        revenue.rows.append(
            [
                row.label,
                _money(row.gross, currency),
                _money(row.refunded, currency),
                _money(row.net, currency),
            ]
        )
    revenue.rows.append(
        [
            _("Total"),
            _money(report.gross, currency),
            _money(report.refunded, currency),
            _money(report.net, currency),
        ]
    )
    revenue.chart = {
        "type": "bar",
        "labels": [row.label for row in report.revenue],
        "datasets": [
            {"label": _("Gross"), "data": [float(r.gross) for r in report.revenue]},
            {
                "label": _("Refunded"),
                "data": [float(r.refunded) for r in report.revenue],
            },
            {"label": _("Net"), "data": [float(r.net) for r in report.revenue]},
        ],
    }
    return revenue


def _status_table(report: selectors.EventReport, currency: str) -> ReportTable:
    """What staff follow up: seats against capacity, invoices, consent, approvals."""
    status = ReportTable(
        "status", _("To follow"), [_("Figure"), _("Value")], numeric={1}
    )
    status.rows = [
        [
            _("Seats held (paid and unexpired holds)"),
            report.seats_held
            if report.capacity is None
            else f"{report.seats_held} / {report.capacity} ({report.capacity_percent} %)",
        ],
        [
            _("Invoices due"),
            f"{report.invoices_due} · {_money(report.invoices_due_amount, currency)}",
        ],
        [
            _("Invoices overdue"),
            f"{report.invoices_overdue} · "
            f"{_money(report.invoices_overdue_amount, currency)}",
        ],
        [_("Guardian consent outstanding"), report.consent_outstanding],
        [
            _("Orders awaiting approval (attendees)"),
            f"{report.approvals_waiting} ({report.approval_attendees})",
        ],
    ]
    return status


def _answer_tables(report: selectors.EventReport) -> list[ReportTable]:
    """Dietary, accessibility and T-shirt answers counted; T-shirt sizes charted."""
    tables = []
    for key, title, counts in (
        ("dietary", _("Dietary needs (caterers)"), report.dietary),
        ("accessibility", _("Accessibility needs"), report.accessibility),
        ("t-shirts", _("T-shirt sizes"), report.t_shirts),
    ):
        table = ReportTable(
            key,
            title,
            [_("Question"), _("Answer"), _("Attendees")],
            numeric={2},
            note=_(
                "Answers of attendees holding a seat to the questions tagged for "
                "this report; empty and “none” answers are not counted."
            ),
        )
        table.rows = [[c.question, c.answer, c.count] for c in counts]
        if key == "t-shirts" and counts:
            table.chart = {
                "type": "bar",
                "labels": [c.answer for c in counts],
                "datasets": [
                    {"label": _("Attendees"), "data": [c.count for c in counts]}
                ],
            }
        tables.append(table)
    return tables


class ReportPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_view_reports(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ReportIndexView(ReportPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "registration/staff/admin/reports/index.html"
    page_title = gettext_lazy("Reports")
    header_icon = "table"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = Event.objects.order_by("-starts_at")
        return context


class EventReportMixin(ReportPermissionMixin):
    @cached_property
    def event(self) -> Event:
        return get_object_or_404(Event, pk=self.kwargs["event_id"])

    @cached_property
    def tables(self) -> list[ReportTable]:
        self.report = selectors.get_event_report(self.event)
        return report_tables(self.report)


class EventReportView(EventReportMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "registration/staff/admin/reports/event.html"
    page_title = gettext_lazy("Event report")
    header_icon = "table"

    def get_page_subtitle(self):
        return self.event.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("reports:index"), "label": _("Reports")},
            {"url": "", "label": self.event.name},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tables = self.tables
        context.update(
            event=self.event,
            report=self.report,
            tables=tables,
            charts=[(f"chart-{t.key}", t.chart) for t in tables if t.chart and t.rows],
            generated_at=timezone.localtime(timezone.now(), self.event.tz),
            net=format_money(self.report.net, self.event.currency),
        )
        return context


class ReportCsvView(EventReportMixin, View):
    def get(self, request, event_id, table):
        found = next((t for t in self.tables if t.key == table), None)
        if found is None:
            raise Http404
        return file_download(
            "".join(
                spreadsheets.csv_lines([found.headers, *found.rows], excel_mark=True)
            ),
            filename=f"{self.event.slug}-{found.key}.csv",
            content_type="text/csv; charset=utf-8",
        )


class ReportViewSet(ViewSet):
    name = "reports"
    icon = "table"
    menu_label = gettext_lazy("Reports")
    menu_order = 10

    @cached_property
    def menu_item_class(self):
        class ReportsMenuItem(MenuItem):
            def is_shown(self, request):
                return can_view_reports(request.user)

        return ReportsMenuItem

    def get_urlpatterns(self):
        return [
            path("", ReportIndexView.as_view(), name="index"),
            path("events/<int:event_id>/", EventReportView.as_view(), name="event"),
            path(
                "events/<int:event_id>/<slug:table>.csv",
                ReportCsvView.as_view(),
                name="csv",
            ),
        ]


class ReportsPanel(Component):
    """The dashboard's "Registration" panel: key figures of the coming events."""

    name = "registration_reports"
    order = 50
    template_name = "registration/staff/admin/reports/panel.html"

    def get_context_data(self, parent_context=None):
        return {
            "reports": [
                (report, format_money(report.net, report.event.currency))
                for report in selectors.get_dashboard_events()
            ]
        }


@hooks.register("construct_homepage_panels")
def add_reports_panel(request, panels):
    if can_view_reports(request.user):
        panels.append(ReportsPanel())
