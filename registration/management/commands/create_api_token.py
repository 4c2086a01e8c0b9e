"""Create an API token for a staff user and print it once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registration.staff.services.api_tokens import create_api_token


class Command(BaseCommand):
    help = "Create an API token for a staff user; the token is printed once, stored hashed."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label to tell tokens apart.")
        parser.add_argument(
            "--read-only",
            action="store_true",
            help="The token can read but not create, change or delete.",
        )

    def handle(self, *args, username: str, name: str = "", read_only=False, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        try:
            _token, raw = create_api_token(user, name=name, read_only=read_only)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(raw)
