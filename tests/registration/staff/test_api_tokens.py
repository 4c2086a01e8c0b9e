"""Settings → API tokens: staff make, see and revoke their tokens."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from registration.models import ActivityLog, ApiToken
from registration.staff.services.api_tokens import create_api_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def manager(username="manager"):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name="Registration managers"))
    return user


def make_token(client, user, **form):
    client.force_login(user)
    response = client.post(reverse("api_tokens:create"), form)
    assert response.status_code == 200, response.content
    raw = re.search(r'value="(sci_[A-Za-z0-9_-]+)"', response.content.decode())
    return response, raw.group(1)


def api_as(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return api


def test_a_manager_makes_a_token_shown_once_that_works_on_the_api(client):
    user = manager()
    response, raw = make_token(client, user, name="CRM sync")
    assert "no-store" in response["Cache-Control"]
    assert f"Authorization: Token {raw}" in response.content.decode()
    token = ApiToken.objects.get(user=user)
    assert (token.name, token.read_only, token.prefix) == ("CRM sync", False, raw[:12])
    assert raw not in token.key_hash  # only the fingerprint is kept
    assert api_as(raw).get("/api/v1/events/").status_code == 200
    index = client.get(reverse("api_tokens:index")).content.decode()
    assert "CRM sync" in index and f"{raw[:12]}…" in index
    assert raw not in index  # never shown again
    assert ActivityLog.objects.filter(action="api_token.created", actor=user).exists()


def test_a_read_only_token_made_in_the_admin_cannot_write(client):
    _response, raw = make_token(client, manager(), name="Reports", read_only="on")
    api = api_as(raw)
    assert api.get("/api/v1/partnerships/").status_code == 200
    created = api.post("/api/v1/partnerships/", {"kind": "city"}, format="json")
    assert created.status_code == 403


def test_a_token_without_a_name_is_refused_naming_the_field(client):
    client.force_login(manager())
    response = client.post(reverse("api_tokens:create"), {"name": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_at_once_and_only_on_post(client):
    user = manager()
    _response, raw = make_token(client, user, name="Old laptop")
    token = ApiToken.objects.get(user=user)
    url = reverse("api_tokens:revoke", args=[token.pk])
    assert client.get(url).status_code == 200
    assert api_as(raw).get("/api/v1/events/").status_code == 200
    assert client.post(url).url == reverse("api_tokens:index")
    assert api_as(raw).get("/api/v1/events/").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    index = client.get(reverse("api_tokens:index")).content.decode()
    assert "Revoked" in index and url not in index


def test_staff_see_and_revoke_only_their_own_tokens_superusers_all(client):
    alice, bob = manager("alice"), manager("bob")
    bobs, _raw = create_api_token(bob, name="Bob's sync")
    client.force_login(alice)
    assert (
        "Bob&#x27;s sync"
        not in client.get(reverse("api_tokens:index")).content.decode()
    )
    revoke = reverse("api_tokens:revoke", args=[bobs.pk])
    assert client.get(revoke).status_code == 404
    assert client.post(revoke).status_code == 404
    bobs.refresh_from_db()
    assert bobs.revoked_at is None

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    index = client.get(reverse("api_tokens:index")).content.decode()
    assert "Bob&#x27;s sync" in index and ">bob<" in index
    client.post(revoke)
    bobs.refresh_from_db()
    assert bobs.revoked_at is not None


def test_an_account_without_staff_status_cannot_make_tokens(client):
    # Wagtail admin access through a group, but not a staff account.
    editor = UserFactory(username="editor", is_staff=False)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    for response in (
        client.get(reverse("api_tokens:index")),
        client.post(reverse("api_tokens:create"), {"name": "Sneaky"}),
    ):
        assert response.status_code == 302
        assert response.url == reverse("wagtailadmin_home")
    assert not ApiToken.objects.exists()


def test_the_token_screen_is_in_the_settings_menu_for_staff(client):
    client.force_login(manager())
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("api_tokens:index") in home


def test_revoke_api_token_command(capsys):
    user = manager()
    token, raw = create_api_token(user, name="Script")
    with pytest.raises(CommandError, match="at least the first 8"):
        call_command("revoke_api_token", "sci_")
    with pytest.raises(CommandError, match="No live API token"):
        call_command("revoke_api_token", "sci_nothere")
    call_command("revoke_api_token", raw[:12] + "…")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in capsys.readouterr().out
    assert api_as(raw).get("/api/v1/events/").status_code == 401
