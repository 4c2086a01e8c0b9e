"""Expire pending orders whose hold has run out, freeing their seats."""

from django.core.management.base import BaseCommand

from registration.orders.services import expire_orders


class Command(BaseCommand):
    help = "Expire unpaid orders whose hold (expires_at) has passed."

    def handle(self, *args, **options):
        count = expire_orders()
        self.stdout.write(f"Expired {count} order(s).")
