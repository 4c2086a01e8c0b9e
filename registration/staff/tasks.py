"""Background jobs for exports: thin, they take ids and call one service."""

from django_tasks import task

from registration.jobs import queue
from registration.staff.services import exports


@queue.register
@task()
def build_export_job(job_id: int) -> str:
    """Write one export job's XLSX file; a job already taken is left alone."""
    return exports.run_export_job(job_id).status
