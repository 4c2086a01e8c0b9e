"""An operator's shell: the environment without the test run's settings, and
manage.py run in a fresh interpreter there."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "events.example.org",
    "SITE_URL": "https://events.example.org",
}
# Set for the test run by tests/environment.py; a production start-up has none of them.
TEST_ONLY_VARIABLES = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "SECURE_SSL_REDIRECT",
    "TASK_BACKEND",
    "EMAIL_BACKEND",
    "DJANGO_SETTINGS_MODULE",
    "STATIC_MANIFEST",
    "TWO_FACTOR_REQUIRED_GROUPS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by tests/browser/conftest.py for Playwright
}


def operator_environment(**env: str) -> dict[str, str]:
    """This process's environment without the test-only variables, `env` on top."""
    base = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_VARIABLES}
    return {**base, **env}


def manage(*args: str, timeout: int = 120, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter with the given environment on top."""
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=operator_environment(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
