"""The admin screens: print badges for an event, follow the job, reprint and reissue."""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.documents.services import badges
from registration.models import (
    ActivityLog,
    BadgePrint,
    BadgePrintJob,
    BadgePrintJobStatus,
    GuardianConsent,
)
from tests.factories import (
    AttendeeFactory,
    OrderFactory,
    TicketTypeFactory,
    UserFactory,
)
from tests.factories.registration_more import ConsentTextFactory, YouthDetailsFactory
from tests.pdf_tools import flat_text, page_count

pytestmark = pytest.mark.django_db


def print_form(**fields) -> dict:
    data = {
        "checked_in": "",
        "not_printed_since": "",
        "order_by": "family_name",
        "layout": "a4-4up",
        "programme": "",
        "wifi_network": "",
        "wifi_password": "",
        "emergency_contact": "",
    }
    data.update(fields)
    return data


def refused(response) -> bool:
    """Wagtail answers a PermissionDenied in its admin with a redirect to the dashboard."""
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def download(response) -> bytes:
    return b"".join(response.streaming_content)


def test_print_screen_shows_the_events_filters(client, printer, event, people):
    client.force_login(printer)

    index = client.get(reverse("badges:index"))
    screen = client.get(reverse("badges:print", args=[event.pk]))

    assert index.status_code == 200
    assert screen.status_code == 200
    assert list(screen.context["form"].fields["ticket_types"].queryset) == list(
        event.ticket_types.all()
    )
    assert screen.context["admissible_count"] == 5
    assert screen.context["form"].fields["layout"].initial == "a6"


def test_printing_starts_a_job_that_renders_and_offers_the_pdf(
    client, printer, event, people, speaker, django_capture_on_commit_callbacks
):
    client.force_login(printer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("badges:print", args=[event.pk]),
            print_form(ticket_types=[speaker.pk]),
        )

    job = BadgePrintJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("badges:job", args=[job.pk])
    assert (job.status, job.done, job.total) == (BadgePrintJobStatus.DONE, 2, 2)
    page = client.get(response.url)
    assert page.status_code == 200
    assert b"js/admin/job-progress.js" in page.content
    status = client.get(reverse("badges:status", args=[job.pk])).json()
    assert status == {
        "status": "done",
        "label": "Ready",
        "done": 2,
        "total": 2,
        "progress": 100,
        "pdf_url": reverse("badges:pdf", args=[job.pk]),
        "error": "",
    }
    pdf = download(client.get(status["pdf_url"]))
    assert page_count(pdf) == 1  # two speakers on one A4 sheet
    assert "Ada Abara" in flat_text(pdf)
    assert BadgePrint.objects.filter(job=job, printed_by=printer).count() == 2


def test_print_form_keeps_the_choices_when_nothing_matches(
    client, printer, event, people, kyoto
):
    client.force_login(printer)
    badges.run_badge_print_job(
        badges.start_badge_print_job(
            event, filters=badges.BadgeFilters(), layout="a6", back_side=None, by=None
        ).pk
    )

    response = client.post(
        reverse("badges:print", args=[event.pk]),
        print_form(delegations=[kyoto.pk], not_printed_since="2020-01-01 09:00"),
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "No attendee matches these filters: there are no badges to print."
    ]
    assert response.context["form"]["delegations"].value() == [str(kyoto.pk)]
    assert BadgePrintJob.objects.count() == 1


