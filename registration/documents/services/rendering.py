"""HTML to PDF and text to QR images: the one place that imports WeasyPrint and qrcode.

Tickets, badges, invoices, receipts and letters all render through here. Both
libraries are imported inside the functions that need them, so web processes
that never print start fast.

WeasyPrint is slow to warm up (about 0.7 s to import, 0.4 s for the first
document), so each process keeps one renderer warm: one `FontConfiguration`,
stylesheets parsed once and reused by content, and fonts subset by HarfBuzz
(`libharfbuzz-subset0`; without it fontTools subsets about 5× slower).
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

# The one font stack of every document (badges, tickets, invoices, receipts,
# letters, manifests). It covers the scripts sister cities send (TOOLCHAIN.md):
# Latin with diacritics, Cyrillic and Greek from Noto Sans, then CJK, Arabic,
# Hebrew, Devanagari, Thai and the other Noto faces of Debian's fonts-noto-core
# and fonts-noto-cjk; then arrows, mathematics and symbols (Noto Sans Math,
# Symbols and Symbols2, also fonts-noto-core), drawn in the text's colour.
#
# Emoji print in colour from Noto Color Emoji (fonts-noto-color-emoji; WeasyPrint
# embeds its bitmaps, ZWJ sequences, skin tones and flags included), which Pango
# picks by itself for emoji: it is deliberately NOT named here, because a named
# emoji face also serves digits, "#", "*" and spaces (it has them, for keycaps)
# with its own wide advances, and every date and code on the page spreads out.
# A character no installed font has is refused at input
# (`registration.names.unprintable_characters`).
FONT_STACK = (
    '"Noto Sans", "Noto Sans CJK JP", "Noto Sans Arabic", "Noto Sans Hebrew", '
    '"Noto Sans Devanagari", "Noto Sans Thai", "Noto Sans Georgian", '
    '"Noto Sans Armenian", "Noto Sans Ethiopic", "Noto Sans Tamil", '
    '"Noto Sans Bengali", "Noto Sans Khmer", "Noto Sans Lao", "Noto Sans Myanmar", '
    '"Noto Sans Math", "Noto Sans Symbols", "Noto Sans Symbols2", '
    "sans-serif"
)

# Error correction Q restores a quarter of the code: a creased, scratched or
# partly covered badge still scans. A 27-character secret in QR's alphanumeric
# mode still fits version 2 (25×25 modules) at this level.
QR_ERROR_CORRECTION = "Q"
QR_QUIET_ZONE = 4  # modules of white around the code, as the standard asks


@functools.cache
def _engine():
    """WeasyPrint and this process's one font configuration, imported on first use."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    return weasyprint, FontConfiguration()


@functools.lru_cache(maxsize=32)
def _stylesheet(css: str):
    """A parsed stylesheet, reused across documents with the same CSS text."""
    weasyprint, font_config = _engine()
    return weasyprint.CSS(string=css, font_config=font_config)


@functools.lru_cache(maxsize=32)
def read_stylesheet(path: str | Path) -> str:
    """The text of a stylesheet file, read once per process."""
    return Path(path).read_text(encoding="utf-8")


def render_pdf(
    html: str, *, base_url: str | None, stylesheets: Sequence[str] = ()
) -> bytes:
    """Render one HTML document to PDF bytes with the warm renderer.

    `stylesheets` are CSS texts parsed once per process and applied after the
    document's own styles; put everything that does not change per document
    there rather than in a `<style>` element, which is parsed on every call.
    `base_url` resolves relative links (images, fonts) in the document.
    """
    weasyprint, font_config = _engine()
    document = weasyprint.HTML(string=html, base_url=base_url)
    return document.write_pdf(
        stylesheets=[_stylesheet(css) for css in stylesheets],
        font_config=font_config,
    )


def warm_up() -> None:
    """Import WeasyPrint and lay out a tiny page, so the next real render is fast."""
    render_pdf("<p>.</p>", base_url=None)


@functools.lru_cache(maxsize=2048)
def qr_png(secret: str) -> bytes:
    """A QR code carrying exactly `secret`, as a PNG with one pixel per module.

    Scale it with `image-rendering: pixelated` (the badge CSS does) so it stays
    sharp at any size; the image is tiny, so pages stay small and fast.
    """
    import qrcode
    from qrcode.constants import ERROR_CORRECT_Q

    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_Q, box_size=1, border=QR_QUIET_ZONE
    )
    code.add_data(secret)
    code.make(fit=True)
    image = code.make_image().get_image().convert("1")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def text_direction(text: str) -> str:
    """The base direction of `text`: "rtl" if its first strong letter is Arabic or Hebrew."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in {"R", "AL"}:
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def data_uri(content: bytes, mime_type: str) -> str:
    """A `data:` URI embedding `content`, for images inside HTML sent to WeasyPrint."""
    return f"data:{mime_type};base64,{base64.b64encode(content).decode('ascii')}"


def qr_data_uri(secret: str) -> str:
    """The QR code of `secret` as a PNG `data:` URI."""
    return data_uri(qr_png(secret), "image/png")


def merge_pdfs(parts: Sequence[bytes]) -> bytes:
    """Concatenate PDF documents, pages in the order given."""
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _render_part(job: tuple[str, str | None, tuple[str, ...]]) -> bytes:
    html, base_url, stylesheets = job
    return render_pdf(html, base_url=base_url, stylesheets=stylesheets)


def render_pdf_parts(
    parts: Iterable[str],
    *,
    base_url: str | None,
    stylesheets: Sequence[str] = (),
    workers: int = 2,
    on_part: Callable[[int], None] | None = None,
) -> bytes:
    """Render HTML documents in `workers` processes and merge the PDFs in order.

    `on_part(index)` is called, in order, as each part's PDF is ready (a
    progress bar's hook).

    One WeasyPrint document renders on one core, so a big batch (an event's
    badges) is cut into parts. `parts` may be a generator: each part is sent
    to a worker as soon as it is produced, so building the next part's HTML
    overlaps with rendering the previous one.

    Workers are started with "spawn", never "fork": forking a threaded web or
    task process can copy a held lock into the child and hang it. Each worker
    warms its renderer once (about a second), started before the first part.
    """
    stylesheets = tuple(stylesheets)
    rendered: list[bytes] = []

    def collect(pdf: bytes) -> None:
        rendered.append(pdf)
        if on_part is not None:
            on_part(len(rendered) - 1)

    if workers <= 1:
        for html in parts:
            collect(render_pdf(html, base_url=base_url, stylesheets=stylesheets))
        return merge_pdfs(rendered)

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        for _ in range(workers):
            pool.submit(warm_up)
        futures = [
            pool.submit(_render_part, (html, base_url, stylesheets)) for html in parts
        ]
        for future in futures:
            collect(future.result())
    return merge_pdfs(rendered)
