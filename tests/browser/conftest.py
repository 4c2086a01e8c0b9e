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
    """Browser tests run last (Playwright's loop stays until the session ends)
    and are skipped without Chromium."""
    browser = [item for item in items if "tests/browser" in str(item.fspath)]
    items[:] = [item for item in items if item not in browser] + browser
    if not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}")
        for item in browser:
            item.add_marker(skip)


ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """The browser tests call the ORM while Playwright's sync API keeps an event
    loop in the main thread, so Django's async guard is lifted from the first
    browser test on (and the browser tests run last, see below): set at import,
    it would leak into the deploy check that other tests run in a subprocess."""
    if "tests/browser" in str(item.fspath):
        os.environ[ASYNC_UNSAFE] = "true"


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
