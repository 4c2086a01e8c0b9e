"""A pytest plugin loaded before Django reads its settings (see pyproject addopts).

Tests get a fresh random SECRET_KEY, the immediate task backend and in-memory
e-mail, whatever the shell has set; DATABASE_URL is left as the caller set it
(PostgreSQL on CI, SQLite otherwise).
"""

import os
import secrets

import pytest

os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
os.environ["DEBUG"] = "false"
os.environ["TASK_BACKEND"] = "immediate"
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ["STATIC_MANIFEST"] = "false"
# Staff screens are tested with force_login; the two-factor tests switch the
# requirement back on for themselves (tests/conference/test_two_factor.py).
os.environ["TWO_FACTOR_REQUIRED_GROUPS"] = ""
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.pop("REDIS_URL", None)


@pytest.fixture(autouse=True)
def _english_at_the_start():
    """Each test starts in English: a request leaves its language active in the
    thread (LocaleMiddleware never deactivates it), and django-modeltranslation
    writes a factory's `name=` into the active language's column."""
    from django.utils import translation

    translation.activate("en")
    yield
