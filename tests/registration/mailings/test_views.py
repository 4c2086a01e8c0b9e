"""The unsubscribe page (link and RFC 8058 one-click) and the bounce hook."""

import pytest

from registration.mailings.services import opt_out, sending
from registration.mailings.services.rendering import unsubscribe_url
from registration.models import MailingRecipient, MailOptOut
from tests.registration.mailings.conftest import person, write_mailing


def test_the_link_asks_first_then_unsubscribes_at_once(client, db):
    url = unsubscribe_url("Ana@Example.org", "fr")
    page = client.get(url)
    assert page.status_code == 200
    assert "ana@example.org" in page.content.decode()
    assert MailOptOut.objects.count() == 0

    done = client.post(url)
    assert done.status_code == 200
    assert list(MailOptOut.objects.values_list("email", "source")) == [
        ("ana@example.org", "link")
    ]
    assert (
        "ana@example.org ne recevra plus de messages de l'équipe de l'événement."
        in done.content.decode()
    )


def test_one_click_post_from_a_mail_program(client, db):
    url = unsubscribe_url("ben@example.org", "en")
    answer = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert (answer.status_code, answer.content) == (200, b"")
    assert list(MailOptOut.objects.values_list("email", "source")) == [
        ("ben@example.org", "one_click")
    ]
    client.post(url, {"List-Unsubscribe": "One-Click"})  # again: still one row
    assert MailOptOut.objects.count() == 1


def test_a_forged_token_is_not_found(client, db):
    token = opt_out.unsubscribe_token("ana@example.org")
    assert client.get(f"/mailings/unsubscribe/{token}x/").status_code == 404
    assert client.post(f"/mailings/unsubscribe/{token}x/").status_code == 404


@pytest.fixture
def sent_row(event, manager, django_capture_on_commit_callbacks):
    person(event, "Ana")
    mailing = write_mailing(event, manager)
    with django_capture_on_commit_callbacks(execute=True):
        sending.start_mailing(mailing, by=manager)
    return MailingRecipient.objects.get()


def test_the_bounce_hook_needs_its_secret(client, settings, sent_row):
    body = {"message_id": f"<outbox-{sent_row.outbox_id}@localhost>"}
    settings.MAILINGS_BOUNCE_SECRET = ""
    assert (
        client.post("/mailings/bounces/", body, "application/json").status_code == 404
    )
    settings.MAILINGS_BOUNCE_SECRET = "s3cret"
    refused = client.post(
        "/mailings/bounces/", body, "application/json", HTTP_AUTHORIZATION="Bearer no"
    )
    assert refused.status_code == 401

    answer = client.post(
        "/mailings/bounces/",
        {**body, "reason": "550 unknown user"},
        "application/json",
        HTTP_AUTHORIZATION="Bearer s3cret",
    )
    assert answer.json() == {"recipient": sent_row.pk, "status": "bounced"}
    sent_row.refresh_from_db()
    assert (sent_row.delivery_status, sent_row.note) == ("bounced", "550 unknown user")


def test_the_bounce_hook_names_what_is_wrong(client, settings, sent_row):
    settings.MAILINGS_BOUNCE_SECRET = "s3cret"
    auth = {"HTTP_AUTHORIZATION": "Bearer s3cret"}
    bad = client.post("/mailings/bounces/", {}, "application/json", **auth)
    assert (bad.status_code, bad.json()["field"]) == (400, "message_id")
    unknown = client.post(
        "/mailings/bounces/", {"message_id": "<x@y>"}, "application/json", **auth
    )
    assert unknown.status_code == 404
