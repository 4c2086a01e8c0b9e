"""Render the badges of every admissible attendee of an event into one PDF."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registration.documents.services import badges
from registration.models import Event


class Command(BaseCommand):
    help = (
        "Render the badges of every admissible attendee (those of paid orders) "
        "of an event into one PDF, sorted by family name."
    )

    def add_arguments(self, parser):
        parser.add_argument("--event", required=True, help="The event's slug.")
        parser.add_argument(
            "--layout", choices=sorted(badges.LAYOUTS), default=badges.DEFAULT_LAYOUT
        )
        parser.add_argument("--output", required=True, help="The PDF file to write.")

    def handle(self, *args, event: str, layout: str, output: str, **options):
        try:
            chosen = Event.objects.get(slug=event)
        except Event.DoesNotExist:
            raise CommandError(f"No event with the slug {event!r}.") from None
        started = time.perf_counter()
        try:
            pdf, count = badges.render_event_badges(chosen, layout=layout)
        except badges.BadgeError as error:
            raise CommandError(str(error)) from error
        Path(output).write_bytes(pdf)
        self.stdout.write(
            self.style.SUCCESS(
                f"{count} badges ({layout}) written to {output} "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )
