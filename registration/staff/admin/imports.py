"""Imports in the Wagtail admin: upload → dry-run preview → confirm.

django-import-export has no Wagtail integration, so these small views wrap its
Resources (registration/staff/resources.py) and services/imports.py:

1. `/admin/imports/<kind>/` — the upload form. Submitting it reads the file,
   runs the import as a dry run (nothing is written) and shows every row with
   its errors. The file waits in storage under an unguessable name recorded in
   the user's session.
2. `/admin/imports/<kind>/confirm/` — a POST with that name runs the import
   for real. It checks everything again and writes all rows or none.

Kinds: `members` (member organisations; add + change permission on member
organisations), `vouchers` (an event's vouchers; add + change on vouchers),
`delegation` (members of a delegation as one order; change on delegations and
orders).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from registration.models import Delegation, Event, PaymentMethod
from registration.staff.services import imports

SESSION_KEY = "registration_imports"
PENDING_DIR = "imports/pending"


# --- Forms -------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8) or Excel (.xlsx); the first row names the columns."
        ),
    )

    def options(self) -> dict[str, Any]:
        """The choices besides the file, as JSON-ready values kept until confirmed."""
        return {}


class VoucherUploadForm(UploadForm):
    event = forms.ModelChoiceField(
        label=gettext_lazy("Event"), queryset=Event.objects.order_by("-starts_at")
    )
    field_order = ["event", "file"]

    def options(self):
        return {"event": self.cleaned_data["event"].pk}


class DelegationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.event.name} — {obj.name}"


class DelegationUploadForm(UploadForm):
    delegation = DelegationChoiceField(
        label=gettext_lazy("Delegation"),
        queryset=Delegation.objects.select_related("event").order_by(
            "-event__starts_at", "name"
        ),
    )
    buyer_name = forms.CharField(
        label=gettext_lazy("Order placed for (name)"),
        max_length=200,
        help_text=gettext_lazy(
            "Usually the delegation leader; receives the order e-mail."
        ),
    )
    buyer_email = forms.EmailField(label=gettext_lazy("Their e-mail"))
    buyer_organisation = forms.CharField(
        label=gettext_lazy("Organisation"), max_length=200, required=False
    )
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Payment"),
        choices=[
            (PaymentMethod.INVOICE, gettext_lazy("Invoice")),
            (PaymentMethod.CARD, gettext_lazy("Card, from the order page")),
        ],
        initial=PaymentMethod.INVOICE,
        widget=forms.RadioSelect,
    )
    member_code = forms.CharField(
        label=gettext_lazy("Member code"), max_length=40, required=False
    )
    voucher_code = forms.CharField(
        label=gettext_lazy("Voucher code"), max_length=40, required=False
    )
    field_order = [
        "delegation",
        "buyer_name",
        "buyer_email",
        "buyer_organisation",
        "payment_method",
        "member_code",
        "voucher_code",
        "file",
    ]

    def options(self):
        data = self.cleaned_data
        return {
            "delegation": data["delegation"].pk,
            **{
                name: data[name]
                for name in (
                    "buyer_name",
                    "buyer_email",
                    "buyer_organisation",
                    "payment_method",
                    "member_code",
                    "voucher_code",
                )
            },
        }


# --- The three importers ---------------------------------------------------------------


@dataclass(frozen=True)
class Importer:
    kind: str
    title: str
    description: str
    columns: str
    permissions: tuple[str, ...]
    form_class: type[UploadForm]

    def allowed(self, user) -> bool:
        return user.is_active and user.has_perms(self.permissions)

    def run(self, dataset, options: dict, *, commit: bool, user):
        if self.kind == "members":
            return imports.import_member_organisations(dataset, commit=commit, by=user)
        if self.kind == "vouchers":
            event = Event.objects.get(pk=options["event"])
            return imports.import_vouchers(event, dataset, commit=commit, by=user)
        delegation = Delegation.objects.select_related("event").get(
            pk=options["delegation"]
        )
        order = imports.DelegationOrderData(
            **{k: v for k, v in options.items() if k != "delegation"}
        )
        return imports.import_delegation_members(
            delegation, dataset, order=order, commit=commit, by=user
        )

    def done_url(self, result, options: dict) -> str:
        if self.kind == "members":
            return reverse("member_organisations:index")
        if self.kind == "vouchers":
            return reverse("vouchers:index") + f"?event={options['event']}"
        return reverse("orders:inspect", args=[result.order.pk])


IMPORTERS = {
    "members": Importer(
        kind="members",
        title=gettext_lazy("Member organisations"),
        description=gettext_lazy(
            "The roster of member organisations whose code gives member prices. "
            "A row whose code exists (any case) updates that organisation."
        ),
        columns="name, code, valid_until, is_active, events",
        permissions=(
            "registration.add_memberorganisation",
            "registration.change_memberorganisation",
        ),
        form_class=UploadForm,
    ),
    "vouchers": Importer(
        kind="vouchers",
        title=gettext_lazy("Vouchers"),
        description=gettext_lazy(
            "An event's vouchers. A row whose code exists for the event updates it."
        ),
        columns=(
            "code, kind (percent, fixed, set_price), value, max_uses, valid_from, "
            "valid_until, ticket_types, unlocks_hidden_tickets, note"
        ),
        permissions=("registration.add_voucher", "registration.change_voucher"),
        form_class=VoucherUploadForm,
    ),
    "delegation": Importer(
        kind="delegation",
        title=gettext_lazy("Delegation members"),
        description=gettext_lazy(
            "The members of a delegation become the attendees of one order, "
            "placed with the same prices, seats, age and question rules as any "
            "order (at most 50 people per file)."
        ),
        columns=(
            "given_name, family_name, badge_name, badge_name_latin, email, ticket_type, "
            "extras, "
            "organisation, city, country, language, date_of_birth, guardian_name, "
            "guardian_email, guardian_phone, and one column per question, headed "
            "with its label"
        ),
        permissions=("registration.change_delegation", "registration.change_order"),
        form_class=DelegationUploadForm,
    ),
}


def can_import_anything(user) -> bool:
    return any(importer.allowed(user) for importer in IMPORTERS.values())


# --- Views ----------------------------------------------------------------------------


class ImportIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "registration/staff/admin/imports/index.html"
    page_title = gettext_lazy("Import")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not can_import_anything(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["importers"] = [
            i for i in IMPORTERS.values() if i.allowed(self.request.user)
        ]
        return context


class ImporterMixin(WagtailAdminTemplateMixin):
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not self.importer.allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def importer(self) -> Importer:
        try:
            return IMPORTERS[self.kwargs["kind"]]
        except KeyError as exc:
            raise Http404 from exc

    def get_page_title(self):
        return _("Import: %(what)s") % {"what": self.importer.title}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("imports:index"), "label": _("Import")},
            {"url": "", "label": str(self.importer.title)},
        ]

    def render_page(self, **context):
        return TemplateResponse(
            self.request,
            "registration/staff/admin/imports/upload.html",
            self.get_context_data(importer=self.importer, **context),
        )


class UploadView(ImporterMixin, TemplateView):
    """GET: the form. POST: the dry run and its preview."""

    def get(self, request, kind):
        return self.render_page(form=self.importer.form_class())

    def post(self, request, kind):
        form = self.importer.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form=form)
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            dataset = imports.read_dataset(content, file_name=upload.name)
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
            return self.render_page(form=form)
        options = form.options()
        result = self.importer.run(dataset, options, commit=False, user=request.user)
        token = ""
        if not result.has_errors:
            token = _stash(request, self.importer.kind, upload.name, content, options)
        return self.render_page(form=form, result=result, token=token)


class ConfirmView(ImporterMixin, View):
    """POST only: import the stashed file for real, all rows or none."""

    def post(self, request, kind):
        pending = _unstash(request, kind, request.POST.get("token", ""))
        if pending is None:
            messages.error(
                request,
                _(
                    "This preview has expired or was already imported; upload the file again."
                ),
            )
            return redirect("imports:upload", kind=kind)
        content, file_name, options = pending
        dataset = imports.read_dataset(content, file_name=file_name)
        result = self.importer.run(dataset, options, commit=True, user=request.user)
        if result.has_errors:
            # Something changed since the preview; nothing was written.
            return self.render_page(
                form=self.importer.form_class(initial=options), result=result, token=""
            )
        messages.success(
            request,
            _("Imported %(n)s rows: %(new)s new, %(updated)s updated.")
            % {
                "n": len(result.rows),
                "new": result.count("new"),
                "updated": result.count("update"),
            },
        )
        return redirect(self.importer.done_url(result, options))


def _stash(request, kind: str, file_name: str, content: bytes, options: dict) -> str:
    """Keep the previewed file until confirmed; only this session knows its name."""
    token = secrets.token_urlsafe(24)
    suffix = file_name.rsplit(".", 1)[-1].lower()
    stored = default_storage.save(
        f"{PENDING_DIR}/{token}.{suffix}", ContentFile(content)
    )
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {
        "kind": kind,
        "file_name": file_name,
        "path": stored,
        "options": options,
    }
    request.session[SESSION_KEY] = pending
    return token


def _unstash(request, kind: str, token: str):
    """The stashed (content, file name, options), removed from storage and session."""
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(token, None) if token else None
    request.session[SESSION_KEY] = pending
    if entry is None or entry["kind"] != kind:
        return None
    try:
        with default_storage.open(entry["path"], "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        return None
    default_storage.delete(entry["path"])
    return content, entry["file_name"], entry["options"]


class ImportViewSet(ViewSet):
    name = "imports"
    icon = "upload"
    menu_label = gettext_lazy("Import")
    menu_order = 30

    @cached_property
    def menu_item_class(self):
        class ImportMenuItem(MenuItem):
            def is_shown(self, request):
                return can_import_anything(request.user)

        return ImportMenuItem

    def get_urlpatterns(self):
        return [
            path("", ImportIndexView.as_view(), name="index"),
            path("<str:kind>/", UploadView.as_view(), name="upload"),
            path("<str:kind>/confirm/", ConfirmView.as_view(), name="confirm"),
        ]
