"""The staff actions on one order: each a confirmation page (GET) and
the action itself (POST with CSRF), each checked against staff/access.py and
performed by a service that writes the ActivityLog.

- Resend e-mails (`orders:resend`): orders/services/staff_actions.resend_order_emails.
- Mark paid (`orders:mark_paid`): payments/services/invoices.mark_paid_by_transfer.
- Extend hold (`orders:extend_hold`): orders/services/staff_actions.extend_order_hold.
- Revive (`orders:revive`): orders/services/revival.revive_order, for an expired
  order or a declined application whose places are still free.
- Cancel (`orders:cancel`): payments/services/refunds.cancel_order_with_refund, which
  credits an issued invoice and, when the user may refund and asks, refunds.
- Block / unblock tickets (`orders:block_tickets`, `orders:unblock_tickets`):
  orders/services/actions.set_tickets_blocked; the door then answers `blocked`.
- Edit an attendee, their answers, or transfer their ticket: attendee_actions.py.

Approve, decline and admit-before-payment live in orders.py; refunds
reuse the Payments screen's refund page, reissuing a ticket the Attendees
screen's page.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateTimeInput

from registration.errors import OrderInvalid, RegistrationError
from registration.models import (
    Order,
    OrderStatus,
    PaymentStatus,
)
from registration.money import format_money
from registration.orders import services as order_service
from registration.payments import services as payments
from registration.staff import access as staff_access


class OrderActionView(WagtailAdminTemplateMixin, FormView):
    """One action on one order: permission, confirmation page, service call."""

    template_name = "registration/orders/admin/action.html"
    header_icon = "form"
    form_class = forms.Form
    submit_label = gettext_lazy("Confirm")
    submit_class = "button"
    # The name in orders/services/actions.STAFF_ACTIONS that says when it applies.
    action: str | None = None

    def has_permission(self, user) -> bool:
        raise NotImplementedError

    def perform(self, form) -> str:
        """Call the service; the success message. Raises RegistrationError."""
        raise NotImplementedError

    def refusal(self) -> str:
        """Why the action does not apply to this order now; empty when it does.

        The orders service decides (`action_refusal`), so the page says what
        its service would answer.
        """
        if self.action is None:
            return ""
        refusal = order_service.action_refusal(self.order, self.action)
        return refusal.message if refusal else ""

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def order(self) -> Order:
        return get_object_or_404(
            Order.objects.select_related("event"), pk=self.kwargs["pk"]
        )

    @property
    def inspect_url(self) -> str:
        return reverse("orders:inspect", args=[self.order.pk])

    def get_page_subtitle(self):
        return self.order.code

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("orders:index"), "label": _("Orders")},
            {"url": self.inspect_url, "label": self.order.code},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            order=self.order,
            total=format_money(self.order.total, self.order.currency),
            inspect_url=self.inspect_url,
            refusal=self.refusal(),
            explanation=self.explanation(),
            submit_label=self.submit_label,
            submit_class=self.submit_class,
        )
        return context

    def explanation(self) -> list[str]:
        return []

    def get_success_url(self) -> str:
        """Where the action leads back to, done or refused: the order's page."""
        return self.inspect_url

    def post(self, request, *args, **kwargs):
        if refusal := self.refusal():
            messages.error(request, refusal)
            return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            message = self.perform(form)
        except OrderInvalid as error:
            for item in error.errors:
                field = item.field if item.field in form.fields else None
                form.add_error(field, item.message)
            return self.form_invalid(form)
        except RegistrationError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.get_success_url())

    def form_invalid(self, form):
        # Bad input is a 4xx with the form and what was entered kept.
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class ResendEmailsView(OrderActionView):
    page_title = gettext_lazy("Resend e-mails")
    action = "resend"
    submit_label = gettext_lazy("Yes, send them again")

    def has_permission(self, user) -> bool:
        return staff_access.can_manage_orders(user)

    def explanation(self) -> list[str]:
        if self.order.status == OrderStatus.PAID:
            first = _(
                "The buyer gets the order confirmation with the tickets again; each "
                "attendee with an e-mail address gets their notice again."
            )
        else:
            first = _("The buyer gets the “order received” e-mail again.")
        return [
            first,
            _("Guardians who have not signed the consent form get the link again."),
        ]

    def perform(self, form) -> str:
        sent = order_service.resend_order_emails(self.order, by=self.request.user)
        return _("%(count)s e-mails for order %(code)s are being sent.") % {
            "count": len(sent),
            "code": self.order.code,
        }


class MarkPaidForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Bank reference"),
        max_length=200,
        help_text=gettext_lazy("As shown on the bank statement."),
    )


class MarkPaidView(OrderActionView):
    page_title = gettext_lazy("Mark paid")
    action = "mark_paid"
    form_class = MarkPaidForm
    submit_label = gettext_lazy("Mark paid")

    def has_permission(self, user) -> bool:
        return staff_access.can_mark_paid(user)

    def explanation(self) -> list[str]:
        return [
            _(
                "Records a bank transfer over the order's total; the order and its "
                "invoice become paid and the buyer gets the tickets. An expired "
                "order is paid only if its places are still free."
            )
        ]

    def perform(self, form) -> str:
        payments.mark_paid_by_transfer(
            self.order, reference=form.cleaned_data["reference"], by=self.request.user
        )
        return _("Order %(code)s is paid.") % {"code": self.order.code}


class ExtendHoldForm(forms.Form):
    until = forms.DateTimeField(
        label=gettext_lazy("Hold until"),
        widget=AdminDateTimeInput,
        help_text=gettext_lazy("In the event's time zone."),
    )


class ExtendHoldView(OrderActionView):
    page_title = gettext_lazy("Extend hold")
    action = "extend_hold"
    form_class = ExtendHoldForm
    submit_label = gettext_lazy("Extend the hold")

    def has_permission(self, user) -> bool:
        return staff_access.can_manage_orders(user)

    def explanation(self) -> list[str]:
        expires = self.order.expires_at
        if expires is None:
            return []
        local = timezone.localtime(expires, self.order.event.tz)
        return [
            _("The places are held until %(when)s (%(zone)s).")
            % {"when": local.strftime("%Y-%m-%d %H:%M"), "zone": self.order.event.tz}
        ]

    def dispatch(self, request, *args, **kwargs):
        if not self.has_permission(request.user):
            raise PermissionDenied
        # The form shows and reads wall times in the event's zone, not the admin's.
        with timezone.override(self.order.event.tz):
            return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        # A naive wall time: the page renders after dispatch, outside the override.
        start = max(self.order.expires_at or timezone.now(), timezone.now())
        suggested = timezone.localtime(start + timedelta(days=7), self.order.event.tz)
        return {"until": suggested.replace(tzinfo=None, second=0, microsecond=0)}

    def perform(self, form) -> str:
        order_service.extend_order_hold(
            self.order, until=form.cleaned_data["until"], by=self.request.user
        )
        return _("Order %(code)s is held until %(when)s.") % {
            "code": self.order.code,
            "when": timezone.localtime(
                self.order.expires_at, self.order.event.tz
            ).strftime("%Y-%m-%d %H:%M"),
        }


