"""Browser tests: pytest-playwright driving Debian's Chromium, headless.

Never `playwright install`: the system browser is used (TOOLCHAIN.md).
"""

import os
import shutil

import pytest

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    if not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}")
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _orm_inside_playwright(monkeypatch):
    """The tests call the ORM while Playwright's sync API runs an event loop.

    Set per test, not at import: a process-wide setting would leak into other
    tests (the deploy check refuses it).
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def base_url():
    """Tests use live_server.url; this replaces pytest-base-url's fixture, which
    pytest 9 flags as deprecated (and warnings are errors here)."""
    return None
