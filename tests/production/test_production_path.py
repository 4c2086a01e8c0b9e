"""The README's production steps on a fresh database, then a walk through the site.

As an operator would: `collectstatic` into an empty STATIC_ROOT and
`check --deploy` with production settings (DEBUG off, a random SECRET_KEY,
ALLOWED_HOSTS, SITE_URL), `migrate`, the demo data (`seed_demo`), then
`gunicorn conference.wsgi` with DEBUG off on a database of the suite's kind
(PostgreSQL under .ci/run, SQLite otherwise). Requests come as the TLS proxy
in front sends them (Host of the site, X-Forwarded-Proto: https). The walk
asserts each answer's exact status, the security headers, and that every
static file a page names is a hashed name that WhiteNoise serves.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urljoin

import pytest
import requests

from conference.security import CONTENT_SECURITY_POLICY
from tests.benchmarks.rush import free_port, stop_server
from tests.drills.schemathesis_run import start_gunicorn
from tests.production.operator import PRODUCTION_ENV, manage, operator_environment

HOST = "events.example.org"
PROXY = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}
EVENTS = ("annual-conference-2027", "youth-leadership-summit-2027")
LANGUAGES = {"en": "", "es": "/es", "fr": "/fr"}
# What each page must show: the walk fails on a page that answers 200 with
# something else (an empty shell, another language).
PAGE_TEXT = {
    "/": "Sister Cities International",
    "/events/annual-conference-2027/": "SCI Annual Conference 2027",
    "/es/events/annual-conference-2027/": "Conferencia Anual de SCI 2027",
    "/fr/events/annual-conference-2027/": "Conférence annuelle SCI 2027",
    "/events/youth-leadership-summit-2027/": "Youth Leadership Summit 2027",
    "/es/events/youth-leadership-summit-2027/": "Cumbre de Liderazgo Juvenil 2027",
    "/fr/events/youth-leadership-summit-2027/": "Sommet des jeunes leaders 2027",
    "/register/annual-conference-2027/": "Number of Delegate tickets",
    "/checkin/": "<html",
    "/admin/login/": 'name="password"',
    "/api/docs/": "swagger-ui",
}
STATIC_REFERENCE = re.compile(r'(?:src|href)="(/static/[^"?#]+)"')
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
# /api/docs/ names Swagger UI's files by their plain names (drf-spectacular's
# SWAGGER_UI_DIST); WhiteNoise serves the originals collectstatic keeps too.
PLAIN_NAMES_ALLOWED = {"/api/docs/"}


@pytest.fixture(scope="module")
def site(scratch_databases, tmp_path_factory):
    """The production steps, then gunicorn; yields (base URL, collectstatic output)."""
    work = tmp_path_factory.mktemp("production")
    env = {
        **PRODUCTION_ENV,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": scratch_databases.copy("production"),
        "STATIC_ROOT": str(work / "static"),
        "MEDIA_ROOT": str(work / "media"),
        # Mail goes to files: the demo's outbox must not look for an SMTP server.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(work / "mail"),
        "LOG_LEVEL": "WARNING",
    }
    steps = {}
    for step in (
        ("collectstatic", "--noinput"),
        ("check", "--deploy"),
        ("migrate", "--noinput"),
        ("seed_demo",),
        # The demo's e-mails are jobs in the database: the worker sends them.
        ("db_worker", "--batch", "--no-startup-delay"),
        ("run_periodic", "--once"),
    ):
        result = manage(*step, timeout=600, **env)
        output = result.stdout + result.stderr
        assert result.returncode == 0, (step, output[-4000:])
        steps[step[0]] = output
    steps["mail"] = len(list((work / "mail").iterdir()))
    port = free_port()
    log_path = work / "gunicorn.log"
    with log_path.open("w") as log:
        server = start_gunicorn(operator_environment(**env), port, log)
        try:
            yield f"http://127.0.0.1:{port}", steps
        finally:
            stop_server(server)
    errors = [line for line in log_path.read_text().splitlines() if "ERROR" in line]
    assert errors == []


def get(base: str, path: str, **kwargs) -> requests.Response:
    headers = {**PROXY, **kwargs.pop("headers", {})}
    return requests.get(
        base + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
    )


def assert_security_headers(response: requests.Response, path: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    if path.startswith("/admin/"):
        # Wagtail's admin has inline scripts of its own (conference/security.py).
        assert "Content-Security-Policy" not in response.headers
    else:
        policy = response.headers["Content-Security-Policy"]
        assert policy == CONTENT_SECURITY_POLICY, path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_production_steps_pass(site):
    _base, steps = site

    assert re.search(
        r"\d+ static files copied to .*, \d+ post-processed", steps["collectstatic"]
    )
    assert "System check identified no issues (0 silenced)." in steps["check"]
    assert "WARNINGS" not in steps["check"]
    assert "Admin: " in steps["seed_demo"]
    assert steps["run_periodic"].startswith("orders_expired=")
    assert "=-1" not in steps["run_periodic"]  # a job that failed counts -1
    assert steps["mail"] > 0  # db_worker sent the demo's e-mails


def test_plain_http_is_redirected_to_https(site):
    base, _steps = site

    response = requests.get(
        base + "/events/", headers={"Host": HOST}, allow_redirects=False, timeout=30
    )

    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST}/events/"


def test_smoke_walk_answers_pages_with_security_headers_and_hashed_static_files(site):
    base, _steps = site
    pages = [f"{prefix}/" for prefix in LANGUAGES.values()]
    pages += [
        f"{prefix}/events/{slug}/" for slug in EVENTS for prefix in LANGUAGES.values()
    ]
    pages += [
        "/register/annual-conference-2027/",
        "/checkin/",
        "/admin/login/",
        "/api/docs/",
    ]

    static_files: set[str] = set()
    for path in pages:
        response = get(base, path)
        assert response.status_code == 200, (path, response.text[:2000])
        assert response.headers["Content-Type"] == "text/html; charset=utf-8", path
        assert PAGE_TEXT.get(path, "Sister Cities International") in response.text, path
        assert_security_headers(response, path)
        referenced = set(STATIC_REFERENCE.findall(response.text))
        assert referenced, path
        if path not in PLAIN_NAMES_ALLOWED:
            assert {name for name in referenced if not HASHED.search(name)} == set(), (
                path
            )
        static_files |= referenced
    for language, prefix in LANGUAGES.items():
        assert f'<html lang="{language}"' in get(base, f"{prefix}/").text

    # Every file a page names is served; hashed ones for ever, compressed.
    stylesheets = []
    for name in sorted(static_files):
        response = get(base, name, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, name
        if HASHED.search(name):
            assert (
                response.headers["Cache-Control"]
                == "max-age=315360000, public, immutable"
            )
        if name.endswith((".css", ".js")):
            assert response.headers.get("Content-Encoding") == "gzip", name
        if name.endswith(".css") and "/static/css/" in name:
            stylesheets.append((name, response.text))
    # The stylesheets' own url() references were rewritten to hashed names too.
    inner = {
        urljoin(name, url)
        for name, css in stylesheets
        for url in re.findall(r'url\("?([^")]+)"?\)', css)
        if not url.startswith("data:")
    }
    assert inner, stylesheets
    assert {url for url in inner if not HASHED.search(url)} == set()
    for url in inner:
        assert get(base, url).status_code == 200, url


def test_a_checkout_step_takes_a_ticket_choice(site):
    base, _steps = site
    path = "/register/annual-conference-2027/"
    page = get(base, path)
    cookies = {c.name: c.value for c in page.cookies}
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    delegate = re.search(r'for="ticket-(\d+)">Number of Delegate tickets<', page.text)[
        1
    ]

    # Secure cookies go back by hand: the proxy speaks HTTPS to the browser.
    response = requests.post(
        base + path,
        data={"csrfmiddlewaretoken": token, f"ticket_{delegate}": "1"},
        headers={
            **PROXY,
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}{path}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        },
        allow_redirects=False,
        timeout=30,
    )

    assert response.status_code == 302, response.text[:2000]
    assert response.headers["Location"] == f"{path}attendees/"
    assert_security_headers(response, path)


def test_api_schema_and_a_missing_page(site):
    base, _steps = site

    schema = get(base, "/api/schema/")
    missing = get(base, "/no-such-page/")
    api_missing = get(base, "/api/v1/no-such-thing/")

    assert schema.status_code == 200
    assert schema.headers["Content-Type"].startswith("application/vnd.oai.openapi")
    assert "/api/v1/checkin/redeem/" in schema.text
    assert_security_headers(schema, "/api/schema/")
    assert missing.status_code == 404
    assert (
        '<h1 class="page-header__title">We could not find that page</h1>'
        in missing.text
    )
    assert '<footer class="site-footer">' in missing.text  # the site's own layout
    assert_security_headers(missing, "/no-such-page/")
    assert (api_missing.status_code, api_missing.json()["code"]) == (404, "not_found")
