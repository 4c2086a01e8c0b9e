"""Shared pytest fixtures."""

import shutil
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files of a test go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashers are deliberately slow; tests only need a working one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with empty rate-limit counters (they live in the cache)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues():
    """Tests read the translation catalogues as the site does: compiled (.mo).

    scripts/venv.sh compiles them; this covers a plain `pytest` after a .po
    changed (with gettext installed). compilemessages skips catalogues that are
    up to date.
    """
    from django.conf import settings
    from django.core.management import call_command

    if shutil.which("msgfmt") and any(
        next(Path(path).glob("*/LC_MESSAGES/*.po"), None)
        for path in settings.LOCALE_PATHS
    ):
        call_command("compilemessages", ignore_patterns=[".venv"], verbosity=0)
