"""Background jobs of staff mailings: thin, they take ids and call one service."""

from django_tasks import task

from registration.jobs import queue
from registration.mailings.services import sending


@queue.register
@task()
def run_mailing_job(job_id: int) -> None:
    """Hand a mailing's recipients to the outbox in batches; safe to run twice."""
    sending.run_mailing_job(job_id)
