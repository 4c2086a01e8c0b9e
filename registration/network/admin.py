"""Staff screens for the sister-city network, in a "Network" menu group.

- **Programmes**: initiatives such as "7 for 70", with a target count and date.
- **Partnerships**: both communities, kind, status, signing, programmes, the
  signed agreement (a Wagtail document, chosen with the document chooser) and
  contacts edited inline. The inspect page lists the partnership's exchanges;
  contacts appear there only to staff holding `view_partnershipcontact`.
- **Exchanges**: activities under a partnership with their figures.
- **Import** (on the Partnerships and Exchanges listings): upload a CSV or
  XLSX file → dry-run preview listing every row's errors → confirm. Nothing
  is written before the confirmation, and a file with any bad row writes
  nothing (registration/network/services.py).

Permissions are the model permissions (Registration managers: all; Travel
desk: view only; Editors: none). Other network screens join the group by
adding their viewsets to NETWORK_VIEWSETS before wagtail_hooks registers it.
"""

from __future__ import annotations

import base64
import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import HeaderButton

from registration.downloads import file_download
from registration.models import Exchange, Partnership, Programme
from registration.network.services import (
    RESOURCES,
    ImportFileError,
    import_network_file,
)

CONTACTS_PERMISSION = "registration.view_partnershipcontact"
SESSION_KEY = "network_import_{kind}"


# --- Import (upload → dry run → confirm) ---------------------------------------------


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A .csv (UTF-8) or .xlsx file with a header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


def can_import(user, model) -> bool:
    """Importing adds and changes rows: both permissions on the model."""
    label = f"registration.{{}}_{model._meta.model_name}"
    return user.is_active and user.has_perms(
        [label.format("add"), label.format("change")]
    )


class ImportIndexView(IndexView):
    """The listing with an Import button for staff who may import."""

    import_url_name: str | None = None

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if can_import(self.request.user, self.model):
            buttons.append(
                HeaderButton(
                    _("Import"),
                    url=reverse(self.import_url_name),
                    icon_name="upload",
                )
            )
        return buttons


class ImportableViewSet(ModelViewSet):
    """A ModelViewSet with the import screens of registration/network/services.py."""

    import_kind = ""  # a key of network_import.RESOURCES
    index_view_class = ImportIndexView

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            import_url_name=self.get_url_name("import"), **kwargs
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", self.import_view, name="import"),
            path("import/current.csv", self.import_template_view, name="import_csv"),
        ]

    def _check_import_permission(self, request):
        if not can_import(request.user, self.model):
            raise PermissionDenied

    def _render_import(self, request, *, form, report=None, token=""):
        resource = RESOURCES[self.import_kind]()
        return TemplateResponse(
            request,
            "registration/network/admin/import.html",
            {
                "form": form,
                "report": report,
                "token": token,
                "columns": [f.column_name for f in resource.get_export_fields()],
                "index_url": reverse(self.get_url_name("index")),
                "import_url": reverse(self.get_url_name("import")),
                "current_csv_url": reverse(self.get_url_name("import_csv")),
                "header_icon": "upload",
                "page_title": _("Import %(things)s")
                % {"things": self.model._meta.verbose_name_plural},
            },
        )

    def import_view(self, request):
        """GET: the upload form. POST with a file: the dry run. POST confirm: import."""
        self._check_import_permission(request)
        session_key = SESSION_KEY.format(kind=self.import_kind)
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm_import(request, session_key)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method != "POST" or not form.is_valid():
            return self._render_import(request, form=form)
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            report = import_network_file(
                self.import_kind,
                content=content,
                filename=upload.name,
                confirm=False,
            )
        except ImportFileError as error:
            form.add_error("file", error.message)
            return self._render_import(request, form=form)
        token = ""
        if not report.has_errors:
            # The file waits in the session until staff confirm this very preview.
            token = secrets.token_urlsafe(16)
            request.session[session_key] = {
                "token": token,
                "filename": upload.name,
                "content": base64.b64encode(content).decode(),
            }
        else:
            request.session.pop(session_key, None)
        return self._render_import(
            request, form=ImportUploadForm(), report=report, token=token
        )

    def _confirm_import(self, request, session_key: str):
        pending = request.session.get(session_key)
        if not pending or pending["token"] != request.POST.get("token"):
            messages.error(
                request,
                _("That preview is no longer available; upload the file again."),
            )
            return redirect(self.get_url_name("import"))
        report = import_network_file(
            self.import_kind,
            content=base64.b64decode(pending["content"]),
            filename=pending["filename"],
            confirm=True,
        )
        request.session.pop(session_key, None)
        if not report.written:
            # The records changed since the preview; nothing was written.
            return self._render_import(request, form=ImportUploadForm(), report=report)
        messages.success(
            request,
            _("Imported %(new)d new and %(updated)d updated %(things)s.")
            % {
                "new": report.new_count,
                "updated": report.update_count,
                "things": self.model._meta.verbose_name_plural,
            },
        )
        return redirect(self.get_url_name("index"))

    def import_template_view(self, request):
        """The current records as CSV in the import columns: a file to edit and re-import."""
        self._check_import_permission(request)
        dataset = RESOURCES[self.import_kind]().export()
        return file_download(
            dataset.csv,
            filename=f"{self.import_kind}.csv",
            content_type="text/csv; charset=utf-8",
        )


# --- Programmes ------------------------------------------------------------------------


