"""Staff screens for money: payments (with refunds), refunds, invoices, Stripe events.

Imported from wagtail_hooks.py; registers its own "Payments" menu group. The
screens call the payments service (payments/services/) and hold no rules of
their own. Without Stripe keys each listing says that card payments are off,
and why.

Bank-transfer refunds are sent by hand: "Bank refunds to send" lists the
pending ones (by event), and each one's confirmation page (also linked from
the order's page) records it sent through `mark_refund_sent`.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from registration.admin_links import EditOrInspectLinks
from registration.downloads import file_download
from registration.errors import RegistrationError
from registration.models import (
    Event,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentProvider,
    PaymentStatus,
    Refund,
    RefundStatus,
    StripeEvent,
)
from registration.money import format_money
from registration.orders.admin.actions import OrderActionView
from registration.payments import selectors
from registration.payments import services as payments
from registration.staff import access as staff_access


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Money rows are written by services only: the admin lists and inspects them."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class CardStatusIndexView(IndexView):
    """A listing that says when card payments are off, and why."""

    def get(self, request, *args, **kwargs):
        reason = payments.card_payments_disabled_reason()
        if reason:
            messages.warning(
                request, _("Card payments are off: %(reason)s") % {"reason": reason}
            )
        return super().get(request, *args, **kwargs)


class ReadOnlyViewSet(EditOrInspectLinks, ModelViewSet):
    index_view_class = CardStatusIndexView
    inspect_view_enabled = True
    add_to_admin_menu = False
    # Nothing is edited here; the (unused) edit form needs a field list all the same.
    exclude_form_fields = []


class LinksColumn(Column):
    def __init__(self, name, label, links):
        super().__init__(name, label=label)
        self.links = links

    def get_value(self, instance):
        return format_html_join(
            " ",
            '<a class="button button-small button-secondary" href="{}">{}</a>',
            ((url, label) for url, label in self.links(instance)),
        )

    def render_cell_html(self, instance, parent_context):
        return format_html("<td>{}</td>", self.get_value(instance))


# --- Payments and refunds ----------------------------------------------------------------


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"),
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
        help_text=_("Empty: everything still refundable."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the buyer and kept in the log."),
    )


class PaymentViewSet(ReadOnlyViewSet):
    model = Payment
    icon = "form"
    menu_label = _("Payments")
    list_filter = ["status", "provider", "currency"]
    search_fields = ["order__code", "stripe_payment_intent_id", "reference"]
    inspect_view_fields = [
        "order",
        "provider",
        "status",
        "amount",
        "currency",
        "stripe_session_id",
        "stripe_payment_intent_id",
        "reference",
        "confirmed_at",
        "disputed_at",
        "dispute_reason",
        "dispute_status",
        "dispute_funds_withdrawn",
        "charged_amount",
        "charged_currency",
        "problem",
    ]

    @property
    def list_display(self):
        return [
            "order",
            "provider",
            "status",
            "amount",
            "currency",
            "confirmed_at",
            "disputed_at",
            "problem",
            LinksColumn("actions", _("Actions"), self._links),
        ]

    def _links(self, payment):
        if payment.status == PaymentStatus.SUCCEEDED:
            yield reverse(self.get_url_name("refund"), args=[payment.pk]), _("Refund")

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Payment.objects.select_related("order"), **kwargs
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/refund/", self.refund_view, name="refund"),
        ]

    def refund_view(self, request, pk):
        """Refund all or part of a payment's order, with a reason."""
        if not request.user.has_perm("registration.add_refund"):
            raise PermissionDenied
        payment = get_object_or_404(Payment.objects.select_related("order"), pk=pk)
        form = RefundForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                refunds = payments.refund_order(
                    payment.order,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except RegistrationError as error:
                form.add_error(
                    error.field if error.field in form.fields else None, error.message
                )
            else:
                total = sum((refund.amount for refund in refunds), Decimal("0"))
                messages.success(
                    request,
                    _("Refund of %(amount)s requested (%(status)s).")
                    % {
                        "amount": format_money(total, payment.currency),
                        "status": ", ".join(r.get_status_display() for r in refunds),
                    },
                )
                return redirect(self.get_url_name("index"))
        return TemplateResponse(
            request,
            "registration/payments/admin/refund.html",
            {
                "form": form,
                "payment": payment,
                "refundable": format_money(
                    payments.refundable_amount(payment), payment.currency
                ),
                "index_url": reverse(self.get_url_name("index")),
                "header_icon": self.icon,
                "page_title": _("Refund order %(code)s") % {"code": payment.order.code},
            },
        )


class RefundViewSet(ReadOnlyViewSet):
    model = Refund
    icon = "undo"
    menu_label = _("Refunds")
    list_display = [
        "order",
        "amount",
        "currency",
        "status",
        "origin",
        "reason",
        "created_at",
    ]
    list_filter = ["status", "origin"]
    search_fields = ["order__code", "stripe_refund_id"]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Refund.objects.select_related("order"), **kwargs
        )


