"""Exports of attendees and orders: CSV streamed at once, XLSX built by a job.

The columns come from the Resources in registration/staff/resources.py. Youth
columns are allowed only to staff holding `registration.view_youthdetails`:
`allowed_columns` drops them for everyone else, so neither the form, the CSV
stream nor the job can carry them (DESIGN invariant 7). A job checks its
requester's permission again when it runs, in case it was taken away.
Every cell goes through registration/spreadsheets.py (formula text neutralised,
numbers kept as numbers).
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from itertools import chain

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from registration import spreadsheets
from registration.audit.services import log_activity
from registration.errors import RegistrationError
from registration.jobs import queue
from registration.jobs import services as jobs
from registration.models import (
    LIVE_ORDER_STATUSES,
    Attendee,
    Event,
    ExportJob,
    ExportJobStatus,
    ExportKind,
    Order,
    OrderStatus,
)
from registration.staff import access as staff_access
from registration.staff.resources import (
    SENSITIVE_ATTENDEE_COLUMNS,
    AttendeeExportResource,
    OrderExportResource,
)

logger = logging.getLogger(__name__)

RESOURCES = {
    ExportKind.ATTENDEES: AttendeeExportResource,
    ExportKind.ORDERS: OrderExportResource,
}
VIEW_PERMISSIONS = {
    ExportKind.ATTENDEES: "registration.view_attendee",
    ExportKind.ORDERS: "registration.view_order",
}
CHUNK_SIZE = 1000
# A job still queued or running after this long lost its worker: the periodic
# loop queues it again (queued) or marks it failed (running).
STALE_AFTER = timedelta(minutes=15)


class ExportError(RegistrationError):
    default_code = "invalid"


def can_export(user, kind: str) -> bool:
    return user.is_active and user.has_perm(VIEW_PERMISSIONS[kind])


# Youth columns follow the one rule for youth data in the staff screens.
can_see_youth_details = staff_access.can_see_youth_details


def allowed_columns(kind: str, user) -> list[tuple[str, str]]:
    """(name, label) of the columns `user` may export, in the Resource's order."""
    resource = RESOURCES[kind]()
    columns = [(name, str(f.column_name)) for name, f in resource.fields.items()]
    if kind == ExportKind.ATTENDEES and not can_see_youth_details(user):
        columns = [c for c in columns if c[0] not in SENSITIVE_ATTENDEE_COLUMNS]
    return columns


def check_columns(kind: str, columns: Iterable[str], *, user) -> list[str]:
    """The chosen columns in the Resource's order; refuses any the user may not have."""
    allowed = [name for name, _label in allowed_columns(kind, user)]
    chosen = set(columns)
    refused = chosen - set(allowed)
    if refused:
        raise ExportError(
            _("These columns cannot be exported: %(names)s.")
            % {"names": ", ".join(sorted(refused))},
            code="column_not_allowed",
            field="columns",
        )
    if not chosen:
        raise ExportError(
            _("Choose at least one column."), code="required", field="columns"
        )
    return [name for name in allowed if name in chosen]


@dataclass(frozen=True)
class ExportFilters:
    """Which orders' rows are exported; by default those still registered."""

    statuses: tuple[str, ...] = tuple(LIVE_ORDER_STATUSES)

    def as_json(self) -> dict:
        return {"statuses": list(self.statuses)}

    @classmethod
    def from_json(cls, data: dict) -> ExportFilters:
        statuses = [s for s in data.get("statuses", []) if s in OrderStatus.values]
        return cls(statuses=tuple(statuses) or tuple(LIVE_ORDER_STATUSES))


def export_queryset(kind: str, event: Event, filters: ExportFilters) -> QuerySet:
    """The rows of an export, with what the Resource reads loaded in bulk."""
    if kind == ExportKind.ATTENDEES:
        return (
            Attendee.objects.filter(
                order__event=event, order__status__in=filters.statuses
            )
            .select_related(
                "order__event", "ticket_type", "delegation", "youth__consent"
            )
            .prefetch_related("attendeeextra_set__extra", "answers__question")
            .order_by("family_name", "given_name", "pk")
        )
    return (
        Order.objects.filter(event=event, status__in=filters.statuses)
        .select_related("event", "voucher", "member_organisation")
        .annotate(attendee_count=Count("attendees"))
        .order_by("created_at", "pk")
    )


def iter_rows(
    kind: str, queryset: QuerySet, columns: list[str]
) -> Iterator[list[object]]:
    """The export's rows, read in chunks so memory stays flat."""
    resource = RESOURCES[kind]()
    for instance in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield resource.export_resource(instance, selected_fields=columns)


