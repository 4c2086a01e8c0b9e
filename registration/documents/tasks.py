"""Background jobs for badge printing: thin, they take ids and call one service."""

from django_tasks import task

from registration.documents.services import badges
from registration.jobs import queue


@queue.register
@task()
def render_badge_print_job(job_id: int) -> str:
    """Render one badge print job into its PDF; a job already taken is left alone."""
    return badges.run_badge_print_job(job_id).status
