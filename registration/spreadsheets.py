"""Every CSV and XLSX cell the system writes, safe to open in a spreadsheet.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
run as a formula by Excel, LibreOffice and Google Sheets (OWASP "CSV
injection"); names, answers, organisations and codes come from the public, so
`neutralise_formula` prefixes such a text with a single quote, as OWASP
recommends. It is the one function that does it; every writer reaches it:

- `csv_lines` and `xlsx_row` for the files our own views and jobs write
  (attendee and order exports, report tables, manifests, rooming list);
- `FormulaSafeExport`, the base of every django-import-export Resource, so a
  Resource's `export()` (the network "current records" files) is safe too;
- `neutralise_wagtail_exports`, installed once at start-up, for the
  spreadsheet downloads Wagtail's own admin offers (site history, page reports,
  redirects, form submissions).

Numbers, dates and times are not text cells: they are written as they are, so
a refund of -12.50 stays a number in XLSX and reads as the number -12.50 in CSV
(a spreadsheet parses a plain number, it does not evaluate it). Only text is
neutralised, whatever it looks like.

The imports read our own files back: `restore_formula_text` takes the added
quote away again (only when a trigger follows it), so exporting and
re-importing a value such as `+33 1 23` does not change it.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal

import tablib
from import_export.widgets import NumberWidget

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# Written as they are: a spreadsheet reads them as values, never as formulas.
_NOT_TEXT = (int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)


def neutralise_formula(value):
    """`value` as a spreadsheet cell: text a spreadsheet would run gets a leading '.

    None, numbers (bool included), dates and times are returned unchanged; any
    other value is written as its text, so it is checked as text.
    """
    if value is None or isinstance(value, _NOT_TEXT):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return QUOTE + text
    return text


def restore_formula_text(value):
    """The value `neutralise_formula` was given, for a cell read from our own file."""
    quoted = isinstance(value, str) and value.startswith(QUOTE)
    if quoted and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def safe_row(values: Iterable) -> list:
    return [neutralise_formula(value) for value in values]


class _Echo:
    """A file-like object whose write returns what was written, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable], *, excel_mark: bool = False) -> Iterator[str]:
    """CSV text line by line (for a StreamingHttpResponse), every cell neutralised.

    `excel_mark` starts the file with a UTF-8 byte order mark, so that Excel
    reads accented letters.
    """
    writer = csv.writer(_Echo())
    for number, row in enumerate(rows):
        line = writer.writerow(safe_row(row))
        yield ("\ufeff" + line) if excel_mark and number == 0 else line


def xlsx_row(values: Iterable) -> list:
    """A row for openpyxl's `sheet.append`, every text neutralised.

    openpyxl stores a string that starts with "=" as a formula; after
    `neutralise_formula` no text does, so every text is stored as text. Control
    characters XML cannot hold (a vertical tab pasted into an answer) are
    dropped: openpyxl refuses them, and one such cell would fail the whole file.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return [
        ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value
        for value in safe_row(values)
    ]


class FormulaSafeExport:
    """Mixin for django-import-export Resources: every exported cell neutralised.

    Number columns hand over the number itself (not import-export's localised
    text), so they stay numbers; everything else is neutralised text.
    """

    def export_field(self, field, instance, **kwargs):
        if isinstance(field.widget, NumberWidget):
            kwargs["force_native_type"] = True
        return neutralise_formula(super().export_field(field, instance, **kwargs))


def restore_dataset(dataset):
    """A tablib Dataset read from an upload, with `restore_formula_text` applied
    to every header and cell."""
    return tablib.Dataset(
        *[tuple(restore_formula_text(value) for value in row) for row in dataset],
        headers=[restore_formula_text(header) for header in dataset.headers or []],
    )


def neutralise_wagtail_exports() -> None:
    """Route the cells of Wagtail's own CSV/XLSX downloads through `neutralise_formula`.

    Wagtail's `SpreadsheetExportMixin` (its reports, listings with
    `list_export`, form submissions) keeps XLSX strings from being formulas but
    writes CSV text as it is. Called once from RegistrationConfig.ready().
    """
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "neutralises_formulas", False):
        return

    def preprocess_field_value(self, field, value, export_format):
        return neutralise_formula(original(self, field, value, export_format))

    preprocess_field_value.neutralises_formulas = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
