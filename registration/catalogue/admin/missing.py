"""The event's "Missing translations" panel: which texts lack Spanish or French.

Shown on the event's Texts and translations tab, so staff see before the
event opens what a Spanish or French reader would still read in English.
"""

from django.conf import settings
from wagtail.admin.panels import Panel

from registration.catalogue.texts import missing_translations


class MissingTranslationsPanel(Panel):
    """Read-only: the list comes from the saved event (selectors, not the form)."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "registration/catalogue/admin/missing_translations.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            names = dict(settings.LANGUAGES)
            rows = missing_translations(self.instance) if self.instance.pk else []
            context["saved"] = bool(self.instance.pk)
            context["rows"] = [
                (row.where, row.field, [names[code] for code in row.languages])
                for row in rows
            ]
            return context
