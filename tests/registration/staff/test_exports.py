"""Exports (services/exports.py): columns by permission, CSV stream, XLSX job."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from openpyxl import load_workbook

from registration.models import ExportJobStatus, ExportKind, OrderStatus
from registration.staff.resources import SENSITIVE_ATTENDEE_COLUMNS
from registration.staff.services import exports
from tests.factories import AttendeeFactory, EventFactory, OrderFactory, UserFactory
from tests.factories.registration_more import YouthDetailsFactory

pytestmark = pytest.mark.django_db


def member_of(*groups, username):
    user = UserFactory(username=username, is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def manager():
    return member_of("Registration managers", username="manager")


@pytest.fixture
def youth_officer():
    return member_of("Youth protection", username="youth")


@pytest.fixture
def event():
    event = EventFactory(slug="yls")
    order = OrderFactory(event=event, code="AAA111", total=Decimal("150.00"))
    youth = AttendeeFactory(
        order=order, given_name="Léa", family_name="Martin", badge_name="Léa Martin"
    )
    YouthDetailsFactory(attendee=youth, medical_notes="Peanut allergy")
    AttendeeFactory(
        order=order,
        given_name="=cmd",
        family_name="Abe",
        badge_name="=cmd Abe",
        ticket_type=youth.ticket_type,
    )
    OrderFactory(event=event, code="CCC333", status=OrderStatus.CANCELED)
    return event


def test_youth_columns_are_offered_only_with_the_youth_permission(
    manager, youth_officer
):
    manager_columns = {
        n for n, _l in exports.allowed_columns(ExportKind.ATTENDEES, manager)
    }
    officer_columns = {
        n for n, _l in exports.allowed_columns(ExportKind.ATTENDEES, youth_officer)
    }
    assert manager_columns & SENSITIVE_ATTENDEE_COLUMNS == set()
    assert officer_columns - manager_columns == SENSITIVE_ATTENDEE_COLUMNS
    with pytest.raises(exports.ExportError) as error:
        exports.check_columns(
            ExportKind.ATTENDEES, ["badge_name", "medical_notes"], user=manager
        )
    assert error.value.code == "column_not_allowed"
    assert exports.check_columns(
        ExportKind.ATTENDEES, ["medical_notes", "badge_name"], user=youth_officer
    ) == ["badge_name", "medical_notes"]


def test_csv_stream_writes_chosen_columns_and_escapes_formulas(event, youth_officer):
    lines = list(
        exports.stream_csv(
            ExportKind.ATTENDEES,
            event,
            columns=["order_code", "badge_name", "medical_notes"],
            filters=exports.ExportFilters(),
            user=youth_officer,
        )
    )
    assert "".join(lines) == (
        "\ufeffOrder,Badge name,Medical information\r\n"
        "AAA111,'=cmd Abe,\r\n"
        "AAA111,Léa Martin,Peanut allergy\r\n"
    )


def test_order_csv_counts_attendees_and_filters_statuses(event, manager):
    text = "".join(
        exports.stream_csv(
            ExportKind.ORDERS,
            event,
            columns=["code", "status", "attendee_count", "total"],
            filters=exports.ExportFilters(),
            user=manager,
        )
    )
    assert text == "\ufeffOrder,Status,Attendees,Total\r\nAAA111,Paid,2,150.00\r\n"


def test_xlsx_job_completes_with_every_row(event, youth_officer):
    for n in range(25):
        AttendeeFactory(order__event=event, given_name=f"P{n:02d}", family_name="Zed")
    job = exports.start_export_job(
        ExportKind.ATTENDEES,
        event,
        columns=["given_name", "family_name", "date_of_birth"],
        filters=exports.ExportFilters(),
        by=youth_officer,
    )
    # The immediate task backend ran the job on commit; read it back.
    exports.run_export_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.total, job.done) == (ExportJobStatus.DONE, 27, 27)
    assert job.has_sensitive_columns is True
    with job.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Given name", "Family name", "Date of birth")
    assert len(rows) == 28
    assert rows[1] == ("'=cmd", "Abe", None)
    assert rows[2][:2] == ("Léa", "Martin")


def test_xlsx_job_drops_to_failed_when_the_permission_was_taken_away(
    event, youth_officer
):
    job = exports.start_export_job(
        ExportKind.ATTENDEES,
        event,
        columns=["medical_notes"],
        filters=exports.ExportFilters(),
        by=youth_officer,
    )
    job.status = ExportJobStatus.QUEUED
    job.save()
    youth_officer.groups.clear()
    youth_officer = type(youth_officer).objects.get(pk=youth_officer.pk)
    job = exports.run_export_job(job.pk)
    assert job.status == ExportJobStatus.FAILED
    assert job.error == "These columns cannot be exported: medical_notes."
    assert not job.file


def test_periodic_pass_fails_jobs_whose_worker_died_and_requeues_waiting_ones(
    event, manager
):
    from datetime import timedelta

    from django.utils import timezone

    from registration.models import ExportJob

    old = timezone.now() - timedelta(hours=1)
    stuck = ExportJob.objects.create(
        kind=ExportKind.ORDERS,
        event=event,
        requested_by=manager,
        columns=["code"],
        status=ExportJobStatus.RUNNING,
        started_at=old,
    )
    waiting = ExportJob.objects.create(
        kind=ExportKind.ORDERS, event=event, requested_by=manager, columns=["code"]
    )
    ExportJob.objects.filter(pk=waiting.pk).update(created_at=old)
    assert exports.requeue_export_jobs() == 2
    stuck.refresh_from_db()
    waiting.refresh_from_db()
    assert stuck.status == ExportJobStatus.FAILED
    # The immediate backend ran the re-queued job at once.
    assert (waiting.status, waiting.done) == (ExportJobStatus.DONE, 1)
