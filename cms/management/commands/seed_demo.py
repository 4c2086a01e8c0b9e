"""`manage.py seed_demo`: demo events, pages and an admin login (safe to run again).

It lives in `cms` because it builds pages, and `registration` never imports `cms`.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from cms.demo_data import seed_network_pages, seed_pages, seed_translations
from registration.catalogue.demo import seed_catalogue, seed_network
from registration.checkin.demo import DEVICE_NAME, seed_checkin
from registration.mailings.demo import seed_mailing_rule
from registration.outbox.mail import delegation_url
from registration.programme.demo import seed_programme
from registration.travel.demo import seed_delegation

ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = "Create or update the demo events, page tree and a local admin account."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-admin", action="store_true", help="Do not create the admin account."
        )

    def handle(self, *args, no_admin=False, **options):
        with transaction.atomic():
            catalogue = seed_catalogue()
            home = seed_pages(catalogue)
            seed_network_pages(home, seed_network())
            seed_translations(home)
            delegation = seed_delegation(catalogue.conference)
            door = seed_checkin(catalogue.conference, catalogue.youth_summit)
            seed_mailing_rule(catalogue.conference)
            seed_programme(catalogue.conference, catalogue.youth_summit)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo events: {catalogue.conference.slug}, {catalogue.youth_summit.slug}"
            )
        )
        self.stdout.write(
            f"Delegation leader's page ({delegation.name}): {delegation_url(delegation)}"
        )
        self.stdout.write(
            f"Check-in app, paired as '{DEVICE_NAME}': {door.pairing_link}"
        )
        for name, secret in door.paid_codes[:2]:
            self.stdout.write(f"  badge code to type or scan (paid): {secret}  {name}")
        if door.unpaid_code:
            name, secret = door.unpaid_code
            self.stdout.write(f"  badge code (not paid yet): {secret}  {name}")
        if not no_admin:
            password = self._admin_password()
            self.stdout.write(
                f"Admin: {settings.SITE_URL}/admin/  user {ADMIN_USERNAME}  password {password}"
            )

    def _admin_password(self) -> str:
        """Create the admin (or reset it) with a password kept in var/ for reruns."""
        password_file = settings.BASE_DIR / "var" / "demo-admin-password"
        if password_file.exists():
            password = password_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password)
            password_file.chmod(0o600)
        user, _ = get_user_model().objects.get_or_create(
            username=ADMIN_USERNAME,
            defaults={"email": "admin@sister-cities.example"},
        )
        user.is_staff = True
        user.is_superuser = True
        user.set_password(password)
        user.save()
        return password
