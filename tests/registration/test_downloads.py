"""File downloads: one helper (registration/downloads.py) writes their headers,
and every download view answers with a well-formed one.

`DOWNLOAD_CALLS` lists every place that calls the helper; a source scan fails
when a new one appears (add it here, and walk it below) or when any other
module writes `Content-Disposition` by hand.
"""

import ast
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from registration.downloads import content_disposition, download_headers
from registration.models import (
    AttendanceCertificate,
    BadgePrintJob,
    CertificateJob,
    CreditNote,
    DelegationInvoice,
    ExportJob,
    Invoice,
    Mailing,
    MailingJob,
    ProgrammeSession,
)
from registration.payments import services as payments
from tests.factories import AttendeeFactory, UserFactory
from tests.factories.travel import LedDelegationFactory
from tests.registration.payments.conftest import make_order

ROOT = Path(__file__).resolve().parents[2]
HELPERS = {"file_download", "streamed_download", "stored_file_download"}

# Every call of the helper, as "module:enclosing function" -> the walk cases
# below that reach it. A new download view fails the scan until it is listed.
DOWNLOAD_CALLS = {
    "registration.catalogue.views:_ics": ["event_ics", "order_attendee_ics"],
    "registration.orders.views.order_page:attendee_ticket": ["ticket"],
    "registration.payments.views:_pdf": ["receipt", "invoice", "credit_note"],
    "registration.payments.admin:InvoiceViewSet.pdf_view": ["admin_invoice"],
    "registration.privacy.admin:export_attendee_data_view": ["attendee_data"],
    "registration.staff.admin.reports:ReportCsvView.get": ["report_csv"],
    "registration.network.admin:ImportableViewSet.import_template_view": ["import_csv"],
    "registration.staff.admin.exports:ExportView.form_valid": ["export_csv"],
    "registration.staff.admin.exports:ExportJobFileView.get": ["export_file"],
    "registration.documents.admin:BadgeJobPdfView.get": ["badge_job"],
    "registration.documents.admin:ReprintBadgeView.post": ["badge_reprint"],
    "registration.mailings.admin.mailings:ReportFileView.get": ["mailing_report"],
    "registration.programme.admin:CertificateJobPdfView.get": ["certificate_job"],
    "registration.programme.views:own_certificate": ["certificate"],
    "registration.programme.views:session_ics": ["session_ics"],
    "registration.travel.admin.travel:_letters_pdf": ["visa_letter"],
    "registration.travel.admin.travel:stream_csv": ["manifest_csv", "rooming_csv"],
    "registration.travel.admin.travel:ManifestView.get": ["manifest_pdf"],
    "registration.travel.admin.delegations:DelegationLettersView.post": [
        "delegation_letters"
    ],
    "registration.travel.admin.delegations:DelegationInvoicePdfView.get": [
        "admin_delegation_invoice"
    ],
    "registration.travel.views:member_ticket": ["member_ticket"],
    "registration.travel.views:delegation_invoice": ["delegation_invoice"],
}

WELL_FORMED = re.compile(
    r"(attachment|inline); filename=\"[ !#-\[\]-~]+\""
    r"(; filename\*=UTF-8''[A-Za-z0-9!#$&+^`|%._~-]+)?"
)


