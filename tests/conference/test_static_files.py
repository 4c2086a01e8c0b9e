"""Every reference inside our static files names a file that is there.

With DEBUG off, collectstatic's manifest storage rewrites each reference it
finds (CSS url() and @import, source maps of CSS and JS) to the hashed name,
and refuses one whose file is missing. This walks every file of static/ with
the storage's own patterns, so a vendored file with a dangling source map or
a stylesheet pointing at a missing image fails here by name; the production
path test (tests/production/test_production_path.py) runs collectstatic itself.
"""

import fnmatch
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

STATIC_DIR = Path(settings.BASE_DIR) / "static"
# References the storage leaves alone (HashedFilesMixin.url_converter).
NOT_A_FILE = re.compile(r"^([a-z][a-z0-9+.-]*:|//|#)", re.IGNORECASE)


def references(text: str, patterns) -> list[str]:
    found = []
    for pattern, _template in patterns:
        for match in pattern.finditer(text):
            url = match.group("url").strip()
            if not url or NOT_A_FILE.match(url):
                continue
            if url.startswith("/") and not url.startswith(settings.STATIC_URL):
                continue
            found.append(url)
    return found


def target(source: Path, url: str) -> Path:
    path = unquote(urlsplit(url).path)
    if path.startswith(settings.STATIC_URL):
        return STATIC_DIR / path.removeprefix(settings.STATIC_URL)
    relative = source.parent.relative_to(STATIC_DIR).as_posix()
    return STATIC_DIR / posixpath.normpath(posixpath.join(relative, path))


def test_every_reference_in_a_static_file_names_a_shipped_file():
    storage = ManifestStaticFilesStorage(location=str(STATIC_DIR))
    checked = 0
    missing = []
    for source in sorted(p for p in STATIC_DIR.rglob("*") if p.is_file()):
        patterns = [
            pattern
            for extension, compiled in storage._patterns.items()
            if fnmatch.fnmatchcase(source.name, extension)
            for pattern in compiled
        ]
        if not patterns:
            continue
        text = source.read_text(encoding="utf-8", errors="replace")
        for url in references(text, patterns):
            checked += 1
            if not target(source, url).is_file():
                missing.append(f"{source.relative_to(STATIC_DIR)} → {url}")

    assert missing == []
    assert checked >= 5  # site.css's hero pattern, at least: the walk found them
