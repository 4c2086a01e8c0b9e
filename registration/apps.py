from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


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
