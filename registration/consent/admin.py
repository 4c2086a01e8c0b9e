"""The guardian consent texts in the Wagtail admin (Registration menu): versioned
per event and language; a version a guardian has signed never changes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet

from registration import admin_menus
from registration.models import ConsentText


class ConsentTextForm(WagtailAdminModelForm):
    """Empty version on a new text: the next version number of its event and language."""

    class Meta:
        model = ConsentText
        fields = ["event", "language", "version", "title", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].required = False
        self.fields["version"].help_text = gettext_lazy(
            "Empty: the next version for this event in this language."
        )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.consents.exists():
            raise ValidationError(
                _(
                    "Guardians have signed this version, so it cannot change; "
                    "add a new version instead."
                ),
                code="signed",
            )
        event = cleaned.get("event")
        language = cleaned.get("language")
        if event is not None and language and cleaned.get("version") is None:
            latest = ConsentText.objects.filter(
                event=event, language=language
            ).aggregate(latest=Max("version"))["latest"]
            cleaned["version"] = (latest or 0) + 1
            self.instance.version = cleaned["version"]
        return cleaned


class ConsentTextViewSet(ModelViewSet):
    model = ConsentText
    icon = "doc-full"
    menu_label = gettext_lazy("Consent texts")
    menu_order = 200
    list_display = ["title", "event", "language", "version", "created_at"]
    list_filter = ["event", "language"]
    search_fields = ["title"]
    ordering = ["event", "language", "-version"]
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return ConsentTextForm

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=ConsentText.objects.select_related("event"), **kwargs
        )


admin_menus.join(
    admin_menus.REGISTRATION, ConsentTextViewSet("consent_texts"), position=50
)
