"""The programme's background job: issuing an event's certificates (thin: an id,
one service)."""

from django_tasks import task

from registration.jobs import queue
from registration.programme import certificates


@queue.register
@task()
def run_certificate_job(job_id: int) -> str:
    """Issue the certificates of one job; a job already taken is left alone."""
    return certificates.run_certificate_job(job_id).status
