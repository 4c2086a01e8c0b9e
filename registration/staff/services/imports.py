"""Imports from CSV or XLSX: member organisations, vouchers and delegation members.

Every import runs twice: first as a dry run (`commit=False`) that checks every
row and writes nothing, then, when staff confirm, for real (`commit=True`).
The real run checks everything again (the data may have changed in between)
and writes all rows or none: one bad row rolls the whole file back.

Delegation members become attendees of ONE order placed through
`orders/services/placement.place_order` (same prices, capacity locks, ages,
questions and guardian consent as any order), with the delegation set on each
attendee in the same transaction. One order per file keeps the import atomic
and gives the delegation one invoice; `MAX_ATTENDEES_PER_ORDER` (50) is
therefore the largest file, and a bigger delegation is imported in several
files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.db import transaction
from django.utils.translation import gettext as _
from import_export.formats.base_formats import CSV, XLSX

from registration.audit.services import log_activity
from registration.errors import OrderError, OrderInvalid, RegistrationError
from registration.models import Delegation, Event, Order, PaymentMethod
from registration.orders.services import (
    MAX_ATTENDEES_PER_ORDER,
    AttendeeData,
    BuyerData,
    YouthData,
    place_order,
)
from registration.spreadsheets import restore_dataset
from registration.staff.resources import (
    DelegationMemberResource,
    MemberOrganisationResource,
    VoucherResource,
)

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
FORMATS = {".csv": CSV, ".xlsx": XLSX}


class ImportFileError(RegistrationError):
    """The file cannot be read as a table (format, encoding, headers, size)."""

    default_code = "bad_file"


# --- Reading a file --------------------------------------------------------------


def read_dataset(content: bytes, *, file_name: str) -> tablib.Dataset:
    """The first sheet of a CSV (UTF-8) or XLSX file, headers trimmed.

    Raises ImportFileError naming what is wrong.
    """
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    format_class = FORMATS.get(suffix)
    if format_class is None:
        raise ImportFileError(
            _("Upload a .csv or .xlsx file."), code="bad_format", field="file"
        )
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than 5 MB."), code="too_large", field="file"
        )
    if suffix == ".csv":
        content = content.removeprefix(b"\xef\xbb\xbf")  # Excel's UTF-8 mark
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _("Save the CSV file as UTF-8."), code="bad_encoding", field="file"
            ) from exc
    try:
        dataset = format_class(encoding="utf-8").create_dataset(content)
    except Exception as exc:
        # tablib and openpyxl raise many kinds of errors for a damaged file.
        logger.info("Unreadable import file %s: %s", file_name, exc)
        raise ImportFileError(
            _("The file could not be read as %(format)s.")
            % {"format": suffix[1:].upper()},
            code="unreadable",
            field="file",
        ) from exc
    # Our own exports quote a text that a spreadsheet would run; read it back as typed.
    dataset = restore_dataset(dataset)
    if not dataset.headers or not any(dataset.headers):
        raise ImportFileError(
            _("The first row must hold the column names."),
            code="no_headers",
            field="file",
        )
    dataset.headers = [str(h or "").strip() for h in dataset.headers]
    if len(dataset) > MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(n)s rows.") % {"n": MAX_ROWS},
            code="too_many_rows",
            field="file",
        )
    return dataset


# --- What staff see ----------------------------------------------------------------


@dataclass
class PreviewRow:
    number: int  # 1 = the first row under the headers
    values: list[str]
    action: str = ""  # new, update, skip, error
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


@dataclass
class ImportResult:
    """A dry run's preview, or a committed import's outcome."""

    headers: list[str]
    rows: list[PreviewRow]
    errors: list[str] = field(default_factory=list)  # about the whole file
    committed: bool = False
    order: Order | None = None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.errors for row in self.rows)

    @property
    def error_row_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _rows_of(dataset: tablib.Dataset) -> list[PreviewRow]:
    return [
        PreviewRow(number=i, values=[_cell(v) for v in row])
        for i, row in enumerate(dataset, 1)
    ]


# --- Model imports: member organisations and vouchers ------------------------------


def _run_model_import(resource, dataset: tablib.Dataset, *, commit: bool):
    """import-export's own run, in a transaction rolled back on a dry run or any error."""
    result = ImportResult(headers=list(dataset.headers), rows=_rows_of(dataset))
    missing = [
        name for name in resource._meta.import_id_fields if name not in dataset.headers
    ]
    if missing:
        result.errors.append(
            _("The file has no column %(names)s.") % {"names": ", ".join(missing)}
        )
        return result
    outcome = resource.import_data(
        dataset,
        dry_run=not commit,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    for error in outcome.base_errors:
        result.errors.append(str(error.error))
    by_number = {row.number: row for row in result.rows}
    for number, errors in outcome.row_errors():
        for error in errors:
            by_number[number].errors.append(("", _text_of(error.error)))
    for invalid in outcome.invalid_rows:
        for column, messages in invalid.error_dict.items():
            name = "" if column == "__all__" else column
            for message in messages:
                by_number[invalid.number].errors.append((name, str(message)))
    for number, row_result in enumerate(outcome.rows, 1):
        if number in by_number:
            by_number[number].action = (
                "error" if by_number[number].errors else row_result.import_type
            )
    result.committed = commit and not result.has_errors
    return result


def _text_of(error: Exception) -> str:
    # A widget's ValueError says what is wrong with the cell; anything else is
    # shown by its message only, never a traceback.
    return str(error) or type(error).__name__


def import_member_organisations(
    dataset: tablib.Dataset, *, commit: bool, by
) -> ImportResult:
    """Add or update member organisations (matched by member code, any case).

    Columns: name, code, valid_until (date or date and time), is_active (yes/no,
    default yes), events (event slugs separated by ";", empty: every event).
    Side effect when committed without errors: ActivityLog `members.imported`.
    """
    result = _run_model_import(MemberOrganisationResource(), dataset, commit=commit)
    if result.committed:
        _log_import(
            "members.imported",
            subject=None,
            by=by,
            event=None,
            data={"new": result.count("new"), "updated": result.count("update")},
        )
    return result


def import_vouchers(
    event: Event, dataset: tablib.Dataset, *, commit: bool, by
) -> ImportResult:
    """Add or update an event's vouchers (matched by code within the event, any case).

    Columns: code, kind (percent, fixed, set_price), value, max_uses, valid_from,
    valid_until, ticket_types (names separated by ";"), unlocks_hidden_tickets,
    note. Side effect when committed without errors: ActivityLog
    `vouchers.imported` on the event.
    """
    result = _run_model_import(VoucherResource(event=event), dataset, commit=commit)
    if result.committed:
        _log_import(
            "vouchers.imported",
            subject=event,
            by=by,
            event=event,
            data={"new": result.count("new"), "updated": result.count("update")},
        )
    return result


def _log_import(action: str, *, subject, by, event, data: dict) -> None:
    if subject is None:
        # No single object stands for a roster; the staff user is the subject.
        subject = by
    log_activity(subject, action=action, actor=by, event=event, data=data)


# --- Delegation members --------------------------------------------------------------


@dataclass
class DelegationOrderData:
    """Who the delegation's order is for, chosen by staff on the upload form."""

    buyer_name: str
    buyer_email: str
    payment_method: str = PaymentMethod.INVOICE
    buyer_organisation: str = ""
    member_code: str = ""
    voucher_code: str = ""


class _DryRun(Exception):
    """Raised inside the dry run's transaction to roll it back."""


def import_delegation_members(
    delegation: Delegation,
    dataset: tablib.Dataset,
    *,
    order: DelegationOrderData,
    commit: bool,
    by,
) -> ImportResult:
    """Place one order whose attendees are the file's rows, all in `delegation`.

    Columns: given_name and ticket_type (its name) are required; family_name,
    badge_name, badge_name_latin, email, extras (names separated by ";"), organisation, city,
    country (ISO code), language, date_of_birth, guardian_name, guardian_email,
    guardian_phone; and one column per question of the event, headed with the
    question's label. The dry run places the order inside a transaction that is
    rolled back, so it reports exactly what placing would (prices, seats, ages,
    answers); nothing is written and no e-mail is queued.
    Side effects when committed: those of `place_order`, the delegation set on
    each attendee and ActivityLog `delegation.members_imported`.
    """
    event = delegation.event
    result = ImportResult(headers=list(dataset.headers), rows=_rows_of(dataset))
    if problem := _delegation_file_problem(dataset):
        result.errors.append(problem)
        return result
    attendees = _attendees_from_rows(event, dataset, result)
    if result.has_errors:
        return result
    try:
        placed = _place_delegation_order(
            delegation, attendees, order=order, commit=commit, by=by
        )
    except _DryRun:
        _mark_rows_new(result)
        return result
    except OrderInvalid as invalid:
        _attach_order_errors(result, invalid.errors, event)
        return result
    except OrderError as error:
        _attach_order_errors(result, [error], event)
        return result
    _mark_rows_new(result)
    result.committed = True
    result.order = placed
    return result


def _delegation_file_problem(dataset: tablib.Dataset) -> str | None:
    """Why the file as a whole cannot be imported (columns, no rows, too many)."""
    missing = [
        name
        for name in DelegationMemberResource.REQUIRED_COLUMNS
        if name not in dataset.headers
    ]
    if missing:
        return _("The file has no column %(names)s.") % {"names": ", ".join(missing)}
    if not len(dataset):
        return _("The file has no rows under its headers.")
    if len(dataset) > MAX_ATTENDEES_PER_ORDER:
        return _(
            "One import places one order of at most %(n)s people; split the file."
        ) % {"n": MAX_ATTENDEES_PER_ORDER}
    return None


def _place_delegation_order(
    delegation: Delegation,
    attendees: list[AttendeeData],
    *,
    order: DelegationOrderData,
    commit: bool,
    by,
) -> Order:
    """Place the order, its attendees in the delegation; a dry run raises _DryRun."""
    event = delegation.event
    buyer = BuyerData(
        name=order.buyer_name,
        email=order.buyer_email,
        organisation=order.buyer_organisation,
    )
    with transaction.atomic():
        placed = place_order(
            event,
            buyer=buyer,
            attendees=attendees,
            payment_method=order.payment_method,
            voucher_code=order.voucher_code or None,
            member_code=order.member_code or None,
            # Invoiced with the delegation (close_delegation), not as placed.
            invoice=False,
            by=by,
        )
        placed.attendees.update(delegation=delegation)
        if not commit:
            raise _DryRun
        log_activity(
            placed,
            action="delegation.members_imported",
            actor=by,
            event=event,
            data={"delegation": delegation.pk, "attendees": len(attendees)},
        )
    return placed


def _mark_rows_new(result: ImportResult) -> None:
    for row in result.rows:
        row.action = "new"


def _attendees_from_rows(
    event: Event, dataset: tablib.Dataset, result: ImportResult
) -> list[AttendeeData]:
    """Each row as the order service's AttendeeData; cell format errors on the rows."""
    resource = DelegationMemberResource()
    ticket_types = {tt.name.strip().casefold(): tt for tt in event.ticket_types.all()}
    extras = {extra.name.strip().casefold(): extra for extra in event.extras.all()}
    questions = {q.label.strip(): q for q in event.questions.all()}
    attendees = []
    for row, preview in zip(dataset.dict, result.rows, strict=True):
        values: dict[str, Any] = {}
        for name, column in resource.fields.items():
            if column.column_name not in row:
                values[name] = None
                continue
            try:
                values[name] = column.clean(row)
            except ValueError as error:
                preview.errors.append((column.column_name, _text_of(error)))
                values[name] = None
        text = {k: "" if v is None else str(v).strip() for k, v in values.items()}

        ticket_type = ticket_types.get(text["ticket_type"].casefold())
        if text["ticket_type"] and ticket_type is None:
            preview.errors.append(
                ("ticket_type", _("No ticket type of this event has this name."))
            )
        chosen_extras = []
        for name in filter(None, (p.strip() for p in text["extras"].split(";"))):
            extra = extras.get(name.casefold())
            if extra is None:
                preview.errors.append(
                    (
                        "extras",
                        _("No extra of this event is called %(name)s.")
                        % {"name": name},
                    )
                )
            else:
                chosen_extras.append(extra)
        answers = {
            questions[header].pk: _cell(row[header]).strip()
            for header in dataset.headers
            if header in questions
        }
        youth_given = any(
            text[name]
            for name in (
                "date_of_birth",
                "guardian_name",
                "guardian_email",
                "guardian_phone",
            )
        )
        youth = None
        if youth_given or (ticket_type is not None and ticket_type.is_youth):
            youth = YouthData(
                date_of_birth=values.get("date_of_birth"),
                guardian_name=text["guardian_name"],
                guardian_email=text["guardian_email"],
                guardian_phone=text["guardian_phone"],
            )
        attendees.append(
            AttendeeData(
                ticket_type=ticket_type,
                given_name=text["given_name"],
                family_name=text["family_name"],
                badge_name=text["badge_name"],
                badge_name_latin=text["badge_name_latin"],
                email=text["email"],
                language=text["language"],
                organisation=text["organisation"],
                city=text["city"],
                country=text["country"].upper(),
                extras=chosen_extras,
                answers=answers,
                youth=youth,
            )
        )
    return attendees


def _attach_order_errors(
    result: ImportResult, errors: list[OrderError], event: Event
) -> None:
    """Put each `attendees.N.field` error on row N+1; others concern the whole file."""
    labels = {str(q.pk): q.label for q in event.questions.all()}
    for error in errors:
        parts = (error.field or "").split(".")
        if parts[0] == "attendees" and len(parts) >= 3 and parts[1].isdigit():
            index = int(parts[1])
            rest = parts[2:]
            if rest[0] == "answers" and len(rest) > 1:
                column = labels.get(rest[1], rest[1])
            elif rest[0] == "youth" and len(rest) > 1:
                column = rest[1]
            else:
                column = rest[0]
            if index < len(result.rows):
                result.rows[index].errors.append((column, error.message))
                result.rows[index].action = "error"
                continue
        result.errors.append(
            f"{error.field}: {error.message}" if error.field else error.message
        )
