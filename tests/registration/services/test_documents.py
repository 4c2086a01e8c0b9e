"""The renderer: PDFs from HTML, QR images, data URIs, parallel parts merged in order."""

import base64
import io

import zxingcpp
from PIL import Image

from registration.services import documents
from tests.pdf_tools import page_count, page_texts


def test_qr_png_is_one_pixel_per_module_with_a_quiet_zone():
    secret = "K7QM4XK7QM4XK7QM4XK7QM4XK7"

    image = Image.open(io.BytesIO(documents.qr_png(secret)))

    # Version 2 (25 modules) at level Q, plus 4 modules of white on each side.
    assert image.size == (33, 33)


def test_qr_png_decodes_to_exactly_the_secret():
    secret = "23456789ABCDEFGHJKMNPQRSTV"
    image = Image.open(io.BytesIO(documents.qr_png(secret))).convert("L")
    big = image.resize((330, 330), Image.Resampling.NEAREST)

    found = zxingcpp.read_barcodes(big, formats=zxingcpp.BarcodeFormat.QRCode)

    assert [code.text for code in found] == [secret]
    assert found[0].ec_level == "Q"


def test_data_uri_embeds_the_bytes():
    uri = documents.data_uri(b"\x89PNG", "image/png")

    assert uri == "data:image/png;base64," + base64.b64encode(b"\x89PNG").decode()
    assert documents.qr_data_uri("ABC").startswith("data:image/png;base64,")


def test_render_pdf_applies_shared_stylesheets():
    css = (
        "@page { size: A6; margin: 1cm } p { font-family: "
        + documents.FONT_STACK
        + " }"
    )

    pdf = documents.render_pdf("<p>Мария Петрова</p>", base_url=None, stylesheets=[css])

    assert pdf.startswith(b"%PDF-")
    assert page_texts(pdf) == ["Мария Петрова"]


def test_parts_rendered_by_worker_processes_are_merged_in_order():
    parts = [
        f"<p>Part {n}</p><p style='break-before: page'>Part {n}b</p>" for n in range(3)
    ]

    pdf = documents.render_pdf_parts(parts, base_url=None, workers=2)

    assert page_count(pdf) == 6
    assert page_texts(pdf) == [
        "Part 0",
        "Part 0b",
        "Part 1",
        "Part 1b",
        "Part 2",
        "Part 2b",
    ]


def test_merge_of_a_single_part_returns_it_unchanged():
    pdf = documents.render_pdf("<p>Solo</p>", base_url=None)

    assert documents.merge_pdfs([pdf]) is pdf
