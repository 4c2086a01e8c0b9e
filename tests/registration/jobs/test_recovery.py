"""Jobs whose worker died are queued again (registration/jobs/recovery.py), on the
database task backend that `db_worker` serves."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from registration.jobs.recovery import MAX_LOST_WORKERS, recover_stalled_tasks
from registration.models import OutboxMessage, OutboxStatus
from registration.outbox.services import enqueue_message
from registration.outbox.tasks import deliver_outbox_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.STALLED_TASK_SECONDS = 900


def stalled(message, *, minutes_ago):
    """What a SIGKILLed worker leaves: the row RUNNING, the message claimed."""
    result = DBTaskResult.objects.get(args_kwargs__args=[message.pk])
    DBTaskResult.objects.filter(pk=result.pk).update(
        status="RUNNING",
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
        worker_ids=["worker-1"],
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENDING)
    return result


def queued_message(database_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue_message(
            "order_confirmed", payload={"order_id": 0}, key="recovery-test"
        )
    return message


def test_a_task_running_past_the_limit_is_failed_and_queued_again(
    database_tasks, django_capture_on_commit_callbacks
):
    message = queued_message(database_tasks, django_capture_on_commit_callbacks)
    lost = stalled(message, minutes_ago=20)

    assert recover_stalled_tasks() == 1

    lost.refresh_from_db()
    assert lost.status == "FAILED"
    again = DBTaskResult.objects.exclude(pk=lost.pk).get()
    assert (again.status, again.task_path, again.args_kwargs["args"]) == (
        "READY",
        deliver_outbox_message.module_path,
        [message.pk],
    )
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING


def test_a_task_still_within_the_limit_is_left_alone(
    database_tasks, django_capture_on_commit_callbacks
):
    message = queued_message(database_tasks, django_capture_on_commit_callbacks)
    stalled(message, minutes_ago=5)

    assert recover_stalled_tasks() == 0
    assert DBTaskResult.objects.get().status == "RUNNING"


def test_a_job_that_keeps_losing_its_worker_is_given_up(
    database_tasks, django_capture_on_commit_callbacks
):
    queued_message(database_tasks, django_capture_on_commit_callbacks)
    for _ in range(MAX_LOST_WORKERS):
        latest = DBTaskResult.objects.order_by("-enqueued_at").first()
        DBTaskResult.objects.filter(pk=latest.pk).update(
            status="RUNNING", started_at=timezone.now() - timedelta(hours=1)
        )
        recover_stalled_tasks()

    assert DBTaskResult.objects.filter(status="FAILED").count() == MAX_LOST_WORKERS
    assert not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
