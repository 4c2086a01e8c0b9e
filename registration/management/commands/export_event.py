"""Write one event's full data to a portable archive (see services/event_archive.py).

manage.py export_event conference-2027 --output conference-2027.zip
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registration.models import Event
from registration.staff.services.event_archive import ArchiveError, export_event


class Command(BaseCommand):
    help = "Export one event (orders, attendees, payments, check-ins, …) to a .zip archive."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The event's slug.")
        parser.add_argument(
            "--output", "-o", type=Path, help="Archive path (default: SLUG-DATE.zip)."
        )

    def handle(self, *args, slug, output=None, **options):
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            known = ", ".join(Event.objects.values_list("slug", flat=True)[:10])
            raise CommandError(
                f"No event with the slug {slug!r}. Known: {known or 'none'}."
            )
        path = output or Path(f"{slug}-{timezone.now():%Y%m%d-%H%M}.zip")
        try:
            summary = export_event(event, path)
        except (ArchiveError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        for line in summary.lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(f"Wrote {path}"))