class ProgrammeViewSet(ModelViewSet):
    model = Programme
    icon = "flag"
    menu_label = gettext_lazy("Programmes")
    list_display = ["name", "target_count", "target_date"]
    search_fields = ["name", "description"]
    form_fields = ["name", "slug", "description", "target_count", "target_date"]
    copy_view_enabled = False


# --- Partnerships ------------------------------------------------------------------------


class PartnershipInspectView(InspectView):
    template_name = "registration/network/admin/partnership_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Partnership.objects.select_related("agreement").prefetch_related(
                "programmes"
            ),
            pk=self.pk,
        )

    def get_fields(self):
        return [
            "kind",
            "status",
            "local_name",
            "local_region",
            "local_country",
            "partner_name",
            "partner_region",
            "partner_country",
            "signed_on",
            "signed_by",
            "programmes",
            "agreement",
            "description",
        ]

    def get_agreement_display_value(self):
        document = self.object.agreement
        if document is None:
            return "—"
        return format_html('<a href="{}">{}</a>', document.url, document.title)

    def get_programmes_display_value(self):
        return ", ".join(p.name for p in self.object.programmes.all()) or "—"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["exchanges"] = list(self.object.exchanges.order_by("-starts_on"))
        show_contacts = self.request.user.has_perm(CONTACTS_PERMISSION)
        context["show_contacts"] = show_contacts
        context["contacts"] = list(self.object.contacts.all()) if show_contacts else []
        if self.request.user.has_perm("registration.add_exchange"):
            context["add_exchange_url"] = reverse("exchanges:add")
        return context


class PartnershipViewSet(ImportableViewSet):
    model = Partnership
    import_kind = "partnerships"
    icon = "site"
    menu_label = gettext_lazy("Partnerships")
    inspect_view_enabled = True
    inspect_view_class = PartnershipInspectView
    copy_view_enabled = False
    list_display = [
        "local_name",
        "local_region",
        "partner_name",
        Column(
            "partner_country",
            label=gettext_lazy("Partner country"),
            accessor="partner_country.name",
        ),
        Column("kind", label=gettext_lazy("Kind"), accessor="get_kind_display"),
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        "signed_on",
    ]
    list_filter = ["status", "kind", "programmes"]
    search_fields = [
        "local_name",
        "local_region",
        "partner_name",
        "partner_region",
        "signed_by",
    ]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("kind"), FieldPanel("status")]),
            MultiFieldPanel(
                [
                    FieldPanel("local_name"),
                    FieldRowPanel(
                        [FieldPanel("local_region"), FieldPanel("local_country")]
                    ),
                ],
                heading=gettext_lazy("Local community"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("partner_name"),
                    FieldRowPanel(
                        [FieldPanel("partner_region"), FieldPanel("partner_country")]
                    ),
                ],
                heading=gettext_lazy("Partner community"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("signed_on"), FieldPanel("signed_by")]),
                    FieldPanel("agreement"),
                    FieldPanel("programmes", widget=forms.CheckboxSelectMultiple),
                    FieldPanel("description"),
                ],
                heading=gettext_lazy("Agreement"),
            ),
            InlinePanel(
                "contacts",
                heading=gettext_lazy("Contacts (never shown publicly)"),
                label=gettext_lazy("Contact"),
                panels=[
                    FieldRowPanel([FieldPanel("side"), FieldPanel("name")]),
                    FieldPanel("role"),
                    FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
                ],
            ),
        ]
    )


# --- Exchanges ---------------------------------------------------------------------------


class ExchangeViewSet(ImportableViewSet):
    model = Exchange
    import_kind = "exchanges"
    icon = "resubmit"
    menu_label = gettext_lazy("Exchanges")
    inspect_view_enabled = True
    list_display = [
        "title",
        Column(
            "partnership", label=gettext_lazy("Partnership"), accessor="partnership"
        ),
        Column("kind", label=gettext_lazy("Kind"), accessor="get_kind_display"),
        Column(
            "direction",
            label=gettext_lazy("Direction"),
            accessor="get_direction_display",
        ),
        "starts_on",
        "participants",
        "volunteers",
    ]
    list_filter = ["kind", "direction"]
    search_fields = ["title", "summary"]
    edit_handler = ObjectList(
        [
            FieldPanel("partnership"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("direction")]),
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("participants"),
                            FieldPanel("volunteers"),
                            FieldPanel("jobs_created"),
                        ]
                    ),
                    FieldRowPanel(
                        [FieldPanel("aid_value"), FieldPanel("aid_currency")]
                    ),
                ],
                heading=gettext_lazy("Figures"),
            ),
            FieldPanel("summary"),
            FieldPanel("outcomes"),
        ]
    )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Exchange.objects.select_related("partnership"), **kwargs
        )


# --- The menu group ------------------------------------------------------------------------

# The screens of the Network menu group; another screen joins the group by
# appending its viewset here before wagtail_hooks registers the group.
NETWORK_VIEWSETS: list[ModelViewSet] = [
    PartnershipViewSet("partnerships"),
    ExchangeViewSet("exchanges"),
    ProgrammeViewSet("programmes"),
]


class NetworkMenuGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Network")
    menu_icon = "site"
    menu_order = 250
    items = NETWORK_VIEWSETS


@hooks.register("register_admin_viewset")
def register_network_menu():
    return NetworkMenuGroup()
