from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Modules that register themselves when imported: e-mail builders with the
# outbox (registration/outbox/mail.py) and background tasks with the queue
# (registration/jobs/queue.py), and signal receivers with the signals they
# answer. Services look both up by name, so they never import the modules that
# use them; a package reacts to another's signal without the sender importing
# it. The last three keep the task names queued before the packages were
# reorganised (see their docstrings).
SELF_REGISTERING_MODULES = (
    "registration.orders.emails",
    "registration.consent.emails",
    "registration.waiting_list.emails",
    "registration.payments.emails",
    "registration.payments.receivers",
    "registration.documents.emails",
    "registration.travel.emails",
    "registration.mailings.emails",
    "registration.programme.emails",
    "registration.outbox.tasks",
    "registration.documents.tasks",
    "registration.staff.tasks",
    "registration.mailings.tasks",
    "registration.programme.tasks",
    "registration.tasks",
    "registration.tasks_badges",
    "registration.tasks_exports",
)


class RegistrationConfig(AppConfig):
    name = "registration"
    verbose_name = _("Registration")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import register_converter

        from registration.api.converters import IdConverter

        # Before any URL module is imported: the API's addresses use `<id:…>`.
        register_converter(IdConverter, "id")

        from registration.spreadsheets import neutralise_wagtail_exports

        # Wagtail's own CSV downloads write text as it is; see spreadsheets.py.
        neutralise_wagtail_exports()

        for module in SELF_REGISTERING_MODULES:
            import_module(module)