def test_running_job_reports_its_progress(client, printer, event, people):
    client.force_login(printer)
    job = badges.start_badge_print_job(
        event, filters=badges.BadgeFilters(), layout="a6", back_side=None, by=printer
    )
    BadgePrintJob.objects.filter(pk=job.pk).update(status="running", done=2)

    status = client.get(reverse("badges:status", args=[job.pk])).json()

    assert (status["status"], status["progress"], status["pdf_url"]) == (
        "running",
        40,
        "",
    )
    assert client.get(reverse("badges:pdf", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("name", ["index", "print", "job", "status", "pdf"])
def test_print_screens_refuse_staff_without_the_permission(
    client, viewer, event, people, name
):
    job = badges.start_badge_print_job(
        event, filters=badges.BadgeFilters(), layout="a6", back_side=None, by=None
    )
    badges.run_badge_print_job(job.pk)
    args = {"index": [], "print": [event.pk]}.get(name, [job.pk])
    client.force_login(viewer)

    response = client.get(reverse(f"badges:{name}", args=args))

    assert refused(response)


def test_superusers_may_print_and_see_every_action(client, event, people):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    attendee = people["Moreau"]

    screen = client.get(reverse("badges:print", args=[event.pk]))
    listing = client.get(reverse("attendees:index"))
    page = client.get(reverse("attendees:inspect", args=[attendee.pk]))

    assert [screen.status_code, listing.status_code, page.status_code] == [200] * 3
    assert reverse("attendees:reissue", args=[attendee.pk]).encode() in listing.content
    # No generic edit screen: attendees change through their order's service
    # (the order screen's "Edit details" page).
    assert b"/admin/attendees/edit/" not in listing.content


def test_print_menu_item_is_shown_only_to_those_who_may_print(client, printer, viewer):
    client.force_login(printer)
    shown = client.get(reverse("wagtailadmin_home"))
    client.force_login(viewer)
    hidden = client.get(reverse("wagtailadmin_home"))

    assert reverse("badges:index").encode() in shown.content
    assert reverse("badges:index").encode() not in hidden.content
    assert reverse("attendees:index").encode() in hidden.content


# --- Attendees ---------------------------------------------------------------------


def test_attendee_listing_filters_by_event_ticket_type_and_delegation(
    client, viewer, event, people, speaker, kyoto
):
    AttendeeFactory(family_name="Elsewhere")  # another event
    client.force_login(viewer)
    url = reverse("attendees:index")

    by_event = client.get(url, {"event": event.pk})
    by_type = client.get(url, {"ticket_type": speaker.pk})
    by_both = client.get(url, {"ticket_type": speaker.pk, "delegation": kyoto.pk})

    assert by_event.status_code == 200
    assert len(by_event.context["object_list"]) == 7  # unpaid ones are listed too
    assert {a.family_name for a in by_type.context["object_list"]} == {
        "Abara",
        "Petrova",
    }
    assert [a.family_name for a in by_both.context["object_list"]] == ["Petrova"]


def test_attendee_listing_filters_and_flags_missing_consent(
    client, viewer, event, people
):
    youth = TicketTypeFactory(
        event=event, name="Youth delegate", requires_guardian_consent=True
    )
    order = OrderFactory(event=event)
    AttendeeFactory(order=order, ticket_type=youth, family_name="Nodetails")
    unsigned = AttendeeFactory(order=order, ticket_type=youth, family_name="Unsigned")
    YouthDetailsFactory(attendee=unsigned)
    signed = AttendeeFactory(order=order, ticket_type=youth, family_name="Signed")
    GuardianConsent.objects.create(
        youth=YouthDetailsFactory(attendee=signed),
        consent_text=ConsentTextFactory(event=event),
        signed_name="Grace Guardian",
        signed_at=datetime(2027, 1, 1, 10, 0, tzinfo=UTC),
    )
    client.force_login(viewer)
    url = reverse("attendees:index")

    missing = client.get(url, {"event": event.pk, "consent": "missing"})
    complete = client.get(url, {"event": event.pk, "consent": "complete"})

    assert sorted(a.family_name for a in missing.context["object_list"]) == [
        "Nodetails",
        "Unsigned",
    ]
    assert sorted(a.family_name for a in complete.context["object_list"]) == [
        "Abara",
        "Moreau",
        "Okubo",
        "Petrova",
        "Signed",
        "Unpaid",
        "Unpaid",
        "Zhou",
    ]
    cells = re.findall(rb"<td >\s*Consent missing\s*</td>", missing.content)
    assert len(cells) == 2


def test_attendee_listing_runs_the_same_queries_for_more_rows(
    client, viewer, event, delegate, people
):
    client.force_login(viewer)
    url = reverse("attendees:index")
    client.get(url)  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        AttendeeFactory(order__event=event, ticket_type=delegate, family_name=f"N{n}")
    with CaptureQueriesContext(connection) as more:
        client.get(url)

    assert len(more) == len(few)


def test_attendee_page_offers_only_the_actions_the_user_may_take(
    client, viewer, printer, desk_lead, people
):
    attendee = people["Moreau"]
    url = reverse("attendees:inspect", args=[attendee.pk])
    reprint = reverse("attendees:reprint", args=[attendee.pk]).encode()
    reissue = reverse("attendees:reissue", args=[attendee.pk]).encode()

    pages = {}
    for user in (viewer, printer, desk_lead):
        client.force_login(user)
        pages[user.username] = client.get(url)

    assert [p.status_code for p in pages.values()] == [200, 200, 200]
    assert (reprint in pages["viewer"].content, reissue in pages["viewer"].content) == (
        False,
        False,
    )
    assert (
        reprint in pages["printer"].content,
        reissue in pages["printer"].content,
    ) == (
        True,
        False,
    )
    assert (
        reprint in pages["desk-lead"].content,
        reissue in pages["desk-lead"].content,
    ) == (True, True)
    assert attendee.secret.encode() not in pages["desk-lead"].content


def test_reprint_downloads_the_badge_and_logs_it(client, printer, people):
    attendee = people["Zhou"]
    client.force_login(printer)
    url = reverse("attendees:reprint", args=[attendee.pk])

    confirm = client.get(url)
    response = client.post(url, {"layout": "a6"})

    assert confirm.status_code == 200
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Wei Zhou" in flat_text(response.content)
    assert BadgePrint.objects.filter(attendee=attendee, printed_by=printer).count() == 1
    assert (
        ActivityLog.objects.filter(
            action="badge.reprinted", object_id=str(attendee.pk), actor=printer
        ).count()
        == 1
    )


def test_reprint_is_refused_without_the_print_permission(client, viewer, people):
    client.force_login(viewer)
    url = reverse("attendees:reprint", args=[people["Zhou"].pk])

    assert refused(client.get(url))
    assert refused(client.post(url, {"layout": "a6"}))
    assert BadgePrint.objects.count() == 0


def test_reissue_asks_first_then_revokes_the_old_secret(
    client, desk_lead, people, django_capture_on_commit_callbacks
):
    attendee = people["Moreau"]
    old = attendee.secret
    client.force_login(desk_lead)
    url = reverse("attendees:reissue", args=[attendee.pk])

    confirm = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    attendee.refresh_from_db()
    assert confirm.status_code == 200
    assert b"csrfmiddlewaretoken" in confirm.content
    assert response.status_code == 302
    assert response.url == reverse("attendees:inspect", args=[attendee.pk])
    assert attendee.secret != old
    assert (
        ActivityLog.objects.filter(
            action="ticket.reissued", object_id=str(attendee.pk), actor=desk_lead
        ).count()
        == 1
    )


def test_reissue_needs_the_change_permission(client, printer, people):
    attendee = people["Moreau"]
    old = attendee.secret
    client.force_login(printer)
    url = reverse("attendees:reissue", args=[attendee.pk])

    assert refused(client.get(url))
    assert refused(client.post(url))
    attendee.refresh_from_db()
    assert attendee.secret == old
    assert mail.outbox == []


def test_reissue_refuses_a_post_without_csrf_token(people, desk_lead):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(desk_lead)
    attendee = people["Moreau"]

    response = client.post(reverse("attendees:reissue", args=[attendee.pk]))

    assert response.status_code == 403
    old = attendee.secret
    attendee.refresh_from_db()
    assert attendee.secret == old