class ReviveOrderView(OrderActionView):
    page_title = gettext_lazy("Revive order")
    action = "revive"
    submit_label = gettext_lazy("Yes, revive the order")

    def has_permission(self, user) -> bool:
        return staff_access.can_manage_orders(user)

    def explanation(self) -> list[str]:
        if self.order.total == 0:
            first = _(
                "There is nothing to pay: the order becomes paid and the buyer "
                "gets the confirmation with the tickets."
            )
        else:
            first = _(
                "The order is pending payment again with a new hold, and the buyer "
                "gets the payment link again."
            )
        return [
            first,
            _(
                "The places are checked now: if someone else has taken them (or "
                "they are held for a waiting-list offer), nothing changes."
            ),
        ]

    def perform(self, form) -> str:
        order = order_service.revive_order(self.order, by=self.request.user)
        if order.status == OrderStatus.PAID:
            return _("Order %(code)s is revived and paid.") % {"code": order.code}
        return _("Order %(code)s is revived: pending payment until %(when)s.") % {
            "code": order.code,
            "when": timezone.localtime(order.expires_at, order.event.tz).strftime(
                "%Y-%m-%d %H:%M"
            ),
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the log."),
    )
    refund = forms.BooleanField(
        label=gettext_lazy("Refund everything paid"),
        required=False,
        help_text=gettext_lazy(
            "Card payments go back to the card; transfers are sent by hand."
        ),
    )

    def __init__(self, *args, may_refund: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_refund:
            del self.fields["refund"]


class CancelOrderView(OrderActionView):
    page_title = gettext_lazy("Cancel order")
    action = "cancel"
    form_class = CancelForm
    submit_label = gettext_lazy("Yes, cancel the order")
    submit_class = "button no"

    def has_permission(self, user) -> bool:
        return staff_access.can_manage_orders(user)

    @cached_property
    def paid_amount(self) -> Decimal:
        return sum(
            (
                payments.refundable_amount(payment)
                for payment in self.order.payments.filter(
                    status=PaymentStatus.SUCCEEDED
                )
            ),
            Decimal("0"),
        )

    def get_form_kwargs(self):
        may_refund = staff_access.can_refund(self.request.user) and self.paid_amount > 0
        return {**super().get_form_kwargs(), "may_refund": may_refund}

    def explanation(self) -> list[str]:
        lines = [_("The places are freed at once; an issued invoice is credited.")]
        if self.paid_amount > 0:
            lines.append(
                _("%(amount)s has been paid and not refunded.")
                % {"amount": format_money(self.paid_amount, self.order.currency)}
            )
            if not staff_access.can_refund(self.request.user):
                lines.append(
                    _("Refunds are made by Finance from the order's payments.")
                )
        return lines

    def perform(self, form) -> str:
        refund = form.cleaned_data.get("refund", False)
        _order, refunds = payments.cancel_order_with_refund(
            self.order,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            refund_amount=None if refund else Decimal("0"),
        )
        if refunds:
            return _("Order %(code)s is canceled; %(amount)s is being refunded.") % {
                "code": self.order.code,
                "amount": format_money(
                    sum((r.amount for r in refunds), Decimal("0")),
                    self.order.currency,
                ),
            }
        return _("Order %(code)s is canceled.") % {"code": self.order.code}


class BlockTicketsForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the log, e.g. the dispute's reason."),
    )


class BlockTicketsView(OrderActionView):
    page_title = gettext_lazy("Block tickets")
    action = "block_tickets"
    form_class = BlockTicketsForm
    submit_label = gettext_lazy("Yes, block the tickets")
    submit_class = "button no"

    def has_permission(self, user) -> bool:
        return staff_access.can_manage_orders(user)

    def explanation(self) -> list[str]:
        lines = [
            _(
                "Every door refuses the badges of this order with “blocked” (devices "
                "working offline learn it at their next sync). The order, its "
                "payments and its invoice stay as they are; you can unblock later."
            )
        ]
        disputed = self.order.payments.filter(disputed_at__isnull=False).first()
        if disputed is not None:
            lines.append(
                _("A payment of this order is disputed (%(reason)s).")
                % {"reason": (disputed.dispute_reason or "-").replace("_", " ")}
            )
        return lines

    def perform(self, form) -> str:
        order_service.set_tickets_blocked(
            self.order,
            blocked=True,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        return _("The tickets of order %(code)s are blocked.") % {
            "code": self.order.code
        }


class UnblockTicketsForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the log."),
    )


class UnblockTicketsView(OrderActionView):
    page_title = gettext_lazy("Unblock tickets")
    action = "unblock_tickets"
    form_class = UnblockTicketsForm
    submit_label = gettext_lazy("Yes, unblock the tickets")

    def has_permission(self, user) -> bool:
        return staff_access.can_manage_orders(user)

    def explanation(self) -> list[str]:
        return [_("The door admits this order's badges again, as its status allows.")]

    def perform(self, form) -> str:
        order_service.set_tickets_blocked(
            self.order,
            blocked=False,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        return _("The tickets of order %(code)s are unblocked.") % {
            "code": self.order.code
        }
