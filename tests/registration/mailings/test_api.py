"""The mailing endpoints of API v1: draft, preview, send, the log."""

import pytest
from rest_framework.test import APIClient

from registration.models import Mailing
from registration.staff.services.api_tokens import create_api_token
from tests.registration.mailings.conftest import member_of, person


def api_for(user) -> APIClient:
    _token, raw = create_api_token(user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.fixture
def api(manager):
    return api_for(manager)


DRAFT = {
    "name": "Venue change",
    "audience": "attendees",
    "filters": {"countries": ["MX"]},
    "subject_en": "New venue for {event}",
    "body_en": "Dear {name}, we moved to Hall B.",
    "subject_es": "Nuevo lugar",
    "body_es": "Hola {name}, estamos en la sala B.",
}


def test_draft_preview_send_and_log(
    api, event, mailoutbox, django_capture_on_commit_callbacks
):
    person(event, "Ana", country="MX", language="es")
    person(event, "Ben", country="US")

    created = api.post(f"/api/v1/events/{event.slug}/mailings/", DRAFT, format="json")
    assert created.status_code == 201, created.json()
    mailing_id = created.json()["id"]
    assert created.json()["status"] == "draft"

    preview = api.get(f"/api/v1/mailings/{mailing_id}/preview/").json()
    assert preview["count"] == 1
    assert preview["preview"]["subject"] == "Nuevo lugar"
    assert preview["preview"]["text"] == "Hola Ana Park, estamos en la sala B."
    assert preview["preview"]["html"] == "<p>Hola Ana Park, estamos en la sala B.</p>"

    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"/api/v1/mailings/{mailing_id}/send/")
    assert (sent.status_code, sent.json()["total"]) == (202, 1)
    again = api.post(f"/api/v1/mailings/{mailing_id}/send/")
    assert (again.status_code, again.json()["code"]) == (409, "already_sent")
    assert [m.to for m in mailoutbox] == [["ana@example.org"]]

    log = api.get(f"/api/v1/mailings/{mailing_id}/log/").json()
    assert [(r["email"], r["delivery_status"]) for r in log["results"]] == [
        ("ana@example.org", "sent")
    ]
    by_address = api.get("/api/v1/mail-log/", {"email": "ANA@example.org"}).json()
    assert by_address["count"] == 1


def test_field_errors_name_the_field(api, event):
    answer = api.post(
        f"/api/v1/events/{event.slug}/mailings/",
        {
            **DRAFT,
            "body_es": "Hola {nombre}",
            "filters": {"extras": [999], "order_statuses": ["refunded"]},
        },
        format="json",
    )
    assert answer.status_code == 400
    assert sorted(answer.json()["errors"]) == [
        "body_es",
        "filters.extras",
        "filters.order_statuses",
    ]
    assert answer.json()["errors"]["body_es"][0]["code"] == "placeholder"
    assert Mailing.objects.count() == 0


def test_only_staff_who_may_mail_and_youth_only_for_youth_protection(event, manager):
    finance = api_for(member_of("Finance", username="finance"))
    assert finance.get(f"/api/v1/events/{event.slug}/mailings/").status_code == 403
    guardians = {**DRAFT, "audience": "guardians", "body_en": "Dear {name}"}
    refused = api_for(manager).post(
        f"/api/v1/events/{event.slug}/mailings/", guardians, format="json"
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    youth = api_for(member_of("Youth protection", username="youth"))
    created = youth.post(
        f"/api/v1/events/{event.slug}/mailings/", guardians, format="json"
    )
    assert created.status_code == 201
    hidden = api_for(manager).get(f"/api/v1/mailings/{created.json()['id']}/")
    assert hidden.status_code == 403
    assert (
        api_for(manager).get(f"/api/v1/events/{event.slug}/mailings/").json()["count"]
        == 0
    )