def _sources():
    for package in ("registration", "cms", "conference"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def helper_calls() -> set[str]:
    """'module:Class.function' of every call of the download helper."""
    found = set()
    for path in _sources():
        module = _module(path)
        if module == "registration.downloads":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def visit(node, scope, module=module):
            for child in ast.iter_child_nodes(node):
                inner = scope
                if isinstance(
                    child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                ):
                    inner = [*scope, child.name]
                if isinstance(child, ast.Call):
                    func = child.func
                    name = getattr(func, "id", None) or getattr(func, "attr", None)
                    if name in HELPERS:
                        found.add(f"{module}:{'.'.join(scope)}")
                visit(child, inner)

        visit(tree, [])
    return found


# --- the header itself ---------------------------------------------------------------


def test_an_ascii_name_is_one_quoted_filename():
    assert content_disposition("invoice-2027-00001.pdf") == (
        'attachment; filename="invoice-2027-00001.pdf"'
    )
    assert content_disposition("ticket A1.pdf", inline=True) == (
        'inline; filename="ticket A1.pdf"'
    )


def test_a_non_ascii_name_gets_an_ascii_fallback_and_the_utf8_name():
    assert content_disposition("Zoë Müller.pdf") == (
        "attachment; filename=\"Zoe Muller.pdf\"; filename*=UTF-8''Zo%C3%AB%20M%C3%BCller.pdf"
    )
    assert content_disposition("東京.csv") == (
        "attachment; filename=\"download.csv\"; filename*=UTF-8''%E6%9D%B1%E4%BA%AC.csv"
    )


def test_a_name_cannot_inject_a_header_or_end_the_quoted_string():
    value = content_disposition('a"b\r\nSet-Cookie: x=1;\\..\\/etc.pdf')

    assert value == 'attachment; filename="abSet-Cookie: x=1;..etc.pdf"'
    assert WELL_FORMED.fullmatch(value)
    assert content_disposition("\r\n") == 'attachment; filename="download"'


def test_personal_files_are_never_cached_and_never_sniffed():
    assert download_headers("a.pdf") == {
        "Content-Disposition": 'attachment; filename="a.pdf"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    assert "Cache-Control" not in download_headers("event.ics", personal=False)


# --- no header by hand ---------------------------------------------------------------


def test_only_the_helper_writes_content_disposition():
    hand_written = []
    for path in _sources():
        if _module(path) == "registration.downloads":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in (
            "content-disposition",
            "as_attachment",
            "fileresponse(",
            "content_disposition_header",
        ):
            if needle in text.lower():
                hand_written.append(f"{_module(path)}: {needle}")

    assert hand_written == []


def test_every_helper_call_is_listed_and_walked():
    assert sorted(helper_calls()) == sorted(DOWNLOAD_CALLS)
    walked = sorted(case for cases in DOWNLOAD_CALLS.values() for case in cases)
    assert walked == sorted(WALKS)


# --- the walk: every download view answers with a well-formed header -----------------


@pytest.fixture
def world(db, client):
    """A superuser signed in, and one of each thing a download is made from."""
    from registration.models import TravelPlan, VisaDetails, VisaLetterStatus

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    billing = payments.BillingData(name="City of Lyon", address="1 Place Bellecour")
    paid = make_order(payment_method="invoice", hold=timedelta(days=14))
    payments.request_invoice(paid, billing=billing)
    payments.mark_paid_by_transfer(paid, reference="IN-1", by=admin)
    event = paid.event
    attendee = paid.attendees.get()
    canceled = make_order(payment_method="invoice", event=event)
    payments.request_invoice(canceled, billing=billing)
    payments.mark_paid_by_transfer(canceled, reference="IN-2", by=admin)
    payments.cancel_order_with_refund(canceled, by=admin, reason="Visa refused")
    TravelPlan.objects.create(
        attendee=attendee,
        arrival_at=timezone.now() + timedelta(days=30),
        arrival_airport="IAD",
        lodging_name="Hotel Lafayette",
        visa_letter_needed=True,
        visa_letter_status=VisaLetterStatus.APPROVED,
    )
    VisaDetails.objects.create(
        attendee=attendee,
        nationality="FR",
        passport_number="12AB34567",
        passport_expiry=timezone.localdate() + timedelta(days=900),
    )
    delegation = LedDelegationFactory(event=event, name="Lyon delegation")
    attendee.delegation = delegation
    attendee.save(update_fields=["delegation"])
    today = timezone.localdate()
    DelegationInvoice.objects.create(
        delegation=delegation,
        number="2099-00001",
        year=2099,
        sequence=1,
        issued_on=today,
        due_on=today + timedelta(days=14),
        billing_name="Ville de Lyon",
        billing_address="1 Place Bellecour",
        currency=event.currency,
        total=Decimal("450.00"),
        lines=[],
    )
    export = ExportJob.objects.create(
        kind="attendees",
        event=event,
        requested_by=admin,
        columns=["badge_name"],
        status="done",
    )
    export.file.save("walk.xlsx", ContentFile(b"PK\x03\x04"))
    badges = BadgePrintJob.objects.create(
        event=event, requested_by=admin, layout="a6", total=1, status="done"
    )
    badges.pdf.save("walk.pdf", ContentFile(b"%PDF-1.7\n"))
    mailing = Mailing.objects.create(
        event=event,
        name="Walk",
        audience="attendees",
        subject_en="Hello",
        body_en="Hello",
        status="sent",
    )
    report = MailingJob.objects.create(
        mailing=mailing, requested_by=admin, status="done"
    )
    report.report.save("walk.csv", ContentFile(b"E-mail\r\n"))
    session = ProgrammeSession.objects.create(
        event=event,
        title="Youth and city diplomacy",
        room="Room 201",
        starts_at=event.starts_at,
        ends_at=event.starts_at + timedelta(hours=1),
    )
    certificates = CertificateJob.objects.create(
        event=event, requested_by=admin, total=1, status="done"
    )
    certificates.pdf.save("walk.pdf", ContentFile(b"%PDF-1.7\n"))
    AttendanceCertificate.objects.create(attendee=attendee, code="WALK2099")
    AttendeeFactory(order=paid, ticket_type=attendee.ticket_type)
    client.force_login(admin)
    return {
        "event": event,
        "paid": paid,
        "attendee": attendee,
        "payment": paid.payments.get(),
        "credit_note": CreditNote.objects.get(invoice__order=canceled),
        "invoice": Invoice.objects.get(order=paid),
        "delegation": delegation,
        "export": export,
        "badges": badges,
        "mailing": mailing,
        "session": session,
        "certificates": certificates,
    }


def _order_url(world, suffix: str) -> str:
    order = world["paid"]
    return f"/orders/{order.code}/{order.secret}/{suffix}"


def _delegation_url(world, suffix: str) -> str:
    return f"/delegations/{world['delegation'].secret}/{suffix}"


# name -> (how the view is reached, whether the file is personal)
WALKS = {
    "event_ics": (
        lambda c, w: c.get(reverse("registration:event_ics", args=[w["event"].slug])),
        False,
    ),
    "order_attendee_ics": (
        lambda c, w: c.get(_order_url(w, f"calendar/{w['attendee'].pk}.ics")),
        True,
    ),
    "ticket": (
        lambda c, w: c.get(_order_url(w, f"tickets/{w['attendee'].pk}/")),
        True,
    ),
    "receipt": (
        lambda c, w: c.get(_order_url(w, f"receipts/{w['payment'].pk}/")),
        True,
    ),
    "invoice": (lambda c, w: c.get(_order_url(w, "invoice/")), True),
    "credit_note": (
        lambda c, w: c.get(
            "/orders/{code}/{secret}/credit-note/".format(
                code=w["credit_note"].invoice.order.code,
                secret=w["credit_note"].invoice.order.secret,
            )
        ),
        True,
    ),
    "admin_invoice": (
        lambda c, w: c.get(reverse("invoices:pdf", args=[w["invoice"].pk])),
        True,
    ),
    "attendee_data": (
        lambda c, w: c.get(reverse("privacy_export_attendee", args=[w["attendee"].pk])),
        True,
    ),
    "report_csv": (
        lambda c, w: c.get(
            reverse("reports:csv", args=[w["event"].pk, "ticket-types"])
        ),
        True,
    ),
    "import_csv": (
        lambda c, w: c.get(reverse("partnerships:import_csv")),
        True,
    ),
    "export_csv": (
        lambda c, w: c.post(
            reverse("exports:export", args=[w["event"].pk, "attendees"]),
            {"columns": ["badge_name"], "statuses": ["paid"], "file_format": "csv"},
        ),
        True,
    ),
    "export_file": (
        lambda c, w: c.get(reverse("exports:file", args=[w["export"].pk])),
        True,
    ),
    "badge_job": (
        lambda c, w: c.get(reverse("badges:pdf", args=[w["badges"].pk])),
        True,
    ),
    "certificate_job": (
        lambda c, w: c.get(reverse("certificates:pdf", args=[w["certificates"].pk])),
        True,
    ),
    "certificate": (
        lambda c, w: c.get(
            reverse("registration:own_certificate", args=[w["attendee"].secret])
        ),
        True,
    ),
    "session_ics": (
        lambda c, w: c.get(
            reverse(
                "registration:session_ics",
                args=[w["event"].slug, w["session"].pk],
            )
        ),
        False,
    ),
    "mailing_report": (
        lambda c, w: c.get(reverse("mailings:file", args=[w["mailing"].pk])),
        True,
    ),
    "badge_reprint": (
        lambda c, w: c.post(reverse("attendees:reprint", args=[w["attendee"].pk])),
        True,
    ),
    "visa_letter": (
        lambda c, w: c.post(
            reverse("travel_plans:issue_letter", args=[w["attendee"].pk])
        ),
        True,
    ),
    "manifest_csv": (
        lambda c, w: c.get(
            reverse("travel_manifest:index"), {"event": w["event"].pk, "format": "csv"}
        ),
        True,
    ),
    "manifest_pdf": (
        lambda c, w: c.get(
            reverse("travel_manifest:index"), {"event": w["event"].pk, "format": "pdf"}
        ),
        True,
    ),
    "rooming_csv": (
        lambda c, w: c.get(
            reverse("rooming_list:index"), {"event": w["event"].pk, "format": "csv"}
        ),
        True,
    ),
    "delegation_letters": (
        lambda c, w: c.post(reverse("delegations:letters", args=[w["delegation"].pk])),
        True,
    ),
    "admin_delegation_invoice": (
        lambda c, w: c.get(reverse("delegations:invoice", args=[w["delegation"].pk])),
        True,
    ),
    "member_ticket": (
        lambda c, w: c.get(_delegation_url(w, f"members/{w['attendee'].pk}/ticket/")),
        True,
    ),
    "delegation_invoice": (lambda c, w: c.get(_delegation_url(w, "invoice/")), True),
}


@pytest.mark.parametrize("name", sorted(WALKS))
def test_each_download_answers_with_a_well_formed_header(client, world, name):
    fetch, personal = WALKS[name]

    response = fetch(client, world)
    if response.streaming:
        b"".join(response.streaming_content)

    assert response.status_code == 200, name
    disposition = response["Content-Disposition"]
    assert WELL_FORMED.fullmatch(disposition), disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    cache = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert ({"private", "no-store"} <= cache) == personal
