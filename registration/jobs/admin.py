"""The progress of a background job in the admin: one JSON view, one page template.

A job's page (badge print job, export job) extends
`registration/jobs/admin/job.html`, which draws the progress bar that
`static/js/admin/job-progress.js` moves by polling the job's status view every
second. Each screen subclasses `JobPageMixin` and `JobStatusView` with its own
permission check, giving `job` (the row, once the check passed) and the names
of its status and file URLs.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import reverse
from django.views.generic import View

from registration.jobs.models import DONE, BackgroundJob


def job_status(job: BackgroundJob, *, file_key: str, file_url_name: str) -> dict:
    """What the progress bar needs, as JSON-ready values.

    `file_key` names the download link ("pdf_url", "file_url"), empty until
    the job is done with its file.
    """
    is_done = job.status == DONE
    return {
        "status": job.status,
        "label": str(job.get_status_display()),
        "done": job.done,
        "total": job.total,
        "progress": 100 if is_done else job.progress,
        file_key: reverse(file_url_name, args=[job.pk])
        if is_done and job.output
        else "",
        "error": job.error,
    }


class JobStatusMixin:
    """What a job's page and its status view share; `job` is given by the screen."""

    job: BackgroundJob
    # URL names of the screen's status view and file download, and the key the
    # download link goes under in the status.
    status_url_name: str
    file_url_name: str
    file_key: str

    def job_status(self) -> dict:
        return job_status(
            self.job, file_key=self.file_key, file_url_name=self.file_url_name
        )


class JobPageMixin(JobStatusMixin):
    """A job's page: its template extends registration/jobs/admin/job.html."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.job_status()
        context.update(
            job=self.job,
            status=status,
            status_url=reverse(self.status_url_name, args=[self.job.pk]),
            file_url=status[self.file_key],
        )
        return context


class JobStatusView(JobStatusMixin, View):
    """The job's progress as JSON, polled every second by its page; never cached."""

    def get(self, request, pk):
        response = JsonResponse(self.job_status())
        response["Cache-Control"] = "no-store"
        return response
