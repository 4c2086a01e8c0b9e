"""Load an archive written by `export_event` into this database, all or nothing.

manage.py migrate && manage.py import_event conference-2027.zip
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registration.staff.services.event_archive import ArchiveError, import_event


class Command(BaseCommand):
    help = "Import one event's archive (from export_event) into a database without it."

    def add_arguments(self, parser):
        parser.add_argument(
            "archive", type=Path, help="The .zip written by export_event."
        )

    def handle(self, *args, archive, **options):
        try:
            summary = import_event(archive)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(
            self.style.SUCCESS(f"Imported event {summary.event!r} from {archive}")
        )
