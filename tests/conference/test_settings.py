"""Settings read from the environment, in a fresh interpreter as at start-up.

`check --deploy` with production settings runs in the production path test
(tests/production/test_production_path.py).
"""

import json
import secrets
from copy import deepcopy

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteDatabaseWrapper

from tests.production.operator import PRODUCTION_ENV, manage


def test_missing_secret_key_stops_start_up_when_debug_is_off():
    result = manage("check", **PRODUCTION_ENV)

    assert result.returncode != 0
    assert "manage.py: SECRET_KEY is not set." in result.stderr
    assert "Traceback" not in result.stderr  # a message for the operator


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="journal_mode is a SQLite setting; PostgreSQL has no equivalent",
)
def test_sqlite_connections_use_wal_and_enforce_foreign_keys(
    tmp_path, django_db_blocker
):
    # The test database lives in memory, where SQLite ignores WAL; open a file
    # database with the same connection settings instead.
    settings_dict = deepcopy(connection.settings_dict)
    settings_dict["NAME"] = str(tmp_path / "wal.sqlite3")
    wrapper = SQLiteDatabaseWrapper(settings_dict, alias="wal_check")
    try:
        with django_db_blocker.unblock(), wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            journal_mode = cursor.fetchone()[0]
            cursor.execute("PRAGMA foreign_keys")
            foreign_keys = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            synchronous = cursor.fetchone()[0]
    finally:
        wrapper.close()

    assert journal_mode == "wal"
    assert foreign_keys == 1
    assert synchronous == 1  # NORMAL


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="transaction modes are a SQLite setting",
)
def test_sqlite_transactions_take_the_write_lock_at_begin():
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert connection.settings_dict["OPTIONS"]["timeout"] == 3


def test_production_settings_turn_on_https_only_cookies_hsts_and_session_expiry():
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'debug': s.DEBUG, 'ssl_redirect': s.SECURE_SSL_REDIRECT,"
        "'hsts': s.SECURE_HSTS_SECONDS, 'hsts_subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'session_httponly': s.SESSION_COOKIE_HTTPONLY,"
        "'session_age': s.SESSION_COOKIE_AGE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'frame': s.X_FRAME_OPTIONS, 'nosniff': s.SECURE_CONTENT_TYPE_NOSNIFF,"
        "'referrer': s.SECURE_REFERRER_POLICY,"
        "'db_health_checks': s.DATABASES['default'].get('CONN_HEALTH_CHECKS')}))"
    )
    result = manage(
        "shell",
        "-c",
        script,
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL="postgres://app@db.example.org:5432/events",
        **PRODUCTION_ENV,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "debug": False,
        "ssl_redirect": True,
        "hsts": 31536000,
        "hsts_subdomains": True,
        "session_secure": True,
        "session_httponly": True,
        "session_age": 8 * 60 * 60,
        "csrf_secure": True,
        "frame": "DENY",
        "nosniff": True,
        "referrer": "strict-origin-when-cross-origin",
        # A connection the database dropped (restart, failover) is replaced at
        # the next request instead of failing it.
        "db_health_checks": True,
    }


DATABASE_REPORT = (
    "import json; from django.conf import settings as s; from django.db import connection;"
    "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode');"
    "d = s.DATABASES['default'];"
    "print(json.dumps({'engine': d['ENGINE'], 'name': d['NAME'], 'options': d['OPTIONS'],"
    "'journal_mode': cursor.fetchone()[0]}))"
)


def database_report(**env: str) -> dict:
    result = manage(
        "shell",
        "-c",
        DATABASE_REPORT,
        SECRET_KEY=secrets.token_urlsafe(50),
        **PRODUCTION_ENV,
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_sqlite_database_url_gets_the_settings_of_the_default_sqlite(tmp_path):
    from_url = database_report(DATABASE_URL=f"sqlite:///{tmp_path}/url.sqlite3")
    default = database_report(DATABASE_URL="", SQLITE_PATH=f"{tmp_path}/path.sqlite3")

    assert from_url == {
        "engine": "django.db.backends.sqlite3",
        "name": f"{tmp_path}/url.sqlite3",
        "options": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 3,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            ),
        },
        # The connection opened (dj-database-url's own options were a TypeError).
        "journal_mode": "wal",
    }
    assert {**default, "name": from_url["name"]} == from_url


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("mysql://events:s3cret-pw@db.example.org/events", "a mysql:// address"),
        ("redis://127.0.0.1:6379/0", "a redis:// address"),
        ("events.sqlite3", "an address without a scheme"),
    ],
)
def test_an_unsupported_database_url_is_a_one_line_error_naming_it(url, named):
    result = manage(
        "check",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=url,
        **PRODUCTION_ENV,
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "manage.py: DATABASE_URL must be postgres://user:password@host:5432/name or "
        f"sqlite:///path/to/file.sqlite3, not {named}."
    ]
    assert "s3cret" not in result.stderr  # the rest of the address stays private
