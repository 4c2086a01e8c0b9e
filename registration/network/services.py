"""Import of partnerships and exchanges from CSV or XLSX files.

Two steps, both through `import_network_file`: a dry run (`confirm=False`)
that reports every row's errors and writes nothing, then the real import
(`confirm=True`), which writes every row or, when any row fails, nothing
(one transaction, rolled back on the first report of an error).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import tablib
from django.utils.translation import gettext as _
from import_export.results import RowResult

from registration.errors import RegistrationError
from registration.network.resources import ExchangeResource, PartnershipResource
from registration.spreadsheets import restore_dataset

RESOURCES = {"partnerships": PartnershipResource, "exchanges": ExchangeResource}
FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportFileError(RegistrationError):
    """The file cannot be read as a table at all (wrong type, empty, too big)."""

    default_code = "unreadable_file"


@dataclass(frozen=True)
class RowReport:
    """One data row: its spreadsheet line, what importing does, and its errors."""

    line: int
    status: str  # "new", "update" or "error"
    label: str
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ImportReport:
    kind: str
    rows: list[RowReport]
    written: bool

    @property
    def error_rows(self) -> list[RowReport]:
        return [row for row in self.rows if row.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.error_rows)

    @property
    def new_count(self) -> int:
        return sum(row.status == "new" for row in self.rows)

    @property
    def update_count(self) -> int:
        return sum(row.status == "update" for row in self.rows)


def read_dataset(content: bytes, filename: str) -> tablib.Dataset:
    """The file as a table with a header row; ImportFileError names the problem."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    file_format = FORMATS.get(suffix)
    if file_format is None:
        raise ImportFileError(
            _("Upload a .csv or .xlsx file."), code="file_type", field="file"
        )
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            _("The file is larger than 5 MB; split it into smaller files."),
            code="too_large",
            field="file",
        )
    try:
        if file_format == "csv":
            text = content.decode("utf-8-sig")
            dataset = tablib.Dataset().load(io.StringIO(text), format="csv")
        else:
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("The CSV file is not UTF-8 text; save it as “CSV UTF-8”."),
            code="encoding",
            field="file",
        ) from error
    except Exception as error:  # tablib and openpyxl raise many kinds
        raise ImportFileError(
            _("The file could not be read as a table: %(reason)s") % {"reason": error},
            field="file",
        ) from error
    # Our own exports quote a text that a spreadsheet would run; read it back as typed.
    dataset = restore_dataset(dataset)
    if not dataset.headers or dataset.height == 0:
        raise ImportFileError(
            _("The file has no data rows under its header row."),
            code="empty",
            field="file",
        )
    # Spreadsheet headers often carry stray spaces or capitals.
    dataset.headers = [str(h or "").strip().lower() for h in dataset.headers]
    return dataset


def _missing_columns(resource, dataset: tablib.Dataset) -> list[str]:
    required = {
        field.column_name
        for field in resource.get_import_fields()
        if field.column_name in resource._meta.import_id_fields
        or field.attribute in resource._meta.import_id_fields
    }
    if isinstance(resource, ExchangeResource):
        required |= {"local_community", "partner_community"}
    return sorted(required - set(dataset.headers))


def _row_report(resource, row: RowResult, line: int, headers: list[str]) -> RowReport:
    errors: list[tuple[str, str]] = []
    if row.validation_error is not None:
        for attribute, messages in row.validation_error.message_dict.items():
            column = (
                _("row") if attribute == "__all__" else resource.column_of(attribute)
            )
            errors.extend((column, message) for message in messages)
    for error in row.errors:
        errors.append((_("row"), str(error.error)))
    # In the order of the file's columns, as the person fixing it reads them.
    position = {column: index for index, column in enumerate(headers)}
    errors.sort(key=lambda error: position.get(error[0], len(position)))
    values = row.row_values or {}
    label = " – ".join(
        str(values.get(column) or "")
        for column in (
            ("local_name", "partner_name")
            if isinstance(resource, PartnershipResource)
            else ("title", "starts_on")
        )
    )
    if errors:
        status = "error"
    elif row.import_type == RowResult.IMPORT_TYPE_UPDATE:
        status = "update"
    else:
        status = "new"
    return RowReport(line=line, status=status, label=label, errors=errors)


def import_network_file(
    kind: str, *, content: bytes, filename: str, confirm: bool
) -> ImportReport:
    """Dry-run (`confirm=False`) or import a partnerships or exchanges file.

    With `confirm=True` every row is written, or nothing when any row has an
    error. Line numbers count the header as line 1, as spreadsheets show them.
    """
    resource = RESOURCES[kind]()
    dataset = read_dataset(content, filename)
    missing = _missing_columns(resource, dataset)
    if missing:
        raise ImportFileError(
            _("The file lacks the column(s) %(columns)s.")
            % {"columns": ", ".join(missing)},
            code="missing_columns",
            field="file",
        )
    result = resource.import_data(
        dataset,
        dry_run=not confirm,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
        collect_failed_rows=False,
    )
    rows = []
    for index, row in enumerate(result.rows):
        row.row_values = dict(zip(dataset.headers, dataset[index], strict=False))
        rows.append(_row_report(resource, row, index + 2, dataset.headers))
    # Errors before any row (a broken resource) would have no row to show them.
    for error in result.base_errors:
        rows.append(RowReport(1, "error", "", [(_("file"), str(error.error))]))
    has_errors = any(row.errors for row in rows)
    return ImportReport(kind=kind, rows=rows, written=confirm and not has_errors)