def headers(kind: str, columns: list[str]) -> list[str]:
    return RESOURCES[kind]().get_export_headers(selected_fields=columns)


def stream_csv(
    kind: str, event: Event, *, columns: list[str], filters: ExportFilters, user
) -> Iterator[str]:
    """CSV lines (with a UTF-8 mark so that Excel reads accents), generated lazily.

    `columns` must come from `check_columns`. Logs `export.downloaded` first.
    """
    log_activity(
        event,
        action="export.downloaded",
        actor=user,
        event=event,
        data={"kind": kind, "format": "csv", "columns": columns},
    )
    queryset = export_queryset(kind, event, filters)
    yield from spreadsheets.csv_lines(
        chain([headers(kind, columns)], iter_rows(kind, queryset, columns)),
        excel_mark=True,
    )


# --- XLSX jobs ---------------------------------------------------------------------


def start_export_job(
    kind: str,
    event: Event,
    *,
    columns: list[str],
    filters: ExportFilters,
    by,
) -> ExportJob:
    """Create a queued XLSX export job and queue its task after the commit.

    `columns` are checked again here. Side effect: ActivityLog `export.requested`.
    """
    columns = check_columns(kind, columns, user=by)
    total = export_queryset(kind, event, filters).count()
    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind,
            event=event,
            requested_by=by,
            columns=columns,
            filters=filters.as_json(),
            has_sensitive_columns=bool(SENSITIVE_ATTENDEE_COLUMNS & set(columns)),
            total=total,
        )
        log_activity(
            job,
            action="export.requested",
            actor=by,
            event=event,
            data={"kind": kind, "format": "xlsx", "columns": columns, "rows": total},
        )
        transaction.on_commit(partial(queue_export_job, job.pk))
    return job


def queue_export_job(job_id: int) -> None:
    """Hand a job to the task queue; the periodic loop re-queues one left behind."""
    try:
        queue.enqueue("build_export_job", job_id)
    except Exception:
        logger.exception("Could not queue export job %s", job_id)


PROGRESS_EVERY = 500


def run_export_job(job_id: int) -> ExportJob:
    """Write a queued job's XLSX file, moving `done` as rows are written.

    Side effects: queued → running → done (with the file) or failed (with the
    error); ActivityLog `export.built`. A job not queued is returned unchanged.
    """
    return jobs.run_job(
        ExportJob,
        job_id,
        work=_build_xlsx,
        on_done=_log_export_built,
        select_related=("event", "requested_by"),
    )


def _build_xlsx(job: ExportJob, progress: jobs.Progress) -> jobs.JobOutput:
    # The requester's permissions are checked again: they may have lost some.
    columns = check_columns(job.kind, job.columns, user=job.requested_by)
    content = _write_xlsx(job, columns, progress)
    return jobs.JobOutput(
        f"{job.kind}-{job.event.slug}-{job.pk}-{secrets.token_urlsafe(12)}.xlsx",
        content,
    )


def _log_export_built(job: ExportJob) -> None:
    log_activity(
        job,
        action="export.built",
        actor=job.requested_by,
        event=job.event,
        data={"kind": job.kind, "rows": job.done},
    )


def _write_xlsx(job: ExportJob, columns: list[str], progress: jobs.Progress) -> bytes:
    # openpyxl's write-only mode streams rows to a temporary file: 10,000 rows
    # need neither much memory nor the whole sheet in cells.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(ExportKind(job.kind).label)[:31])
    sheet.append(spreadsheets.xlsx_row(headers(job.kind, columns)))
    queryset = export_queryset(
        job.kind, job.event, ExportFilters.from_json(job.filters)
    )
    # Counted again: orders may have changed since the job was asked for.
    progress(0, total=queryset.count())
    done = 0
    for row in iter_rows(job.kind, queryset, columns):
        sheet.append(spreadsheets.xlsx_row(row))
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done)
    job.done = done
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def requeue_export_jobs(*, now: datetime | None = None) -> int:
    """Queue again jobs left queued; fail jobs whose worker died while running."""
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    stale_running = ExportJob.objects.filter(
        status=ExportJobStatus.RUNNING, started_at__lt=cutoff
    ).update(
        status=ExportJobStatus.FAILED,
        error=_("The export stopped unexpectedly; start it again."),
        finished_at=now,
    )
    waiting = list(
        ExportJob.objects.filter(
            status=ExportJobStatus.QUEUED, created_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for job_id in waiting:
        queue_export_job(job_id)
    return stale_running + len(waiting)
