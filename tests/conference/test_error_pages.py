"""Every error page renders when the static manifest or the database is missing.

Error pages are shown exactly when something is broken, so each of them
(400, 403, 404, 429, 500, 503) is requested here twice more: with the
production static storage and no manifest (`{% static %}` raises), and with
the database out of reach (every connection attempt refused). Each must answer
its own status with its own page, not a bare server error.

Where the site has a real address for the error it is used (a NUL in a query,
an unknown host, a form without its CSRF token, an unknown page, the home
page without a database); a refusal, a bug and a lost connection have none, so
tests/conference/error_urls.py adds views raising them.
"""

import socket
from dataclasses import dataclass, field

import pytest
from django.db import connections
from django.templatetags.static import static
from django.test import Client

pytestmark = pytest.mark.urls("tests.conference.error_urls")


@dataclass(frozen=True)
class Case:
    name: str
    path: str
    status: int
    heading: str
    method: str = "get"
    headers: dict = field(default_factory=dict)
    csrf: bool = False


HEADINGS = {
    400: "This could not be read",
    403: "You cannot open this page",
    404: "We could not find that page",
    429: "Please wait a moment",
    500: "Something went wrong on our side",
    503: "Briefly unavailable",
}


def cases(*, not_found: str, unavailable: str) -> list[Case]:
    return [
        Case("NUL in a query", "/events/?q=%00", 400, HEADINGS[400]),
        Case(
            "unknown host",
            "/",
            400,
            HEADINGS[400],
            headers={"host": "attacker.example"},
        ),
        Case("form without CSRF token", "/i18n/setlang/", 403, HEADINGS[403], "post"),
        Case("permission denied", "/failing/403/", 403, HEADINGS[403]),
        Case("unknown address", not_found, 404, HEADINGS[404]),
        Case("rate limited", "/failing/429/", 429, HEADINGS[429]),
        Case("unhandled error", "/failing/500/", 500, HEADINGS[500]),
        Case("database unavailable", unavailable, 503, HEADINGS[503]),
    ]


def fetch(case: Case):
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    send = getattr(client, case.method)
    return send(case.path, headers=case.headers)


def assert_error_page(case: Case, response) -> None:
    body = response.content.decode()
    assert response.status_code == case.status, (case.name, body[:2000])
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert f'<p class="error-page__code" aria-hidden="true">{case.status}</p>' in body
    assert f'<h1 class="page-header__title">{case.heading}</h1>' in body
    assert body.rstrip().endswith("</html>")
    assert '<link rel="stylesheet" href="/static/css/site.css">' in body
    if case.status == 503:
        assert response["Retry-After"] == "5"
    if case.csrf or case.method == "post":
        assert "The form could not be sent" in body


@pytest.fixture
def static_manifest_missing(settings, tmp_path):
    """The production static storage over an empty STATIC_ROOT: no manifest."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()  # collected nothing, as before a collectstatic
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        },
    }
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        static("css/site.css")


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_down(django_db_blocker, tmp_path):
    """Every connection attempt to the database fails, as with the server down.

    The open connection is set aside (not closed: SQLite's in-memory test
    database would go with it) and the connection settings point where no
    database answers: a port nobody listens on, a SQLite file that cannot be
    created. Everything is put back afterwards.
    """
    connection = connections["default"]
    saved = connection.__dict__.copy()
    unreachable = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        unreachable.update(HOST="127.0.0.1", PORT=str(unused_port()))
    else:
        unreachable["NAME"] = str(tmp_path / "no such folder" / "db.sqlite3")
    with django_db_blocker.unblock():
        connection.connection = None
        connection.settings_dict = unreachable
        try:
            yield
        finally:
            connection.__dict__.clear()
            connection.__dict__.update(saved)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "case",
    cases(not_found="/no-such-page/", unavailable="/failing/503/"),
    ids=lambda case: case.name,
)
def test_each_error_page_renders_without_the_static_manifest(
    case, static_manifest_missing
):
    assert_error_page(case, fetch(case))


@pytest.mark.parametrize(
    "case",
    # The home page needs the database: 503. Without it an unknown page cannot
    # be told from a real one, but an address with a NUL names nothing: 404.
    cases(not_found="/no-such-page%00/", unavailable="/"),
    ids=lambda case: case.name,
)
def test_each_error_page_renders_with_the_database_unreachable(case, database_down):
    assert_error_page(case, fetch(case))


@pytest.mark.django_db
def test_with_database_and_static_files_the_404_page_has_the_site_layout():
    response = Client().get("/no-such-page/")

    body = response.content.decode()
    assert response.status_code == 404
    assert '<footer class="site-footer">' in body
    assert '<a class="skip-link" href="#main">' in body
    assert f'<h1 class="page-header__title">{HEADINGS[404]}</h1>' in body
