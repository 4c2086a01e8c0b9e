"""Every CSV and XLSX that staff download is safe to open (registration/spreadsheets.py).

One walk downloads every file the admin offers, as a superuser, over data whose
names, answers, organisations, cities, delegations, partnerships, codes, page
titles and log labels start with each character a spreadsheet runs as a
formula, and checks every cell. The walk is checked against the URL resolver
and the source tree, so a new download or a new writer that it does not cover
fails here; so does a module that writes CSV or XLSX (a view, a job, a
management command) without registration/spreadsheets.py.
"""

import csv
import inspect
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from import_export.resources import Resource
from openpyxl import load_workbook
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.contrib.redirects.models import Redirect
from wagtail.log_actions import log
from wagtail.models import GroupApprovalTask, Workflow, WorkflowTask

from cms.models import StandardPage
from registration import spreadsheets
from registration.mailings.services.compose import MailingDraft, save_mailing
from registration.models import (
    Answer,
    Attendee,
    Delegation,
    Exchange,
    ExportKind,
    LodgingKind,
    MemberOrganisation,
    Order,
    Partnership,
    QuestionKind,
    QuestionReport,
    TicketType,
    TravelPlan,
    Voucher,
    YouthDetails,
)
from registration.network.services import import_network_file
from registration.staff import selectors
from registration.staff.admin import reports as admin_reports
from registration.staff.services import exports, imports
from tests.factories import (
    AttendeeFactory,
    DelegationFactory,
    EventFactory,
    OrderFactory,
    QuestionFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.factories.cms import add_child, build_site
from tests.factories.partnerships import ExchangeFactory, PartnershipFactory
from tests.factories.registration_more import YouthDetailsFactory
from tests.factories.travel import TravelPlanFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
PAYLOADS = ['=HYPERLINK("http://evil","x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


# --- What a safe cell is -----------------------------------------------------------


def runs_as_formula(cell) -> bool:
    """A text cell a spreadsheet would run; a plain number such as -12.50 is a value."""
    return (
        isinstance(cell, str)
        and cell.startswith(spreadsheets.FORMULA_TRIGGERS)
        and not PLAIN_NUMBER.fullmatch(cell)
    )


def neutralised(cell) -> bool:
    return isinstance(cell, str) and spreadsheets.restore_formula_text(cell) != cell


def cells_of(response) -> list:
    """Every cell of a CSV or XLSX response; an XLSX formula cell fails here."""
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    content_type = response["Content-Type"]
    if content_type.startswith("text/csv"):
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        return [cell for row in rows for cell in row]
    assert content_type == XLSX_TYPE, content_type
    book = load_workbook(io.BytesIO(content))
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                cells.append(cell.value)
    return cells


# --- Data that starts with every trigger ------------------------------------------------


def fit(model, **values) -> dict:
    """`values`, each text cut to its column's length (PostgreSQL refuses more)."""
    fitted = {}
    for name, value in values.items():
        limit = getattr(model._meta.get_field(name), "max_length", None)
        fitted[name] = value[:limit] if isinstance(value, str) and limit else value
    return fitted


def seed_hostile_data():
    event = EventFactory(slug="hostile")
    diet = QuestionFactory(
        event=event,
        label="Diet",
        kind=QuestionKind.TEXT,
        report_as=QuestionReport.DIETARY,
    )
    access = QuestionFactory(
        event=event, label="Access", report_as=QuestionReport.ACCESSIBILITY
    )
    shirt = QuestionFactory(
        event=event, label="Shirt", report_as=QuestionReport.T_SHIRT_SIZE
    )
    for number, text in enumerate(PAYLOADS):
        member = MemberOrganisation.objects.create(
            **fit(MemberOrganisation, name=text, code=f"MEMBER{number}")
        )
        voucher = Voucher.objects.create(
            **fit(Voucher, event=event, code=text, value=Decimal("10"))
        )
        order = OrderFactory(
            **fit(
                Order,
                event=event,
                buyer_name=text,
                buyer_organisation=text,
                buyer_phone=text,
                voucher=voucher,
                member_organisation=member,
                total=Decimal("120.00"),
            )
        )
        delegation = DelegationFactory(**fit(Delegation, event=event, name=text))
        attendee = AttendeeFactory(
            **fit(
                Attendee,
                order=order,
                ticket_type=TicketTypeFactory(
                    **fit(TicketType, event=event, name=text)
                ),
                given_name=text,
                family_name=text,
                badge_name=text,
                badge_name_latin=text,
                organisation=text,
                city=text,
                delegation=delegation,
                price=Decimal("120.00"),
            )
        )
        for question in (diet, access, shirt):
            Answer.objects.create(attendee=attendee, question=question, value=text)
        YouthDetailsFactory(
            **fit(
                YouthDetails,
                attendee=attendee,
                guardian_name=text,
                guardian_phone=text,
                medical_notes=text,
                emergency_contact_name=text,
                emergency_contact_phone=text,
            )
        )
        TravelPlanFactory(
            **fit(
                TravelPlan,
                attendee=attendee,
                arrival_at=datetime(2027, 6, 10, 13, number, tzinfo=UTC),
                arrival_airport="IAD",
                arrival_carrier=text,
                arrival_number=text,
                departure_at=datetime(2027, 6, 14, 9, number, tzinfo=UTC),
                departure_airport="IAD",
                departure_carrier=text,
                departure_number=text,
                lodging_kind=LodgingKind.HOTEL,
                lodging_name=text,
                room_sharing_with=text,
            )
        )
        partnership = PartnershipFactory(
            **fit(
                Partnership,
                local_name=text,
                local_region=text,
                partner_name=text,
                signed_by=text,
                description=text,
            )
        )
        ExchangeFactory(
            **fit(
                Exchange,
                partnership=partnership,
                title=text,
                summary=text,
                outcomes=text,
            )
        )
        # Wagtail's site history labels an entry with the object's name.
        log(delegation, "wagtail.edit")
    return event


def seed_hostile_pages(user):
    """Page titles and workflow names for Wagtail's own reports."""
    home = build_site()
    pages = []
    for number, text in enumerate(PAYLOADS):
        page = add_child(home, StandardPage(title=text, slug=f"hostile-{number}"))
        page.locked, page.locked_by, page.locked_at = (
            True,
            user,
            page.first_published_at,
        )
        page.save()
        pages.append(page)
        Redirect.objects.create(old_path=f"/old-{number}", redirect_link=text)
    workflow = Workflow.objects.create(name=PAYLOADS[0])
    task = GroupApprovalTask.objects.create(name=PAYLOADS[1])
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    workflow.start(pages[0], user)


# --- The downloads ------------------------------------------------------------------------


def _export_files(client, event, *, user, on_commit):
    files = {}
    for kind in ExportKind.values:
        url = reverse("exports:export", args=[event.pk, kind])
        columns = [name for name, _label in exports.allowed_columns(kind, user)]
        data = {"columns": columns, "statuses": ["paid"]}
        files[f"exports:export {kind} csv"] = client.post(
            url, {**data, "file_format": "csv"}
        )
        with on_commit(execute=True):  # the job runs, as a worker would
            job_page = client.post(url, {**data, "file_format": "xlsx"})
        job_id = int(job_page["Location"].rstrip("/").split("/")[-1])
        files[f"exports:file {kind} xlsx"] = client.get(
            reverse("exports:file", args=[job_id])
        )
    return files


def _report_files(client, event, **kwargs):
    report = selectors.get_event_report(event)
    return {
        f"reports:csv {table.key}": client.get(
            reverse("reports:csv", args=[event.pk, table.key])
        )
        for table in admin_reports.report_tables(report)
    }


def _travel_files(client, event, **kwargs):
    return {
        "travel_manifest:index arrival": client.get(
            reverse("travel_manifest:index"), {"event": event.pk, "format": "csv"}
        ),
        "travel_manifest:index departure": client.get(
            reverse("travel_manifest:index"),
            {"event": event.pk, "format": "csv", "direction": "departure"},
        ),
        "rooming_list:index": client.get(
            reverse("rooming_list:index"), {"event": event.pk, "format": "csv"}
        ),
    }


def _network_files(client, event, **kwargs):
    return {
        f"{name}:import_csv": client.get(reverse(f"{name}:import_csv"))
        for name in ("partnerships", "exchanges")
    }


def _mailing_files(client, event, *, user, on_commit):
    """A mailing to the hostile attendees, sent: its recipient list (CSV)."""
    mailing = save_mailing(
        event,
        draft=MailingDraft(
            name="Hostile",
            audience="attendees",
            texts={"subject_en": "Hello", "body_en": "Dear {name}"},
        ),
        by=user,
    )
    with on_commit(execute=True):  # the job runs, as a worker would
        client.post(reverse("mailings:send", args=[mailing.pk]))
    return {"mailings:file": client.get(reverse("mailings:file", args=[mailing.pk]))}


# URL name → the function that downloads every file behind it.
DOWNLOADS = {
    "mailings:file": _mailing_files,
    "exports:export": _export_files,
    "exports:file": _export_files,
    "reports:csv": _report_files,
    "travel_manifest:index": _travel_files,
    "rooming_list:index": _travel_files,
    "partnerships:import_csv": _network_files,
    "exchanges:import_csv": _network_files,
}
# What the discovery below finds that is not a spreadsheet the system writes.
NOT_SPREADSHEETS = {
    "api:docs": "HTML: the API documentation",
    "exports:index": "HTML: choose an event and an export",
    "exports:job": "HTML: the progress of an XLSX job (its file is exports:file)",
    "exports:status": "JSON: the progress of an XLSX job",
    "privacy_export_attendee": "JSON: one person's data (no spreadsheet)",
}
# Files that carry no text from the seeded data (figures only).
FIGURES_ONLY = {"reports:csv days", "reports:csv revenue", "reports:csv status"}


def _walk(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            for route, name, callback in _walk(pattern, inner):
                yield str(pattern.pattern) + route, name, callback
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield str(pattern.pattern), namespace + pattern.name, pattern.callback


def _wagtail_exports():
    """URL name → path of every Wagtail listing that offers ?export=csv/xlsx with columns."""
    found = {}
    for route, name, callback in _walk():
        view_class = getattr(callback, "view_class", None)
        if not (view_class and issubclass(view_class, SpreadsheetExportMixin)):
            continue
        initkwargs = getattr(callback, "view_initkwargs", {})
        if initkwargs.get("list_export", view_class.list_export) and "<" not in route:
            found[name] = reverse(name)
    return found


WRITES_FILES = re.compile(r"csv|xlsx|spreadsheet|openpyxl|export|download", re.I)


def _view_source(callback) -> str:
    target = getattr(callback, "view_class", None) or callback
    target = getattr(target, "__func__", target)
    try:
        return inspect.getsource(target)
    except (OSError, TypeError):
        return ""


def discovered_downloads() -> set[str]:
    """URL names whose address or own view code speaks of files, exports or downloads."""
    found = set()
    for route, name, callback in _walk():
        module = getattr(callback, "__module__", "") or ""
        own_code = module.startswith(("registration", "cms"))
        if (
            WRITES_FILES.search(route)
            or WRITES_FILES.search(name)
            or (
                own_code
                and re.search(r"csv|xlsx|openpyxl", _view_source(callback), re.I)
            )
        ):
            found.add(name)
    return found


def test_every_download_is_safe_to_open(client, django_capture_on_commit_callbacks):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    event = seed_hostile_data()
    seed_hostile_pages(superuser)

    wagtail = _wagtail_exports()
    assert {"wagtailadmin_reports:site_history", "wagtailredirects:index"} <= set(
        wagtail
    )
    uncovered = discovered_downloads() - set(DOWNLOADS) - set(wagtail)
    assert uncovered - set(NOT_SPREADSHEETS) == set(), "downloads the walk misses"
    assert set(NOT_SPREADSHEETS) - discovered_downloads() == set(), "stale entries"

    files = {}
    for download in dict.fromkeys(DOWNLOADS.values()):
        files.update(
            download(
                client,
                event,
                user=superuser,
                on_commit=django_capture_on_commit_callbacks,
            )
        )
    for name, path in wagtail.items():
        for file_format in ("csv", "xlsx"):
            files[f"{name} {file_format}"] = client.get(path, {"export": file_format})
    assert {key.split(" ")[0] for key in files} == set(DOWNLOADS) | set(wagtail)

    carrying = set()
    for key, response in files.items():
        assert response.status_code == 200, key
        cells = cells_of(response)
        unsafe = [cell for cell in cells if runs_as_formula(cell)]
        assert unsafe == [], key
        if any(neutralised(cell) for cell in cells):
            carrying.add(key)
    # Every file did receive the hostile text (or holds figures only).
    assert set(files) - carrying == FIGURES_ONLY


def test_numbers_stay_numbers_and_text_is_neutralised():
    assert spreadsheets.neutralise_formula(Decimal("-12.50")) == Decimal("-12.50")
    assert spreadsheets.neutralise_formula(-3) == -3
    assert spreadsheets.neutralise_formula(date(2027, 6, 1)) == date(2027, 6, 1)
    assert spreadsheets.neutralise_formula(None) is None
    assert [spreadsheets.neutralise_formula(text) for text in PAYLOADS] == [
        "'" + text for text in PAYLOADS
    ]
    assert spreadsheets.neutralise_formula("-12.50") == "'-12.50"  # text, not a number
    assert spreadsheets.neutralise_formula("Anna =x") == "Anna =x"
    assert spreadsheets.neutralise_formula("'=x") == "'=x"  # never twice
    assert [spreadsheets.restore_formula_text("'" + text) for text in PAYLOADS] == (
        PAYLOADS
    )
    assert spreadsheets.restore_formula_text("'quoted'") == "'quoted'"
    assert spreadsheets.restore_formula_text("'") == "'"


def test_order_xlsx_keeps_totals_as_numbers(django_capture_on_commit_callbacks):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    order = OrderFactory(buyer_name="-2+3", total=Decimal("-12.50"))
    AttendeeFactory(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.start_export_job(
            ExportKind.ORDERS,
            order.event,
            columns=["buyer_name", "attendee_count", "total"],
            filters=exports.ExportFilters(),
            by=superuser,
        )
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [("'-2+3", 1, -12.5)]
    assert [cell.data_type for cell in next(sheet.iter_rows(min_row=2))] == [
        "s",
        "n",
        "n",
    ]


def test_an_xlsx_export_survives_control_characters_xml_cannot_hold(
    django_capture_on_commit_callbacks,
):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    order = OrderFactory(buyer_name="Ana\x0bPérez\x1f")
    AttendeeFactory(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.start_export_job(
            ExportKind.ORDERS,
            order.event,
            columns=["buyer_name"],
            filters=exports.ExportFilters(),
            by=superuser,
        )
    job.refresh_from_db()
    assert job.status == "done"
    with job.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [("AnaPérez",)]


def test_every_resource_and_writer_goes_through_spreadsheets():

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {c for c in subclasses(Resource) if c.__module__.startswith("registration")}
    assert len(ours) >= 7
    assert [
        c.__name__ for c in ours if not issubclass(c, spreadsheets.FormulaSafeExport)
    ] == []

    # A writer of its own (csv.writer, openpyxl, a tablib export) must use the helpers.
    writer = re.compile(
        r"csv\.(writer|DictWriter)\(|Workbook\(|\.export(_set)?\("
        r"|dataset\.(csv|tsv|xlsx|xls|ods)\b"
    )
    allowed = {
        "registration/spreadsheets.py": "def neutralise_formula",
        "registration/staff/services/exports.py": "spreadsheets.xlsx_row",
        # The Resource's export() is a FormulaSafeExport.
        "registration/network/admin.py": "RESOURCES[self.import_kind]().export()",
    }
    found = {}
    for path in [*ROOT.glob("registration/**/*.py"), *ROOT.glob("cms/**/*.py")]:
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        if writer.search(text):
            found[str(path.relative_to(ROOT))] = text
    assert set(found) == set(allowed)
    for path, marker in allowed.items():
        assert marker in found[path], path


# --- Round trip: a file we export imports back unchanged --------------------------------


PARTNERSHIP_COLUMNS = [
    f.attname
    for f in Partnership._meta.concrete_fields
    if f.attname not in ("created_at", "updated_at")
]
EXCHANGE_COLUMNS = [
    f.attname
    for f in Exchange._meta.concrete_fields
    if f.attname not in ("created_at", "updated_at")
]


def test_network_exports_import_back_without_change(client):
    partnership = PartnershipFactory(
        local_name="=Springfield", partner_name="+33 Nadi", signed_by="@mayor"
    )
    ExchangeFactory(partnership=partnership, title="-2+3 camp", summary="\t=1")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    def records():
        return [
            list(model.objects.order_by("pk").values(*fields))
            for model, fields in (
                (Partnership, PARTNERSHIP_COLUMNS),
                (Exchange, EXCHANGE_COLUMNS),
            )
        ]

    before = records()

    for kind in ("partnerships", "exchanges"):
        content = client.get(reverse(f"{kind}:import_csv")).content
        assert b"'=Springfield" in content or b"'-2+3 camp" in content
        report = import_network_file(
            kind, content=content, filename=f"{kind}.csv", confirm=True
        )
        assert report.written, [row.errors for row in report.rows]
        assert report.update_count == 1

    assert records() == before


def test_member_and_voucher_files_in_our_format_import_as_typed():
    staff = UserFactory(username="importer", is_staff=True, is_superuser=True)
    event = EventFactory()
    roster = "".join(
        spreadsheets.csv_lines(
            [["name", "code"], ["=Acme", "M1"], ["+33 Club", "M2"]], excel_mark=True
        )
    ).encode()
    dataset = imports.read_dataset(roster, file_name="members.csv")
    result = imports.import_member_organisations(dataset, commit=True, by=staff)
    assert result.committed and not result.has_errors
    assert sorted(MemberOrganisation.objects.values_list("name", "code")) == [
        ("+33 Club", "M2"),
        ("=Acme", "M1"),
    ]

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in (["code", "kind", "value", "note"], ["SAVE10", "percent", 10, "-note"]):
        sheet.append(spreadsheets.xlsx_row(row))
    buffer = io.BytesIO()
    book.save(buffer)
    dataset = imports.read_dataset(buffer.getvalue(), file_name="vouchers.xlsx")
    result = imports.import_vouchers(event, dataset, commit=True, by=staff)
    assert result.committed and not result.has_errors
    assert list(Voucher.objects.values_list("code", "value", "note")) == [
        ("SAVE10", Decimal("10.00"), "-note")
    ]
