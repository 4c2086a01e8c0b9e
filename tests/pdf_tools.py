"""Reading PDFs back in tests: text (pypdf), pages, QR codes from page images, glyph warnings."""

import io
import logging
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, in logical order (Arabic and Hebrew read right to left)."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat_text(pdf: bytes) -> str:
    """All the text on one line: wrapped lines joined, so a name broken over two lines matches."""
    text = "\n".join(page_texts(pdf)).replace("-\n", "-")
    return " ".join(text.split())


def layout_text(pdf: bytes) -> str:
    """The text as poppler's `pdftotext -layout` reads it, whitespace squeezed per line:
    table rows stay on one line each, in the order they are printed."""
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],  # noqa: S607 - poppler-utils from PATH
        input=pdf,
        capture_output=True,
        check=True,
    )
    lines = result.stdout.decode().splitlines()
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def page_images(pdf: bytes, *, dpi: int = 150) -> list[Image.Image]:
    """Each page rasterised by poppler (`pdftoppm -r DPI -png`), as a scanner would see it."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603 (fixed arguments, poppler-utils from the system)
            [  # noqa: S607
                "pdftoppm",
                "-r",
                str(dpi),
                "-png",
                str(source),
                str(Path(folder) / "page"),
            ],
            check=True,
        )
        images = []
        for path in sorted(Path(folder).glob("page-*.png")):
            with Image.open(path) as image:
                images.append(image.convert("L"))
        return images


def qr_codes(image: Image.Image) -> list[str]:
    """The QR codes zxing-cpp finds on a page image, top to bottom, left to right."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    found.sort(
        key=lambda code: (
            round(code.position.top_left.y / 50),
            code.position.top_left.x,
        )
    )
    return [code.text for code in found]


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextmanager
def weasyprint_warnings():
    """Collect WeasyPrint's warnings, such as `.notdef glyph rendered ...` for a missing glyph."""
    logger = logging.getLogger("weasyprint")
    handler = _Records()
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
