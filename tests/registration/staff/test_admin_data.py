"""Reports and data admin screens: permissions, import upload → preview → confirm,
CSV export, XLSX job pages, the event report and the dashboard panel."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.models import ExportJob, ExportJobStatus, MemberOrganisation
from tests.factories import AttendeeFactory, EventFactory, OrderFactory, UserFactory
from tests.factories.registration_more import YouthDetailsFactory

pytestmark = pytest.mark.django_db


def login(client, *groups, username):
    user = UserFactory(username=username, is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    if not groups:
        # Into the admin, and nothing more.
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="wagtailadmin", codename="access_admin"
            )
        )
    client.force_login(user)
    return user


def refused(response) -> bool:
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


@pytest.fixture
def event():
    event = EventFactory(slug="yls", name="Youth Summit")
    order = OrderFactory(event=event, code="AAA111", total=Decimal("100.00"))
    youth = AttendeeFactory(order=order, given_name="Léa", family_name="Martin")
    YouthDetailsFactory(attendee=youth, medical_notes="Peanut allergy")
    return event


def test_screens_refuse_staff_without_permissions(client, event):
    login(client, username="staff")
    assert refused(client.get(reverse("reports:event", args=[event.pk])))
    assert refused(client.get(reverse("reports:csv", args=[event.pk, "days"])))
    assert refused(client.get(reverse("imports:index")))
    assert refused(client.get(reverse("exports:export", args=[event.pk, "orders"])))
    login(client, "Travel desk", username="travel")
    # The travel desk may view orders and attendees, not import rosters.
    assert refused(client.get(reverse("imports:upload", args=["members"])))
    assert refused(client.post(reverse("imports:confirm", args=["vouchers"])))
    assert (
        client.get(reverse("exports:export", args=[event.pk, "orders"])).status_code
        == 200
    )


def test_member_import_through_the_admin(client):
    login(client, "Registration managers", username="manager")
    upload = reverse("imports:upload", args=["members"])
    bad = SimpleUploadedFile("m.csv", b"name,code\nToulouse,TLS\n,EMPTY\n")
    response = client.post(upload, {"file": bad})
    assert response.status_code == 200
    assert response.context["result"].error_row_count == 1
    assert response.context["token"] == ""
    assert b"Nothing was imported: 1 row has errors." in response.content
    assert MemberOrganisation.objects.count() == 0

    good = SimpleUploadedFile("m.csv", b"name,code\nToulouse,TLS\nKyoto,KYO\n")
    response = client.post(upload, {"file": good})
    token = response.context["token"]
    assert token
    assert b"2 rows are ready to import." in response.content
    assert MemberOrganisation.objects.count() == 0

    confirm = reverse("imports:confirm", args=["members"])
    response = client.post(confirm, {"token": token})
    assert response.status_code == 302
    assert response.url == reverse("member_organisations:index")
    assert sorted(MemberOrganisation.objects.values_list("code", flat=True)) == [
        "KYO",
        "TLS",
    ]
    # The same preview cannot be imported twice.
    again = client.post(confirm, {"token": token})
    assert again.url == reverse("imports:upload", args=["members"])
    assert MemberOrganisation.objects.count() == 2


def test_upload_of_an_unreadable_file_names_the_field(client):
    login(client, "Registration managers", username="manager")
    response = client.post(
        reverse("imports:upload", args=["members"]),
        {"file": SimpleUploadedFile("m.pdf", b"%PDF")},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["Upload a .csv or .xlsx file."]}


def test_csv_export_streams_without_youth_columns_for_managers(client, event):
    login(client, "Registration managers", username="manager")
    url = reverse("exports:export", args=[event.pk, "attendees"])
    page = client.get(url)
    assert b"medical_notes" not in page.content
    response = client.post(
        url,
        {
            "columns": ["badge_name", "medical_notes"],
            "statuses": ["paid"],
            "file_format": "csv",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["columns"] == [
        "Select a valid choice. medical_notes is not one of the available choices."
    ]
    response = client.post(
        url, {"columns": ["badge_name"], "statuses": ["paid"], "file_format": "csv"}
    )
    assert response.streaming
    assert b"".join(response.streaming_content).decode() == (
        "\ufeffBadge name\r\nMina Park\r\n".replace("Mina Park", "Léa Martin")
    )


def test_xlsx_export_job_pages_are_the_requesters_own(client, event):
    officer = login(client, "Youth protection", username="officer")
    url = reverse("exports:export", args=[event.pk, "attendees"])
    response = client.post(
        url,
        {
            "columns": ["badge_name", "medical_notes"],
            "statuses": ["paid"],
            "file_format": "xlsx",
        },
    )
    job = ExportJob.objects.get()
    assert response.url == reverse("exports:job", args=[job.pk])
    assert (job.requested_by, job.has_sensitive_columns) == (officer, True)
    from registration.staff.services.exports import run_export_job

    run_export_job(job.pk)
    status = client.get(reverse("exports:status", args=[job.pk])).json()
    assert status == {
        "status": ExportJobStatus.DONE,
        "label": "Ready",
        "done": 1,
        "total": 1,
        "progress": 100,
        "file_url": reverse("exports:file", args=[job.pk]),
        "error": "",
    }
    assert client.get(reverse("exports:job", args=[job.pk])).status_code == 200
    download = client.get(status["file_url"])
    assert download.status_code == 200
    assert (
        download["Content-Disposition"]
        == f'attachment; filename="attendees-yls-{job.pk}.xlsx"'
    )
    # response.close() fires request_finished, whose close_old_connections
    # would close the test's database connection; the test client itself
    # disconnects it around its requests, and so does this.
    request_finished.disconnect(close_old_connections)
    try:
        download.close()
    finally:
        request_finished.connect(close_old_connections)
    # Someone else, even with the same permissions, gets nothing.
    login(client, "Youth protection", username="other-officer")
    assert refused(client.get(reverse("exports:status", args=[job.pk])))
    assert refused(client.get(status["file_url"]))


def test_event_report_page_csv_and_query_count(client, event):
    login(client, "Finance", username="finance")
    url = reverse("reports:event", args=[event.pk])
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    assert b"vendor/chartjs/chart.umd.min.js" in response.content
    assert b'id="chart-ticket-types"' in response.content
    for n in range(5):
        AttendeeFactory(order__event=event, family_name=f"More{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    csv = client.get(reverse("reports:csv", args=[event.pk, "ticket-types"]))
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv.content.decode().splitlines()
    assert rows[0] == "\ufeffTicket type,Capacity,Sold,Held (unpaid),Revenue"
    assert (
        client.get(reverse("reports:csv", args=[event.pk, "nope"])).status_code == 404
    )


def test_dashboard_shows_the_registration_panel_to_report_readers(client, event):
    login(client, "Finance", username="finance")
    response = client.get(reverse("wagtailadmin_home"))
    assert b'id="registration-reports-heading"' in response.content
    assert b"Youth Summit" in response.content
    login(client, username="staff")
    response = client.get(reverse("wagtailadmin_home"))
    assert b'id="registration-reports-heading"' not in response.content


@pytest.mark.parametrize(
    ("group", "sees"),
    [
        ("Registration managers", True),
        ("Finance", True),
        ("Check-in supervisors", False),
        ("Travel desk", False),
        ("Youth protection", False),
    ],
)
def test_reports_with_revenue_are_for_managers_and_finance_only(
    client, event, group, sees
):
    login(client, group, username="reader")
    response = client.get(reverse("reports:event", args=[event.pk]))
    assert (response.status_code == 200) is sees
    home = client.get(reverse("wagtailadmin_home"))
    assert (b'id="registration-reports-heading"' in home.content) is sees
