"""Create a check-in device and print its token and pairing link (shown once)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registration.checkin.services.devices import create_device
from registration.models import Event


class Command(BaseCommand):
    help = "Create a check-in device for one or more events; print its token and pairing link."

    def add_arguments(self, parser):
        parser.add_argument(
            "--event",
            action="append",
            required=True,
            help="Event slug; repeat for a device that scans at several events.",
        )
        parser.add_argument("--name", required=True, help='e.g. "Door 1"')

    def handle(self, *args, **options):
        events = []
        for slug in options["event"]:
            event = Event.objects.filter(slug=slug).first()
            if event is None:
                raise CommandError(f"No event '{slug}'.")
            events.append(event)
        device, token = create_device(name=options["name"], events=events)
        # The token travels in the link's fragment, which browsers never send
        # to the server, so it stays out of access logs.
        link = f"{settings.SITE_URL}/checkin/#token={token}"
        self.stdout.write(f"Device: {device.name} (id {device.pk})")
        self.stdout.write(f"Token: {token}")
        self.stdout.write(f"Pairing link: {link}")
        self.stdout.write("The token is shown only now; it is stored hashed.")
