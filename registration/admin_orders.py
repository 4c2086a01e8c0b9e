"""Staff screens for registration: orders (approve, decline), consent texts,
member organisations and the waiting list, in a "Registration" menu group.

- **Orders** (`/admin/orders/`): filter by event, status and payment method,
  search by code and the buyer's name, e-mail and organisation. An order's page
  lists its attendees with a "consent missing" flag; the youth details (date of
  birth, guardian, medical and emergency data) appear only to staff holding
  `registration.view_youthdetails` (the "Youth protection" group). Orders
  awaiting approval offer Approve and Decline, each confirmed on its own page
  and sent as a POST with CSRF; both call services/orders.py.
- **Consent texts**: per event and versioned. A version a guardian has signed
  is never edited; staff add the next version instead.
- **Member organisations**: the member codes that unlock member prices.
- **Waiting list**: read-only; offers are made by services/waiting_list.py.

Imported from wagtail_hooks.py. Orders change only through the services, so
their add, edit and delete screens do not exist.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button, HeaderButton

from registration.models import (
    ConsentText,
    Event,
    MemberOrganisation,
    Order,
    OrderStatus,
    PaymentMethod,
    WaitingListEntry,
    WaitingListStatus,
)
from registration.money import format_money
from registration.services import orders as order_service
from registration.services.errors import RegistrationError

YOUTH_PERMISSION = "registration.view_youthdetails"


def can_see_youth_details(user) -> bool:
    """Dates of birth, guardians and medical data: the Youth protection group only."""
    return user.is_active and user.has_perm(YOUTH_PERMISSION)


def can_decide_applications(user) -> bool:
    return user.is_active and user.has_perm("registration.change_order")


def _read_only_view_kwargs() -> dict:
    """Screens without add, edit, delete, copy or history views."""
    return {
        "add_url_name": None,
        "edit_url_name": None,
        "delete_url_name": None,
        "copy_url_name": None,
        "history_url_name": None,
        "usage_url_name": None,
    }


# --- Orders ------------------------------------------------------------------------


class OrderFilterSet(WagtailFilterSet):
    event = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Event"), queryset=Event.objects.order_by("-starts_at")
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=OrderStatus.choices
    )
    payment_method = django_filters.ChoiceFilter(
        label=gettext_lazy("Payment method"), choices=PaymentMethod.choices
    )

    class Meta:
        model = Order
        fields = []


class OrderActionsMixin:
    """Approve and Decline, for an order awaiting approval and staff who may decide."""

    def order_action_buttons(self, order: Order, button_class=Button):
        if not can_decide_applications(self.request.user):
            return []
        if order.status == OrderStatus.PENDING:
            label = (
                _("Stop admitting before payment")
                if order.admit_before_payment
                else _("Admit before payment")
            )
            return [
                button_class(
                    label,
                    url=reverse("orders:admit_before_payment", args=[order.pk]),
                    icon_name="key",
                    priority=32,
                )
            ]
        if order.status != OrderStatus.AWAITING_APPROVAL:
            return []
        return [
            button_class(
                _("Approve"),
                url=reverse("orders:approve", args=[order.pk]),
                icon_name="check",
                priority=30,
            ),
            button_class(
                _("Decline"),
                url=reverse("orders:decline", args=[order.pk]),
                icon_name="cross",
                priority=31,
            ),
        ]


class OrderIndexView(OrderActionsMixin, IndexView):
    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            *self.order_action_buttons(instance),
        ]


class OrderInspectView(OrderActionsMixin, InspectView):
    template_name = "admin_orders/orders/inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Order.objects.select_related("event", "voucher", "member_organisation"),
            pk=self.pk,
        )

    @cached_property
    def header_buttons(self):
        return self.order_action_buttons(self.object, HeaderButton)

    def get_event_display_value(self):
        return self.object.event.name

    def get_total_display_value(self):
        return format_money(self.object.total, self.object.currency)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        show_youth = can_see_youth_details(self.request.user)
        related = ["ticket_type", "delegation"]
        if show_youth:
            related.append("youth__consent__consent_text")
        else:
            # The flag needs to know whether a signature exists, nothing more.
            related.append("youth__consent")
        context["attendees"] = self.object.attendees.select_related(*related)
        context["show_youth"] = show_youth
        return context


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Sent to the buyer with the decline."),
    )


class OrdersViewSet(ModelViewSet):
    """Orders: find one, see who it admits, approve or decline applications."""

    model = Order
    icon = "form"
    menu_label = gettext_lazy("Orders")
    menu_order = 100
    index_view_class = OrderIndexView
    inspect_view_class = OrderInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = OrderFilterSet
    list_display = [
        "code",
        "buyer_name",
        "buyer_organisation",
        Column("event", label=gettext_lazy("Event"), accessor="event"),
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        Column(
            "payment_method",
            label=gettext_lazy("Payment"),
            accessor="get_payment_method_display",
        ),
        "total",
        "created_at",
    ]
    search_fields = ["code", "buyer_name", "buyer_email", "buyer_organisation"]
    inspect_view_fields = [
        "code",
        "status",
        "event",
        "buyer_name",
        "buyer_email",
        "buyer_organisation",
        "buyer_phone",
        "payment_method",
        "total",
        "voucher",
        "member_organisation",
        "expires_at",
        "created_at",
    ]
    ordering = ["-created_at", "-pk"]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(**{**_read_only_view_kwargs(), **kwargs})

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Order.objects.select_related("event"), **kwargs
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("approve/<int:pk>/", self.approve_view, name="approve"),
            path("decline/<int:pk>/", self.decline_view, name="decline"),
            path(
                "admit-before-payment/<int:pk>/",
                self.admit_before_payment_view,
                name="admit_before_payment",
            ),
        ]

    def _application(self, request, pk) -> Order:
        if not can_decide_applications(request.user):
            raise PermissionDenied
        return get_object_or_404(Order.objects.select_related("event"), pk=pk)

    def _confirm(self, request, order: Order, *, action: str, form=None):
        titles = {
            "approve": _("Approve order %(code)s"),
            "decline": _("Decline order %(code)s"),
        }
        return TemplateResponse(
            request,
            "admin_orders/orders/confirm.html",
            {
                "order": order,
                "action": action,
                "form": form,
                "awaiting": order.status == OrderStatus.AWAITING_APPROVAL,
                "total": format_money(order.total, order.currency),
                "attendee_count": order.attendees.count(),
                "inspect_url": reverse(self.get_url_name("inspect"), args=[order.pk]),
                "header_icon": self.icon,
                "page_title": titles[action] % {"code": order.code},
            },
        )

    def approve_view(self, request, pk):
        """GET: what approving means; POST: approve (seats are checked now)."""
        order = self._application(request, pk)
        if request.method != "POST":
            return self._confirm(request, order, action="approve")
        try:
            order_service.approve_order(order, by=request.user)
        except RegistrationError as error:
            messages.error(
                request,
                _("Order %(code)s was not approved: %(reason)s")
                % {"code": order.code, "reason": error.message},
            )
        else:
            messages.success(
                request,
                _("Order %(code)s is approved (%(status)s).")
                % {"code": order.code, "status": order.get_status_display()},
            )
        return redirect(self.get_url_name("inspect"), pk=order.pk)

    def decline_view(self, request, pk):
        """GET: the reason form; POST: decline, telling the buyer why."""
        order = self._application(request, pk)
        form = DecisionForm(request.POST if request.method == "POST" else None)
        if request.method != "POST" or not form.is_valid():
            return self._confirm(request, order, action="decline", form=form)
        try:
            order_service.decline_order(
                order, by=request.user, reason=form.cleaned_data["reason"]
            )
        except RegistrationError as error:
            messages.error(
                request,
                _("Order %(code)s was not declined: %(reason)s")
                % {"code": order.code, "reason": error.message},
            )
        else:
            messages.success(
                request, _("Order %(code)s is declined.") % {"code": order.code}
            )
        return redirect(self.get_url_name("inspect"), pk=order.pk)

    def admit_before_payment_view(self, request, pk):
        """GET: what it means; POST: toggle tickets and entry before payment."""
        order = self._application(request, pk)
        allow = not order.admit_before_payment
        inspect_url = reverse(self.get_url_name("inspect"), args=[order.pk])
        if request.method != "POST":
            return TemplateResponse(
                request,
                "admin_orders/orders/admit_before_payment.html",
                {
                    "order": order,
                    "allow": allow,
                    "inspect_url": inspect_url,
                    "header_icon": self.icon,
                    "page_title": _("Admit order %(code)s before payment")
                    % {"code": order.code},
                },
            )
        try:
            order_service.set_admit_before_payment(
                order, allowed=allow, by=request.user
            )
        except RegistrationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Order %(code)s may now get tickets and entry before payment.")
                % {"code": order.code}
                if allow
                else _("Order %(code)s again needs payment before entry.")
                % {"code": order.code},
            )
        return redirect(inspect_url)


# --- Consent texts -----------------------------------------------------------------


class ConsentTextForm(WagtailAdminModelForm):
    """Empty version on a new text: the event's next version number."""

    class Meta:
        model = ConsentText
        fields = ["event", "version", "title", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].required = False
        self.fields["version"].help_text = gettext_lazy(
            "Empty: the next version for this event."
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
        if event is not None and cleaned.get("version") is None:
            latest = ConsentText.objects.filter(event=event).aggregate(
                latest=Max("version")
            )["latest"]
            cleaned["version"] = (latest or 0) + 1
            self.instance.version = cleaned["version"]
        return cleaned


class ConsentTextViewSet(ModelViewSet):
    model = ConsentText
    icon = "doc-full"
    menu_label = gettext_lazy("Consent texts")
    menu_order = 200
    list_display = ["title", "event", "version", "created_at"]
    list_filter = ["event"]
    search_fields = ["title"]
    ordering = ["event", "-version"]
    copy_view_enabled = False
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return ConsentTextForm

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=ConsentText.objects.select_related("event"), **kwargs
        )


