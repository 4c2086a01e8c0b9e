"""Tasks queued before the packages were reorganised still run.

A queued row names its task by import path; rows written by the earlier release
say `registration.tasks.…`, `registration.tasks_badges.…` or
`registration.tasks_exports.…`, and those modules forward to the tasks' new homes.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from registration.jobs.recovery import (
    LEGACY_TASK_PATHS,
    RECOVERABLE_TASKS,
    recover_stalled_tasks,
)
from registration.models import OrderStatus, OutboxMessage, OutboxStatus
from registration.outbox.services import enqueue_message
from tests.factories import AttendeeFactory

pytestmark = pytest.mark.django_db

FORWARDED = {
    "registration.tasks.deliver_outbox_message": (
        "registration.outbox.tasks.deliver_outbox_message"
    ),
    "registration.tasks_badges.render_badge_print_job": (
        "registration.documents.tasks.render_badge_print_job"
    ),
    "registration.tasks_exports.build_export_job": (
        "registration.staff.tasks.build_export_job"
    ),
}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.STALLED_TASK_SECONDS = 900


@pytest.mark.parametrize(("old_path", "new_path"), FORWARDED.items())
def test_an_old_task_path_names_the_same_task(old_path, new_path):
    old, new = import_string(old_path), import_string(new_path)

    assert isinstance(old, Task)
    assert old is new
    assert new.module_path == new_path
    assert RECOVERABLE_TASKS[old_path] is RECOVERABLE_TASKS[new_path]
    assert LEGACY_TASK_PATHS[old_path] == new_path


def _confirmation_queued_under_the_old_path(django_capture_on_commit_callbacks):
    attendee = AttendeeFactory(order__status=OrderStatus.PAID)
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue_message(
            "email.order_confirmed", payload={"order": attendee.order.pk}
        )
    row = DBTaskResult.objects.get(
        task_path="registration.outbox.tasks.deliver_outbox_message",
        args_kwargs__args=[message.pk],
    )
    DBTaskResult.objects.filter(pk=row.pk).update(
        task_path="registration.tasks.deliver_outbox_message"
    )
    return attendee.order, message, row


# The worker calls close_old_connections(), which drops a connection held
# inside a test's transaction; so this test commits for real.
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_row_queued_under_the_old_path(
    database_tasks, django_capture_on_commit_callbacks
):
    order, message, row = _confirmation_queued_under_the_old_path(
        django_capture_on_commit_callbacks
    )

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE
    assert [order.buyer_email] in [m.to for m in mail.outbox]
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"


def test_the_operator_command_counts_rows_under_the_old_paths(
    database_tasks, django_capture_on_commit_callbacks
):
    out = StringIO()
    call_command("count_legacy_tasks", stdout=out)
    assert out.getvalue().startswith("0 ")

    _confirmation_queued_under_the_old_path(django_capture_on_commit_callbacks)
    out = StringIO()
    call_command("count_legacy_tasks", stdout=out)

    assert out.getvalue().startswith("1 ")


def test_a_stalled_row_under_the_old_path_is_recovered(
    database_tasks, django_capture_on_commit_callbacks
):
    _order, message, row = _confirmation_queued_under_the_old_path(
        django_capture_on_commit_callbacks
    )
    DBTaskResult.objects.filter(pk=row.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(minutes=20)
    )
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.SENDING)

    assert recover_stalled_tasks() == 1
    assert DBTaskResult.objects.filter(
        status="READY",
        task_path="registration.outbox.tasks.deliver_outbox_message",
        args_kwargs__args=[message.pk],
    ).exists()
