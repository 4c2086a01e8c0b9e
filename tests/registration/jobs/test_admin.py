"""Both job pages (badge print job, export job) draw their progress from the one
template, registration/jobs/admin/job.html, and poll the one status view."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from registration.models import BadgePrintJob, ExportJob
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db

PROGRESS_TEMPLATE = "registration/jobs/admin/job.html"


@pytest.fixture
def staff(client):
    user = UserFactory(username="desk", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["access_admin", "print_badges", "view_attendee"]
        )
    )
    client.force_login(user)
    return user


def test_both_job_pages_render_their_progress_from_the_one_template(client, staff):
    event = EventFactory(name="Annual Conference 2027")
    badge_job = BadgePrintJob.objects.create(
        event=event, layout="a6", total=5, done=2, status="running"
    )
    export_job = ExportJob.objects.create(
        kind="attendees", event=event, requested_by=staff, total=40, status="queued"
    )

    badge_page = client.get(reverse("badges:job", args=[badge_job.pk]))
    export_page = client.get(reverse("exports:job", args=[export_job.pk]))

    for page, own in (
        (badge_page, "registration/documents/admin/badges/job.html"),
        (export_page, "registration/staff/admin/exports/job.html"),
    ):
        assert page.status_code == 200
        names = [template.name for template in page.templates]
        assert names[:2] == [own, PROGRESS_TEMPLATE]
        assert page.content.count(b"js/admin/job-progress.js") == 1
        assert page.content.count(b'class="job-progress"') == 1
    badge_html = badge_page.content.decode()
    export_html = export_page.content.decode()
    status_url = reverse("badges:status", args=[badge_job.pk])
    assert f'data-status-url="{status_url}" data-status="running"' in badge_html
    assert "<span data-job-done>2</span> / <span data-job-total>5</span> badges" in (
        badge_html
    )
    assert 'value="40"' in badge_html
    assert "Download the PDF" in badge_html
    status_url = reverse("exports:status", args=[export_job.pk])
    assert f'data-status-url="{status_url}" data-status="queued"' in export_html
    assert "<span data-job-done>0</span> / <span data-job-total>40</span> rows" in (
        export_html
    )
    assert "Download the spreadsheet" in export_html
    # The details below the bar stay each screen's own.
    assert "Print another batch" in badge_html
    assert "Export again" in export_html


def test_both_status_views_answer_from_the_one_job_status(client, staff):
    event = EventFactory()
    badge_job = BadgePrintJob.objects.create(
        event=event, layout="a6", total=4, done=1, status="running"
    )
    export_job = ExportJob.objects.create(
        kind="attendees",
        event=event,
        requested_by=staff,
        total=0,
        status="failed",
        error="These columns cannot be exported: medical_notes.",
    )

    badges = client.get(reverse("badges:status", args=[badge_job.pk]))
    export = client.get(reverse("exports:status", args=[export_job.pk]))

    # Never cached (Wagtail's admin adds its own never_cache directives).
    for response in (badges, export):
        assert response["Cache-Control"].split(", ")[0] == "no-store"
    assert badges.json() == {
        "status": "running",
        "label": "Rendering",
        "done": 1,
        "total": 4,
        "progress": 25,
        "pdf_url": "",
        "error": "",
    }
    assert export.json() == {
        "status": "failed",
        "label": "Failed",
        "done": 0,
        "total": 0,
        "progress": 0,
        "file_url": "",
        "error": "These columns cannot be exported: medical_notes.",
    }
