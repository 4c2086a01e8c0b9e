"""The mailing screens: compose → preview → send, rules, the log; who may."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registration.models import Mailing, MailingRecipient
from tests.factories import TicketTypeFactory
from tests.factories.registration_more import YouthDetailsFactory
from tests.registration.mailings.conftest import member_of, person, write_mailing

pytestmark = pytest.mark.django_db


def refused(response) -> bool:
    """Wagtail answers a PermissionDenied with a redirect to the dashboard."""
    return (response.status_code, response.get("Location")) == (302, "/admin/")


def compose_data(**overrides) -> dict:
    data = {
        "name": "Venue change",
        "audience": "attendees",
        "schedule": "",
        "schedule_days": "0",
        "subject_en": "New venue for {event}",
        "body_en": "Dear {name},\n\nWe moved to Hall B.\nYour ticket: {ticket_link}",
        "subject_es": "",
        "body_es": "",
        "subject_fr": "Nouveau lieu",
        "body_fr": "Bonjour {name}, nous sommes salle B.",
    }
    data.update(overrides)
    return data


def test_compose_preview_and_send(
    client, event, manager, mailoutbox, django_capture_on_commit_callbacks
):
    person(event, "Ana", language="fr")
    person(event, "Ben")
    client.force_login(manager)

    saved = client.post(reverse("mailings:compose", args=[event.pk]), compose_data())
    mailing = Mailing.objects.get()
    assert saved.url == reverse("mailings:preview", args=[mailing.pk])

    preview = client.get(saved.url)
    page = preview.content.decode()
    assert preview.context["count"] == 2
    assert preview.context["rendered"].subject == "Nouveau lieu"
    assert "Bonjour Ana Park, nous sommes salle B." in page
    other = client.get(saved.url + "?recipient=1")
    assert other.context["rendered"].subject == "New venue for Annual Conference"
    assert "We moved to Hall B.<br>Your ticket: <a href=" in other.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("mailings:send", args=[mailing.pk]))
    assert sent.url == reverse("mailings:progress", args=[mailing.pk])
    progress = client.get(sent.url)
    assert progress.status_code == 200
    status = client.get(reverse("mailings:status", args=[mailing.pk])).json()
    assert (status["status"], status["done"], status["total"]) == ("done", 2, 2)
    report = client.get(status["file_url"])
    assert b"ana@example.org" in b"".join(report.streaming_content)
    assert sorted(m.to[0] for m in mailoutbox) == ["ana@example.org", "ben@example.org"]


def test_field_errors_name_the_field_and_keep_the_text(client, event, manager):
    client.force_login(manager)
    answer = client.post(
        reverse("mailings:compose", args=[event.pk]),
        compose_data(body_fr="Bonjour {nom}", subject_es="Hola"),
    )
    assert answer.status_code == 200
    errors = answer.context["form"].errors
    assert sorted(errors) == ["body_es", "body_fr"]
    assert "Unknown placeholder {nom}" in errors["body_fr"][0]
    assert "Bonjour {nom}" in answer.content.decode()
    assert Mailing.objects.count() == 0


def test_a_rule_is_started_from_its_preview(client, event, manager):
    client.force_login(manager)
    client.post(
        reverse("mailings:compose", args=[event.pk]),
        compose_data(schedule="before_start", schedule_days="7"),
    )
    rule = Mailing.objects.get()
    assert rule.status == "paused"
    client.post(reverse("mailings:rule", args=[rule.pk]), {"active": "1"})
    rule.refresh_from_db()
    assert rule.status == "active"
    assert client.post(reverse("mailings:send", args=[rule.pk])).status_code == 302
    assert MailingRecipient.objects.count() == 0


def test_the_log_per_person_resends_and_marks_bounced(
    client, event, manager, mailoutbox, django_capture_on_commit_callbacks
):
    ana = person(event, "Ana")
    person(event, "Ben")
    mailing = write_mailing(event, manager)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mailings:send", args=[mailing.pk]))

    log = client.get(reverse("mailings:log") + f"?attendee={ana.pk}")
    assert [row.email for row in log.context["rows"]] == ["ana@example.org"]
    row = log.context["rows"][0]
    client.post(reverse("mailings:log"), {"recipient": row.pk, "action": "bounced"})
    row.refresh_from_db()
    assert row.delivery_status == "bounced"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mailings:log"), {"recipient": row.pk, "action": "resend"})
    row.refresh_from_db()
    assert (row.delivery_status, row.resent) == ("sent", 1)
    assert [m.to[0] for m in mailoutbox].count("ana@example.org") == 2
    attendee_page = client.get(reverse("attendees:inspect", args=[ana.pk]))
    assert f"/admin/mailings/log/?attendee={ana.pk}" in attendee_page.content.decode()


def test_staff_who_may_not_mail_see_no_mailing_screen(client, event, manager):
    mailing = write_mailing(event, manager)
    client.force_login(member_of("Finance", username="finance"))
    for url in (
        reverse("mailings:index"),
        reverse("mailings:compose", args=[event.pk]),
        reverse("mailings:preview", args=[mailing.pk]),
        reverse("mailings:log"),
    ):
        assert refused(client.get(url)), url
    assert refused(client.post(reverse("mailings:send", args=[mailing.pk])))


def test_youth_mailings_are_for_youth_protection_only(
    client, event, manager, youth_officer
):
    summit = TicketTypeFactory(event=event, requires_guardian_consent=True)
    YouthDetailsFactory(
        attendee=person(event, "Ana", ticket_type=summit),
        guardian_name="Grace Guardian",
    )
    to_guardians = write_mailing(event, youth_officer, "guardians")
    client.force_login(manager)
    form = client.get(reverse("mailings:compose", args=[event.pk])).context["form"]
    assert "guardians" not in dict(form.fields["audience"].choices)
    assert "consent_outstanding" not in form.fields
    assert refused(client.get(reverse("mailings:preview", args=[to_guardians.pk])))
    answer = client.post(
        reverse("mailings:compose", args=[event.pk]),
        compose_data(audience="guardians"),
    )
    assert "audience" in answer.context["form"].errors

    client.force_login(youth_officer)
    preview = client.get(reverse("mailings:preview", args=[to_guardians.pk]))
    assert "Dear Grace Guardian" in preview.content.decode()


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_mailing_list_and_the_log_cost_the_same_for_more_rows(
    client, event, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    counts = []
    for names in (("Ana", "Ben"), ("Cid", "Dee", "Eve", "Fay", "Gus", "Hal")):
        for name in names:
            person(event, name)
        mailing = write_mailing(event, manager, name=f"Mailing {len(names)}")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("mailings:send", args=[mailing.pk]))
        counts.append(
            (
                queries_for(client, reverse("mailings:index")),
                queries_for(client, reverse("mailings:log")),
            )
        )
    assert counts[0] == counts[1]