# --- Bank refunds to send ----------------------------------------------------------------


class BankRefundFilterForm(forms.Form):
    event = forms.ModelChoiceField(
        label=_("Event"),
        queryset=Event.objects.order_by("-starts_at", "pk"),
        required=False,
        empty_label=_("All events"),
    )


class BankRefundListView(WagtailAdminTemplateMixin, TemplateView):
    """The pending bank-transfer refunds, oldest first, for the event chosen."""

    template_name = "registration/payments/admin/bank_refunds.html"
    page_title = _("Bank refunds to send")
    header_icon = "undo"
    per_page = 50

    def dispatch(self, request, *args, **kwargs):
        if not staff_access.can_refund(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        # The title as the last breadcrumb, which the admin header shows.
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = BankRefundFilterForm(self.request.GET or None)
        # An unknown event answers with the form's message and no rows.
        valid = form.is_valid() if form.is_bound else True
        event = form.cleaned_data.get("event") if form.is_bound and valid else None
        refunds = selectors.get_bank_refunds_to_send(event=event) if valid else []
        page = Paginator(refunds, self.per_page).get_page(self.request.GET.get("p"))
        context.update(
            filter_form=form,
            event=event,
            page_obj=page,
            refunds=[
                (refund, format_money(refund.amount, refund.currency))
                for refund in page.object_list
            ],
            mark_sent_url_name="bank_refunds:mark_sent",
        )
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if context["filter_form"].errors:
            response.status_code = 400
        return response


class MarkRefundSentForm(forms.Form):
    reference = forms.CharField(
        label=_("Transfer reference"),
        max_length=200,
        required=False,
        help_text=_("The reference of the outgoing transfer, as the bank shows it."),
    )


class MarkRefundSentView(OrderActionView):
    """Confirm that a pending bank-transfer refund went out: it becomes sent."""

    page_title = _("Mark refund sent")
    header_icon = "undo"
    form_class = MarkRefundSentForm
    submit_label = _("Yes, the transfer was sent")

    def has_permission(self, user) -> bool:
        return staff_access.can_refund(user)

    @cached_property
    def refund(self) -> Refund:
        return get_object_or_404(
            Refund.objects.select_related("order__event", "payment"),
            pk=self.kwargs["pk"],
        )

    @cached_property
    def order(self):
        return self.refund.order

    @property
    def from_list(self) -> bool:
        return self.request.GET.get("from") == "list"

    def get_success_url(self) -> str:
        if self.from_list:
            return reverse("bank_refunds:index")
        return self.inspect_url

    def get_page_subtitle(self):
        return format_money(self.refund.amount, self.refund.currency)

    def get_breadcrumbs_items(self):
        if not self.from_list:
            return super().get_breadcrumbs_items()
        return [
            *self.breadcrumbs_items,
            {"url": reverse("bank_refunds:index"), "label": _("Bank refunds to send")},
            {"url": "", "label": self.get_page_title()},
        ]

    def refusal(self) -> str:
        if self.refund.payment.provider != PaymentProvider.BANK_TRANSFER:
            return str(
                _("This refund goes back to a card: Stripe confirms it, not staff.")
            )
        if self.refund.status != RefundStatus.PENDING:
            return str(
                _(
                    "This refund is no longer pending (now: %(status)s); nothing changed."
                )
                % {"status": self.refund.get_status_display()}
            )
        return ""

    def explanation(self) -> list[str]:
        amount = format_money(self.refund.amount, self.refund.currency)
        lines = [
            _(
                "Records that %(amount)s went back to the buyer by bank transfer. "
                "The buyer gets the refund e-mail, and an invoice of the order is "
                "credited by a credit note."
            )
            % {"amount": amount}
        ]
        if self.refund.reason:
            lines.append(_("Reason: %(reason)s") % {"reason": self.refund.reason})
        return lines

    def perform(self, form) -> str:
        payments.mark_refund_sent(
            self.refund,
            by=self.request.user,
            reference=form.cleaned_data["reference"].strip(),
        )
        return _("The refund of %(amount)s for order %(code)s is marked sent.") % {
            "amount": format_money(self.refund.amount, self.refund.currency),
            "code": self.order.code,
        }


class BankRefundViewSet(ViewSet):
    name = "bank_refunds"
    icon = "undo"
    menu_label = _("Bank refunds to send")

    @cached_property
    def menu_item_class(self):
        class Item(MenuItem):
            def is_shown(self, request):
                return staff_access.can_refund(request.user)

        return Item

    def get_urlpatterns(self):
        return [
            path("", BankRefundListView.as_view(), name="index"),
            path("<int:pk>/mark-sent/", MarkRefundSentView.as_view(), name="mark_sent"),
        ]


# --- Invoices ---------------------------------------------------------------------------


class MarkPaidForm(forms.Form):
    reference = forms.CharField(
        label=_("Bank reference"),
        max_length=200,
        help_text=_("As shown on the bank statement."),
    )


class InvoiceViewSet(ReadOnlyViewSet):
    model = Invoice
    icon = "doc-full"
    menu_label = _("Invoices")
    list_filter = ["status", "year"]
    search_fields = ["number", "billing_name", "order__code", "po_number"]

    @property
    def list_display(self):
        return [
            "number",
            "billing_name",
            "order",
            "total",
            "currency",
            "due_on",
            "status",
            LinksColumn("actions", _("Actions"), self._links),
        ]

    def _links(self, invoice):
        yield reverse(self.get_url_name("pdf"), args=[invoice.pk]), _("PDF")
        if invoice.status == InvoiceStatus.ISSUED:
            yield (
                reverse(self.get_url_name("mark_paid"), args=[invoice.pk]),
                _("Mark paid"),
            )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=Invoice.objects.select_related("order"), **kwargs
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/pdf/", self.pdf_view, name="pdf"),
            path("<int:pk>/mark-paid/", self.mark_paid_view, name="mark_paid"),
        ]

    def pdf_view(self, request, pk):
        if not request.user.has_perm("registration.view_invoice"):
            raise PermissionDenied
        invoice = get_object_or_404(
            Invoice.objects.select_related("order__event"), pk=pk
        )
        return file_download(
            payments.render_invoice_pdf(invoice),
            filename=f"invoice-{invoice.number}.pdf",
            content_type="application/pdf",
            inline=True,
        )

    def mark_paid_view(self, request, pk):
        """Record the bank transfer that pays the invoice."""
        # Recording a transfer writes a Payment: Finance (staff/access.py).
        if not request.user.has_perm("registration.add_payment"):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice.objects.select_related("order"), pk=pk)
        form = MarkPaidForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                payments.mark_paid_by_transfer(
                    invoice.order,
                    reference=form.cleaned_data["reference"],
                    by=request.user,
                )
            except RegistrationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Invoice %(number)s is paid.") % {"number": invoice.number},
                )
                return redirect(self.get_url_name("index"))
        return TemplateResponse(
            request,
            "registration/payments/admin/mark_paid.html",
            {
                "form": form,
                "invoice": invoice,
                "total": format_money(invoice.total, invoice.currency),
                "index_url": reverse(self.get_url_name("index")),
                "header_icon": self.icon,
                "page_title": _("Mark invoice %(number)s paid")
                % {"number": invoice.number},
            },
        )


class StripeEventViewSet(ReadOnlyViewSet):
    model = StripeEvent
    icon = "cogs"
    menu_label = _("Stripe events")
    list_display = [
        "event_id",
        "type",
        "status",
        "source",
        "stripe_created",
        "processed_at",
    ]
    list_filter = ["status", "type", "source"]
    search_fields = ["event_id", "object_id"]


class PaymentsMenuGroup(ModelViewSetGroup):
    menu_label = _("Payments")
    menu_icon = "form"
    menu_order = 220
    items = (
        PaymentViewSet("payment_records"),
        RefundViewSet("refunds"),
        BankRefundViewSet(),
        InvoiceViewSet("invoices"),
        StripeEventViewSet("stripe_events"),
    )


for _model in (Payment, Refund, Invoice, StripeEvent):
    register_permission_policy(_model, ReadOnlyPolicy(_model))


@hooks.register("register_admin_viewset")
def register_payments_menu():
    return PaymentsMenuGroup()