# --- Member organisations ------------------------------------------------------------


class MemberOrganisationViewSet(ModelViewSet):
    model = MemberOrganisation
    icon = "group"
    menu_label = gettext_lazy("Member organisations")
    menu_order = 300
    form_fields = ["name", "code", "events", "valid_until", "is_active"]
    list_display = ["name", "code", "valid_until", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    copy_view_enabled = False


# --- Waiting list --------------------------------------------------------------------


class WaitingListFilterSet(WagtailFilterSet):
    event = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Event"), queryset=Event.objects.order_by("-starts_at")
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=WaitingListStatus.choices
    )

    class Meta:
        model = WaitingListEntry
        fields = []


class WaitingListViewSet(ModelViewSet):
    """Read-only: people join from the public page, offers go out by themselves."""

    model = WaitingListEntry
    icon = "time"
    menu_label = gettext_lazy("Waiting list")
    menu_order = 400
    filterset_class = WaitingListFilterSet
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "name",
        "email",
        "event",
        "ticket_type",
        "quantity",
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        "created_at",
        "offer_expires_at",
    ]
    search_fields = ["name", "email"]
    # The token is the reservation link's secret: never shown.
    inspect_view_fields = [
        "name",
        "email",
        "event",
        "ticket_type",
        "quantity",
        "language",
        "status",
        "offered_at",
        "offer_expires_at",
        "order",
        "created_at",
    ]
    ordering = ["created_at", "pk"]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(**{**_read_only_view_kwargs(), **kwargs})

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=WaitingListEntry.objects.select_related("event", "ticket_type"),
            **kwargs,
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]


class RegistrationMenuGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Registration")
    menu_icon = "form"
    menu_order = 210
    items = (
        OrdersViewSet("orders"),
        ConsentTextViewSet("consent_texts"),
        MemberOrganisationViewSet("member_organisations"),
        WaitingListViewSet("waiting_list"),
    )


@hooks.register("register_admin_viewset")
def register_registration_menu():
    return RegistrationMenuGroup()
