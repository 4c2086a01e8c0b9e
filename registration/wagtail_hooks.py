"""Wagtail loads this module at start-up: it imports each package's admin
module, and each registers its own menu items and viewsets with Wagtail's hooks
when imported; screens that belong to another package's menu group join it by
name (registration/admin_menus.py). Nothing imports this module back, so the
admin modules need not know about each other; the Events menu group is
registered first, so it comes first in the menu."""

from importlib import import_module

ADMIN_MODULES = (
    "registration.catalogue.admin.events",  # Events, vouchers, the account menu
    "registration.catalogue.admin.vouchers",  # bulk voucher codes
    "registration.catalogue.admin.members",  # member organisations
    "registration.checkin.admin",  # the Check-in menu group
    "registration.consent.admin",  # consent texts, in the Registration menu
    "registration.documents.admin",  # Attendees and Print badges
    "registration.mailings.admin.mailings",  # mailings and the e-mail log
    "registration.network.admin",  # the Network menu
    "registration.orders.admin.orders",  # the Registration menu
    "registration.payments.admin",  # the Payments menu
    "registration.privacy.admin",  # data download and erasure
    "registration.programme.admin",  # programme sessions, in the Events menu
    "registration.staff.admin.api_tokens",  # Settings → API tokens
    "registration.staff.admin.data",  # reports, exports, imports
    "registration.travel.admin.delegations",  # the Travel menu
    "registration.waiting_list.admin",  # the waiting list, in the Registration menu
)

for module in ADMIN_MODULES:
    import_module(module)
