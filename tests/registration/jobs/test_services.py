"""One runner for every background job (jobs/services.py): badge print jobs and
export jobs are claimed once, report their progress, and end done or failed."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from registration.jobs import services as jobs
from registration.jobs.models import DONE, FAILED, QUEUED, RUNNING
from registration.jobs.recovery import RECOVERABLE_TASKS
from registration.models import (
    BadgePrintJob,
    BadgePrintJobStatus,
    ExportJob,
    ExportJobStatus,
)
from tests.factories import EventFactory, UserFactory

KINDS = ["badges", "export"]
on_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL (set DATABASE_URL): two workers at once",
)


def make_job(kind: str):
    event = EventFactory()
    if kind == "badges":
        return BadgePrintJob.objects.create(event=event, layout="a6", total=2)
    return ExportJob.objects.create(
        kind="attendees", event=event, requested_by=UserFactory(), total=2
    )


class Work:
    """A job's work: two steps, each reported, then a small file."""

    def __init__(self, *, fails: bool = False, pause: threading.Event | None = None):
        self.fails = fails
        self.pause = pause
        self.calls = 0
        self.seen = []  # (status, done, total) in the database after each step
        self.finished = []
        self.failed = []

    def __call__(self, job, progress):
        self.calls += 1
        if self.pause is not None:
            self.pause.wait(timeout=10)
        progress(1, total=3)
        self.seen.append(self.stored(job))
        if self.fails:
            raise ValueError("The printer caught fire.")
        progress(3)
        self.seen.append(self.stored(job))
        job.done = job.total = 3
        return jobs.JobOutput(f"job-{job.pk}.txt", b"three lines")

    @staticmethod
    def stored(job):
        row = type(job).objects.get(pk=job.pk)
        return (row.status, row.done, row.total)

    def run(self, model, job_id):
        return jobs.run_job(
            model,
            job_id,
            work=self,
            on_done=self.finished.append,
            on_failed=self.failed.append,
        )


def test_both_kinds_of_job_move_through_the_statuses_the_runner_knows():
    assert BadgePrintJobStatus.values == [QUEUED, RUNNING, DONE, FAILED]
    assert ExportJobStatus.values == [QUEUED, RUNNING, DONE, FAILED]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_job_of_either_kind_reports_its_progress_and_keeps_its_file(kind):
    job = make_job(kind)
    work = Work()

    done = work.run(type(job), job.pk)

    assert work.seen == [("running", 1, 3), ("running", 3, 3)]
    done.refresh_from_db()
    assert (done.status, done.done, done.total, done.progress, done.error) == (
        "done",
        3,
        3,
        100,
        "",
    )
    assert done.is_finished is True
    assert done.started_at <= done.finished_at
    with done.output.open("rb") as stored:
        assert stored.read() == b"three lines"
    assert [finished.pk for finished in work.finished] == [job.pk]
    assert work.failed == []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_failing_job_of_either_kind_is_recorded_failed_with_its_error(kind):
    job = make_job(kind)
    work = Work(fails=True)

    failed = work.run(type(job), job.pk)

    failed.refresh_from_db()
    assert (failed.status, failed.error, failed.done) == (
        "failed",
        "The printer caught fire.",
        1,
    )
    assert failed.is_finished is True
    assert not failed.output
    assert failed.finished_at is not None
    assert [job.pk for job in work.failed] == [job.pk]
    assert work.finished == []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_a_job_of_either_kind_given_twice_runs_once(kind):
    job = make_job(kind)
    work = Work()

    work.run(type(job), job.pk)
    again = work.run(type(job), job.pk)

    assert work.calls == 1
    assert again.status == "done"
    assert len(work.finished) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_recovery_puts_a_running_job_of_either_kind_back_in_the_queue(kind):
    job = make_job(kind)
    type(job).objects.filter(pk=job.pk).update(status="running", done=2)
    finished = make_job(kind)
    type(finished).objects.filter(pk=finished.pk).update(status="done", done=2)
    task = {
        "badges": "registration.documents.tasks.render_badge_print_job",
        "export": "registration.staff.tasks.build_export_job",
    }[kind]

    RECOVERABLE_TASKS[task](job.pk, now=None)
    RECOVERABLE_TASKS[task](finished.pk, now=None)

    job.refresh_from_db()
    finished.refresh_from_db()
    assert (job.status, job.done) == ("queued", 0)
    assert (finished.status, finished.done) == ("done", 2)


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", KINDS)
def test_two_workers_given_the_same_job_at_once_run_it_once(kind):
    job = make_job(kind)
    model = type(job)
    # The worker that claims the job holds its work until the other one has
    # returned, so both are at work on the same job at the same time.
    other_returned = threading.Event()
    work = Work(pause=other_returned)
    start = threading.Barrier(2)
    statuses = []

    def worker():
        start.wait()
        try:
            statuses.append(work.run(model, job.pk).status)
            other_returned.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert work.calls == 1
    assert sorted(statuses) == ["done", "running"]
    assert len(work.finished) == 1
    job.refresh_from_db()
    assert (job.status, job.done) == ("done", 3)
