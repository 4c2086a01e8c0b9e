"""The renderer: PDFs from HTML, QR images, data URIs, parallel parts merged in order."""

import base64
import io
import re
from html import escape
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from registration import names
from registration.documents.services import rendering as documents
from tests.pdf_tools import page_count, page_texts, weasyprint_warnings


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


# --- Every character either prints or is refused at input ---------------------------

DOCUMENT_TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "documents"


def _embedded_fonts(pdf: bytes) -> set[str]:
    """The font names a PDF embeds, without their subset prefix ("ABCDEF+")."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def _stack_pdf(text: str) -> bytes:
    css = "@page { size: A4; margin: 1cm } p { font-weight: bold; font-family: "
    return documents.render_pdf(
        f"<p>{escape(text)}</p>",
        base_url=None,
        stylesheets=[css + documents.FONT_STACK + " }"],
    )


def test_every_document_stylesheet_sets_fonts_from_the_one_shared_stack():
    """A document whose CSS named other fonts could fall back to missing-glyph boxes."""
    declarations = {
        f"{path.relative_to(DOCUMENT_TEMPLATES)}: {value.strip()}"
        for path in DOCUMENT_TEMPLATES.rglob("*.css")
        for value in re.findall(r"font-family:([^;]*)", path.read_text())
    }

    assert declarations
    assert sorted(d for d in declarations if "{{ font_stack|safe }}" not in d) == []


def test_emoji_print_in_colour_and_digits_keep_the_text_face():
    """Pango takes emoji from Noto Color Emoji by itself; digits and "#" never come from it."""
    plain = _embedded_fonts(_stack_pdf("Room 12 #3 *7, 1–4 February 2027"))
    emoji = _embedded_fonts(_stack_pdf("Maya 👩🏽\u200d🚀 🇫🇯"))
    symbol = _embedded_fonts(_stack_pdf("✈"))

    assert plain == {"Noto-Sans-Bold"}
    assert emoji == {"Noto-Sans-Bold", "Noto-Color-Emoji-Bold"}
    assert symbol == {
        "Noto-Sans-Symbols2-Bold"
    }  # text presentation, in the text colour


def test_unprintable_characters_are_exactly_those_drawn_as_missing_glyph_boxes():
    """Ask fontconfig, then render: every 409th code point of Unicode and some chosen ones."""
    chosen = (
        "\x07\x0b\x0c\x1f\x7f\x85\x9f\xa0\u2028\u2029\u3000\u00ad\u0301\u0378\u200d\ufe0f\ue000\U00020bb7"
        "\U0002a6b2\U000e0067\U000f0000\U0001f3fd\U0001fae8"
    )
    chars = [
        chr(code) for code in range(0x20, 0x110000, 409) if not 0xD800 <= code <= 0xDFFF
    ] + list(chosen)
    with weasyprint_warnings() as warnings:
        _stack_pdf(" ".join(chars))
    boxes = {
        chr(int(code, 16))
        for message in warnings
        for code in re.findall(r"\(U\+([0-9A-F]+)\)", message)
    }

    refused = set(names.unprintable_characters("".join(chars)))

    assert len(refused) > 1000  # unassigned and private use among them
    assert "\U000f0000" in refused
    # U+2029 breaks the paragraph instead of drawing a box: refused all the same.
    assert refused == boxes | {"\u2029"}
