"""Revoke an API token by the characters it starts with (shown in the admin)."""

from django.core.management.base import BaseCommand, CommandError

from registration.models import ApiToken
from registration.staff.services.api_tokens import revoke_api_token


class Command(BaseCommand):
    help = (
        "Revoke an API token, named by its first characters (e.g. sci_AbC123xy) "
        "as Settings → API tokens lists them, or the whole token."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "prefix", help="The token's first characters, or all of it."
        )

    def handle(self, *args, prefix: str, **options):
        prefix = prefix.strip().rstrip("…")
        if len(prefix) < 8:
            raise CommandError("Give at least the first 8 characters of the token.")
        # The stored prefix is the token's first 12 characters.
        live = list(
            ApiToken.objects.select_related("user").filter(
                prefix__startswith=prefix[:12], revoked_at__isnull=True
            )
        )
        if not live:
            raise CommandError(f"No live API token starts with {prefix[:12]!r}.")
        if len(live) > 1:
            names = ", ".join(f"{token.prefix}… ({token.user})" for token in live)
            raise CommandError(f"Several live tokens match: {names}. Give more of it.")
        token = revoke_api_token(live[0])
        self.stdout.write(
            f"Revoked {token.prefix}… ({token.user}, {token.name or '—'})."
        )
