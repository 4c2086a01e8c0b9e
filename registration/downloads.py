"""The headers of every file download: one place writes `Content-Disposition`.

Tickets, badges, invoices, receipts, credit notes, visa letters, manifests,
exports, personal-data downloads and calendar files all answer through these
functions, so each one names its file the same way:

- RFC 6266: `attachment` (or `inline`) with a quoted ASCII `filename` that old
  clients read, and `filename*=UTF-8''…` (RFC 5987) when the name is not plain
  ASCII, so "Zoë Müller.pdf" keeps its letters where the client can;
- nothing from the name can break out of the header: CR, LF and other control
  characters, quotes, backslashes and path separators are dropped;
- `X-Content-Type-Options: nosniff`, so a browser never treats a CSV or a PDF
  as a page;
- `Cache-Control: private, no-store` for personal files (every download but a
  public event's calendar), so no shared cache or back button keeps a copy.

A kernel: it imports Django's response classes and no model.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

PERSONAL_CACHE_CONTROL = "private, no-store"
# Dropped from a file name: control characters (CR and LF among them), the
# quote and backslash that would end or escape the quoted string, and path
# separators, which no file name needs.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/]')
# RFC 5987 attr-char beyond letters, digits and "-._~" (which quote() keeps).
_ATTR_CHARS = "!#$&+^`|"


def clean_filename(filename: str) -> str:
    """The name without anything that could break the header, spaces collapsed."""
    name = _UNSAFE.sub("", unicodedata.normalize("NFC", filename))
    return " ".join(name.split()) or "download"


def _ascii_fallback(name: str) -> str:
    """The name for clients that read only `filename`: accents dropped ("Zoë" is
    "Zoe"), other letters as "_", and "download" when nothing readable is left."""
    if name.isascii():
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    letters = []
    for char in unicodedata.normalize("NFKD", stem):
        if char.isascii():
            letters.append(char)
        elif not unicodedata.combining(char):
            letters.append("_")
    stem = re.sub(r"_+", "_", "".join(letters)).strip("_ ")
    if not any(char.isalnum() for char in stem):
        stem = "download"
    suffix = "".join(char for char in suffix if char.isascii())
    return f"{stem}.{suffix}" if suffix else stem


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The `Content-Disposition` value for a file called `filename`."""
    name = clean_filename(filename)
    fallback = _ascii_fallback(name)
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"
    return value


def download_headers(
    filename: str, *, inline: bool = False, personal: bool = True
) -> dict[str, str]:
    """Every header a download carries besides its content type."""
    headers = {
        "Content-Disposition": content_disposition(filename, inline=inline),
        "X-Content-Type-Options": "nosniff",
    }
    if personal:
        headers["Cache-Control"] = PERSONAL_CACHE_CONTROL
    return headers


def _with_headers(response, headers: dict[str, str]):
    # Set after construction: FileResponse writes its own disposition in __init__.
    for name, value in headers.items():
        response[name] = value
    return response


def file_download(
    content: bytes | str,
    *,
    filename: str,
    content_type: str,
    inline: bool = False,
    personal: bool = True,
) -> HttpResponse:
    """A file made in memory (a PDF, a CSV, a JSON or calendar file)."""
    return _with_headers(
        HttpResponse(content, content_type=content_type),
        download_headers(filename, inline=inline, personal=personal),
    )


def streamed_download(
    chunks: Iterable,
    *,
    filename: str,
    content_type: str,
    personal: bool = True,
) -> StreamingHttpResponse:
    """A file written while it is sent (a long CSV), always as an attachment."""
    return _with_headers(
        StreamingHttpResponse(chunks, content_type=content_type),
        download_headers(filename, personal=personal),
    )


def stored_file_download(
    file, *, filename: str, content_type: str, personal: bool = True
) -> FileResponse:
    """A file kept in storage (a background job's PDF or workbook), as an attachment.

    `filename` is what the user gets, never the name it has in storage.
    """
    return _with_headers(
        FileResponse(file, content_type=content_type),
        download_headers(filename, personal=personal),
    )
