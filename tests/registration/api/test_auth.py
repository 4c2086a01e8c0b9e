import hashlib
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from registration.models import ApiToken
from registration.staff.services.api_tokens import create_api_token, revoke_api_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_the_token_once_and_stores_its_hash(staff):
    out = StringIO()
    call_command("create_api_token", "integrator", "--name", "CRM", stdout=out)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(name="CRM")
    assert raw.startswith("sci_")
    assert len(raw) == 47
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:12]
    assert raw not in str(ApiToken.objects.values_list().get(pk=token.pk))


def test_create_api_token_refuses_unknown_and_non_staff_users(db):
    UserFactory(username="visitor", is_staff=False)
    with pytest.raises(CommandError, match="No user 'ghost'"):
        call_command("create_api_token", "ghost")
    with pytest.raises(CommandError, match="active staff users only"):
        call_command("create_api_token", "visitor")


def test_api_without_token_answers_401(db):
    response = APIClient().get("/api/v1/events/")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }
    assert response["WWW-Authenticate"] == "Token"


def test_api_with_wrong_or_revoked_token_answers_401(staff):
    token, raw = create_api_token(staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token sci_wrong")
    assert client.get("/api/v1/events/").json() == {
        "code": "authentication_failed",
        "detail": "The token is not valid.",
    }
    revoke_api_token(token)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/events/").status_code == 401


def test_token_of_a_user_no_longer_staff_stops_working(staff):
    _token, raw = create_api_token(staff)
    staff.is_staff = False
    staff.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/events/").status_code == 401


def test_staff_without_the_model_permission_answers_403(db):
    user = UserFactory(username="viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_event"))
    _token, raw = create_api_token(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/events/").status_code == 200
    response = client.get("/api/v1/orders/ABCDEF/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_schema_and_docs_are_public_and_docs_load_no_cdn(db):
    client = APIClient()
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/events/{slug}/orders/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr" not in html
    assert "unpkg" not in html

    # The start-up script is a file of its own, so the page runs under the CSP.
    assert '<script src="/api/docs/?script="></script>' in html
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"] == "application/javascript"
    assert "SwaggerUIBundle" in script.content.decode()


def test_read_only_token_reads_but_cannot_write(staff):
    out = StringIO()
    call_command("create_api_token", "integrator", "--read-only", stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")

    assert client.get("/api/v1/events/").status_code == 200
    refused = client.post("/api/v1/events/nope/orders/", {}, format="json")

    assert refused.status_code == 403
    assert refused.json()["detail"] == "This API token is read-only."
    assert ApiToken.objects.get().read_only is True
