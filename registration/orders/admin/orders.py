"""Staff screens for registration: orders (approve, decline), consent texts,
member organisations and the waiting list, in a "Registration" menu group.

- **Orders** (`/admin/orders/`): filter by event, status, payment method, the
  date placed and the flags of selectors.OrderFlag; search by code and the
  buyer's name, e-mail and organisation. An order's page shows its attendees
  (extras, answers, consent, check-in), payments, refunds, invoice and the
  ActivityLog; the youth details (date of birth, guardian, medical and
  emergency data) appear only to staff holding `registration.view_youthdetails`
  (the "Youth protection" group). Actions (approve, decline, admit before
  payment here; resend e-mails, mark paid, extend hold, revive, cancel, block
  or unblock the tickets, edit an attendee's details or answers, transfer a
  ticket in actions.py) are each confirmed on their own page,
  sent as a POST with CSRF, checked against staff/access.py and performed by
  a service.
- **Attendees** (documents/admin.py) and **Vouchers** (catalogue/admin/vouchers.py,
  with bulk creation) join this group.
- **Consent texts**: per event and versioned. A version a guardian has signed
  is never edited; staff add the next version instead.
- **Member organisations**: the member codes that unlock member prices.
- **Waiting list** (waiting_list/admin.py): offers go out by themselves
  (waiting_list/services.py); staff may offer the places to someone now, or
  take someone off the list.

Imported from wagtail_hooks.py. Orders change only through the services, so
their add, edit and delete screens do not exist.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button

from registration import admin_menus
from registration.admin_links import EditOrInspectLinks
from registration.errors import RegistrationError
from registration.models import (
    Event,
    Order,
    OrderStatus,
    PaymentMethod,
)
from registration.money import format_money
from registration.orders import selectors
from registration.orders import services as order_service
from registration.orders.admin import actions, attendee_actions, order_changes
from registration.payments import selectors as payment_selectors
from registration.staff import access as staff_access


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


FLAG_CHOICES = [
    ("any", gettext_lazy("Any flag")),
    *((flag.value, label) for flag, label in selectors.ORDER_FLAG_LABELS.items()),
]


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
    created_at = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Placed between"),
        widget=DateRangePickerWidget,
        help_text=gettext_lazy("Dates in UTC, both days included."),
    )
    flagged = django_filters.ChoiceFilter(
        label=gettext_lazy("Flagged"),
        choices=FLAG_CHOICES,
        method="filter_flagged",
        help_text=gettext_lazy(
            "Consent missing, awaiting approval, invoice overdue, a check-in "
            "conflict, a disputed payment or a charged amount that differs."
        ),
    )

    class Meta:
        model = Order
        fields = []

    def filter_flagged(self, queryset, name, value):
        return queryset.filter(
            selectors.order_flag_q(None if value == "any" else value)
        )


class FlagsColumn(Column):
    """The order's flags (annotated by selectors.with_order_flags), as labels."""

    cell_template_name = "registration/orders/admin/flags_cell.html"

    def get_value(self, instance):
        return selectors.order_flag_items(instance)


# How the order list and page offer each staff action of
# orders/services/actions.STAFF_ACTIONS (whose order they follow): label, icon,
# priority, and who may take it. Whether it applies to the order now is the
# orders service's answer (`allowed_actions`), which its screen and service share.
ACTION_BUTTONS = {
    "approve": (gettext_lazy("Approve"), "check", 30, staff_access.can_manage_orders),
    "decline": (gettext_lazy("Decline"), "cross", 31, staff_access.can_manage_orders),
    "admit_before_payment": (
        gettext_lazy("Admit before payment"),
        "key",
        32,
        staff_access.can_manage_orders,
    ),
    "extend_hold": (
        gettext_lazy("Extend hold"),
        "time",
        34,
        staff_access.can_manage_orders,
    ),
    "revive": (
        gettext_lazy("Revive order"),
        "rotate",
        34,
        staff_access.can_manage_orders,
    ),
    "resend": (
        gettext_lazy("Resend e-mails"),
        "mail",
        35,
        staff_access.can_manage_orders,
    ),
    "unblock_tickets": (
        gettext_lazy("Unblock tickets"),
        "lock-open",
        37,
        staff_access.can_manage_orders,
    ),
    "block_tickets": (
        gettext_lazy("Block tickets"),
        "lock",
        37,
        staff_access.can_manage_orders,
    ),
    "cancel": (gettext_lazy("Cancel order"), "bin", 39, staff_access.can_manage_orders),
    "change": (
        gettext_lazy("Change order"),
        "edit",
        36,
        staff_access.can_manage_orders,
    ),
    "mark_paid": (gettext_lazy("Mark paid"), "tick", 33, staff_access.can_mark_paid),
}


def order_action_buttons(order: Order, user, button_class=Button) -> list:
    """Every action this user may take on this order now, as admin buttons.

    Editing an attendee is offered on each attendee's row of the order page.
    """
    buttons = []
    for action in order_service.allowed_actions(order):
        if action not in ACTION_BUTTONS:
            continue
        label, icon, priority, may = ACTION_BUTTONS[action]
        if not may(user):
            continue
        if action == "admit_before_payment" and order.admit_before_payment:
            label = _("Stop admitting before payment")
        buttons.append(
            button_class(
                label,
                url=reverse(f"orders:{action}", args=[order.pk]),
                icon_name=icon,
                priority=priority,
            )
        )
    return buttons


class OrderActionsMixin:
    """The actions of an order, for listing rows and the order's page."""

    def order_action_buttons(self, order: Order, button_class=Button):
        return order_action_buttons(order, self.request.user, button_class)


