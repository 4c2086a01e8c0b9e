"""API tokens in the Wagtail admin (Settings → API tokens).

Staff make their own tokens here instead of asking for a shell:
- the list shows one's own tokens (a superuser sees everyone's), live and revoked;
- "New token" asks for a name and whether it may only read, then shows the
  token once: only its SHA-256 is kept (services/api_tokens.py);
- "Revoke" stops a token at once. Staff revoke their own; superusers any.

A token acts with its user's permissions (narrowed to reading when read-only),
so making one needs no permission beyond being staff: it grants nothing the
user does not already have. `manage.py create_api_token` / `revoke_api_token`
do the same from the command line.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from registration.models import ApiToken
from registration.staff.services.api_tokens import create_api_token, revoke_api_token

TEMPLATES = "registration/staff/admin/api_tokens/"


def visible_tokens(user):
    """The tokens `user` may see and revoke: their own, or all for a superuser."""
    tokens = ApiToken.objects.select_related("user")
    return tokens if user.is_superuser else tokens.filter(user=user)


class StaffOnlyMixin:
    """API tokens are for staff accounts (services.api_tokens refuses others)."""

    def dispatch(self, request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy(
            "What the token is for, e.g. “Finance spreadsheet” or “CRM sync”."
        ),
    )
    read_only = forms.BooleanField(
        label=gettext_lazy("Read only"),
        required=False,
        help_text=gettext_lazy(
            "The token can read but not create, change or delete. "
            "Choose this for reporting tools."
        ),
    )


class ApiTokenIndexView(StaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = TEMPLATES + "index.html"
    page_title = gettext_lazy("API tokens")
    header_icon = "key"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tokens"] = visible_tokens(self.request.user)[:200]
        context["show_owner"] = self.request.user.is_superuser
        return context


class ApiTokenCreateView(StaffOnlyMixin, WagtailAdminTemplateMixin, FormView):
    template_name = TEMPLATES + "create.html"
    form_class = ApiTokenForm
    page_title = gettext_lazy("New API token")
    header_icon = "key"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("api_tokens:index"), "label": _("API tokens")},
            {"url": "", "label": self.page_title},
        ]

    def form_valid(self, form):
        token, raw = create_api_token(
            self.request.user,
            name=form.cleaned_data["name"],
            read_only=form.cleaned_data["read_only"],
            by=self.request.user,
        )
        # Shown in this answer only: not stored, not cached, no redirect to a
        # page that could show it again.
        response = TemplateResponse(
            self.request,
            TEMPLATES + "created.html",
            {
                **self.get_context_data(form=form),
                "page_title": _("Your new API token"),
                "token": token,
                "raw": raw,
                "api_url": self.request.build_absolute_uri("/api/v1/events/"),
            },
        )
        response["Cache-Control"] = "private, no-store"
        return response


class ApiTokenRevokeView(StaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = TEMPLATES + "revoke.html"
    page_title = gettext_lazy("Revoke API token")
    header_icon = "key"

    @cached_property
    def token(self) -> ApiToken:
        # Someone else's token is "not found", not "forbidden": it reveals nothing.
        token = visible_tokens(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if token is None:
            raise Http404
        return token

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("api_tokens:index"), "label": _("API tokens")},
            {"url": "", "label": self.page_title},
        ]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "token": self.token}

    def post(self, request, pk):
        if self.token.revoked_at is None:
            revoke_api_token(self.token, by=request.user)
            messages.success(
                request,
                _("The token “%(name)s” (%(prefix)s…) is revoked.")
                % {"name": self.token.name, "prefix": self.token.prefix},
            )
        return redirect("api_tokens:index")


class ApiTokenViewSet(ViewSet):
    name = "api_tokens"
    icon = "key"
    menu_label = gettext_lazy("API tokens")
    add_to_settings_menu = True
    menu_order = 900

    @cached_property
    def menu_item_class(self):
        class ApiTokenMenuItem(MenuItem):
            def is_shown(self, request):
                return request.user.is_staff

        return ApiTokenMenuItem

    def get_urlpatterns(self):
        return [
            path("", ApiTokenIndexView.as_view(), name="index"),
            path("new/", ApiTokenCreateView.as_view(), name="create"),
            path("<int:pk>/revoke/", ApiTokenRevokeView.as_view(), name="revoke"),
        ]


@hooks.register("register_admin_viewset")
def register_api_tokens():
    return ApiTokenViewSet()
