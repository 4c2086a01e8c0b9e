import pytest

from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_public_pages_carry_a_content_security_policy_without_unsafe_inline(client):
    event = EventFactory()

    response = client.get(f"/register/{event.slug}/")

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_the_wagtail_admin_keeps_its_own_inline_scripts(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