class OrderIndexView(OrderActionsMixin, IndexView):
    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            *self.order_action_buttons(instance),
        ]


class OrderInspectView(OrderActionsMixin, InspectView):
    template_name = "registration/orders/admin/inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            selectors.with_order_flags(
                Order.objects.select_related("event", "voucher", "member_organisation")
            ),
            pk=self.pk,
        )

    @cached_property
    def header_more_buttons(self):
        return self.order_action_buttons(self.object)

    def get_event_display_value(self):
        return self.object.event.name

    def get_total_display_value(self):
        return format_money(self.object.total, self.object.currency)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        order = self.object
        show_youth = staff_access.can_see_youth_details(user)
        context.update(
            selectors.staff_order_detail(order, with_youth=show_youth),
            show_youth=show_youth,
            flags=selectors.order_flag_items(order),
            actions=self.order_action_buttons(order),
            can_edit_attendees=staff_access.can_edit_attendees(user),
            # Edit links only while the orders service lets staff edit them.
            attendees_editable=order_service.action_refusal(order, "edit_attendee")
            is None,
            attendees_transferable=order_service.action_refusal(order, "transfer")
            is None,
            can_export_personal_data=staff_access.can_export_personal_data(user),
            can_erase_personal_data=staff_access.can_erase_personal_data(user),
            can_refund=staff_access.can_refund(user),
            show_payments=staff_access.can_view_payments(user),
            show_refunds=staff_access.can_view_refunds(user),
            show_invoice=staff_access.can_view_invoices(user),
            show_activity=staff_access.can_view_activity(user),
        )
        if not context["show_payments"]:
            context["payments"] = []
        if not context["show_refunds"]:
            context["refunds"] = []
        # Pending bank-transfer refunds get a "Mark sent" button for refunders.
        context["bank_refunds_to_send"] = (
            set(
                payment_selectors.get_bank_refunds_to_send(order=order).values_list(
                    "pk", flat=True
                )
            )
            if context["refunds"] and context["can_refund"]
            else set()
        )
        if not context["show_invoice"]:
            context["invoice"] = None
        if not context["show_activity"]:
            context["activity"] = []
        return context


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Sent to the buyer with the decline."),
    )


class OrdersViewSet(EditOrInspectLinks, ModelViewSet):
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
        FlagsColumn("flags", label=gettext_lazy("Flags")),
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
        "tickets_blocked",
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
            queryset=selectors.staff_order_list(), **kwargs
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
            path("resend/<int:pk>/", actions.ResendEmailsView.as_view(), name="resend"),
            path(
                "mark-paid/<int:pk>/", actions.MarkPaidView.as_view(), name="mark_paid"
            ),
            path(
                "extend-hold/<int:pk>/",
                actions.ExtendHoldView.as_view(),
                name="extend_hold",
            ),
            path("revive/<int:pk>/", actions.ReviveOrderView.as_view(), name="revive"),
            path("cancel/<int:pk>/", actions.CancelOrderView.as_view(), name="cancel"),
            path(
                "change/<int:pk>/",
                order_changes.ChangeOrderView.as_view(),
                name="change",
            ),
            path(
                "block-tickets/<int:pk>/",
                actions.BlockTicketsView.as_view(),
                name="block_tickets",
            ),
            path(
                "unblock-tickets/<int:pk>/",
                actions.UnblockTicketsView.as_view(),
                name="unblock_tickets",
            ),
            path(
                "attendees/<int:attendee_pk>/edit/",
                attendee_actions.EditAttendeeView.as_view(),
                name="edit_attendee",
            ),
            path(
                "attendees/<int:attendee_pk>/answers/",
                attendee_actions.EditAnswersView.as_view(),
                name="edit_answers",
            ),
            path(
                "attendees/<int:attendee_pk>/transfer/",
                attendee_actions.TransferTicketView.as_view(),
                name="transfer",
            ),
        ]

    def _application(self, request, pk) -> Order:
        if not staff_access.can_manage_orders(request.user):
            raise PermissionDenied
        return get_object_or_404(Order.objects.select_related("event"), pk=pk)

    def _confirm(self, request, order: Order, *, action: str, form=None):
        titles = {
            "approve": _("Approve order %(code)s"),
            "decline": _("Decline order %(code)s"),
        }
        refusal = order_service.action_refusal(order, action)
        return TemplateResponse(
            request,
            "registration/orders/admin/confirm.html",
            {
                "order": order,
                "action": action,
                "form": form,
                "refusal": refusal.message if refusal else "",
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
            refusal = order_service.action_refusal(order, "admit_before_payment")
            return TemplateResponse(
                request,
                "registration/orders/admin/admit_before_payment.html",
                {
                    "order": order,
                    "allow": allow,
                    "refusal": refusal.message if refusal else "",
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


admin_menus.join(admin_menus.REGISTRATION, OrdersViewSet("orders"), position=10)
# Attendees (20, documents/admin.py), Vouchers (30, catalogue/admin/vouchers.py),
# Waiting list (40, waiting_list/admin.py), Consent texts (50, consent/admin.py)
# and Member organisations (60, catalogue/admin/members.py) join from their own
# packages.


class RegistrationMenuGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Registration")
    menu_icon = "form"
    menu_order = 210

    @property
    def items(self):
        return admin_menus.members(admin_menus.REGISTRATION)


@hooks.register("register_admin_viewset")
def register_registration_menu():
    return RegistrationMenuGroup()
