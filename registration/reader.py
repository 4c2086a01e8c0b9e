"""Documents and messages for one reader: their language, the event's time zone.

E-mails and PDFs are built outside any request (background jobs, staff
screens), so the language and zone a request would set are set here, around
everything that formats text, dates or money (`format_money` and the date
filters read the active language; the templates' dates the active zone).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo

from django.conf import settings
from django.utils import formats, timezone, translation


def reader_language(*candidates: str | None) -> str:
    """The first of `candidates` that is a site language; else the default language."""
    offered = {code for code, _name in settings.LANGUAGES}
    for candidate in candidates:
        if candidate and candidate in offered:
            return candidate
    return settings.LANGUAGE_CODE


@contextmanager
def for_reader(language: str, zone: tzinfo | str | None = None) -> Iterator[None]:
    """Translate into `language` and show times in `zone` (the event's) inside the block."""
    if isinstance(zone, str):
        zone = zoneinfo.ZoneInfo(zone)
    with translation.override(language):
        if zone is None:
            yield
        else:
            with timezone.override(zone):
                yield


def format_with_zone(
    moment: datetime, zone: tzinfo | None = None, fmt: str = ""
) -> str:
    """`moment` in `zone` (default: the active zone), in the active language, with the
    zone's abbreviation: "15 July 2027, 09:00 EDT", "15 de julio de 2027 a las 09:00 EDT".
    """
    local = timezone.localtime(moment, zone)
    return f"{formats.date_format(local, fmt or 'DATETIME_FORMAT')} {local.tzname()}"
