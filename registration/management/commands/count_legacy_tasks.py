"""How many queued or running tasks still name an import path from before the
packages were reorganised; at 0 the forwarding modules (registration/tasks.py,
tasks_badges.py, tasks_exports.py) may be deleted."""

from django.core.management.base import BaseCommand

from registration.jobs.recovery import LEGACY_TASK_PATHS


class Command(BaseCommand):
    help = "Count queued or running database tasks stored under the old task paths."

    def handle(self, *args, **options):
        from django_tasks_db.models import DBTaskResult

        count = DBTaskResult.objects.filter(
            status__in=["READY", "RUNNING"], task_path__in=LEGACY_TASK_PATHS
        ).count()
        self.stdout.write(f"{count} queued or running task(s) under the old task paths")
