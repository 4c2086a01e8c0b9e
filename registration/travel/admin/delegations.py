"""Staff screens for delegations, and the "Travel" menu group.

Delegations: create and edit (a leader with an e-mail address gets the link
on creation), and a page per delegation with the leader's link to copy, a
"send link" button, members with payment, consent and travel, the combined
invoice (PDF, mark paid) and the delegation's visa letters as one PDF.
The rules live in registration/travel/services/ (delegations.py, travel.py).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import CreateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from registration.downloads import file_download
from registration.errors import RegistrationError
from registration.models import Delegation, DelegationInvoice, InvoiceStatus
from registration.outbox.mail import delegation_url
from registration.travel import selectors
from registration.travel.admin.travel import (
    ManifestViewSet,
    PermissionRequired,
    RoomingViewSet,
    TravelPlanViewSet,
    VisaLetterViewSet,
    local_time,
)
from registration.travel.services import delegations, travel
from registration.travel.services.travel import visa_letter_refusal


class DelegationCreateView(CreateView):
    def save_instance(self):
        instance = super().save_instance()
        delegations.delegation_created(instance, by=self.request.user)
        return instance


class ManageColumn(Column):
    def get_value(self, instance):
        return format_html(
            '<a class="button button-small button-secondary" href="{}">{}</a>',
            reverse("delegations:manage", args=[instance.pk]),
            _("Members and travel"),
        )

    def render_cell_html(self, instance, parent_context):
        return format_html("<td>{}</td>", self.get_value(instance))


class DelegationViewSet(ModelViewSet):
    model = Delegation
    icon = "group"
    menu_label = gettext_lazy("Delegations")
    add_view_class = DelegationCreateView
    list_filter = ["event", "status", "billing"]
    search_fields = ["name", "home_city", "leader_name", "leader_email"]
    edit_handler = ObjectList(
        [
            FieldPanel("event"),
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("home_city"), FieldPanel("home_country")]),
            FieldPanel("partnership"),
            FieldRowPanel([FieldPanel("status"), FieldPanel("billing")]),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [FieldPanel("leader_name"), FieldPanel("leader_email")]
                    ),
                    FieldPanel("leader_language"),
                ],
                heading=gettext_lazy("Leader (receives the delegation page link)"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("billing_name"),
                    FieldPanel("billing_address"),
                    FieldRowPanel(
                        [FieldPanel("billing_tax_id"), FieldPanel("billing_po_number")]
                    ),
                ],
                heading=gettext_lazy("Combined invoice to"),
            ),
        ]
    )

    @property
    def list_display(self):
        return [
            "name",
            "event",
            "home_city",
            "home_country",
            "status",
            Column("member_count", label=_("Members")),
            "leader_name",
            ManageColumn("manage", label=_("Manage")),
        ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=selectors.get_delegation_list(), **kwargs
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/manage/", DelegationManageView.as_view(), name="manage"),
            path("<int:pk>/send-link/", SendLinkView.as_view(), name="send_link"),
            path("<int:pk>/letters/", DelegationLettersView.as_view(), name="letters"),
            path(
                "<int:pk>/invoice/", DelegationInvoicePdfView.as_view(), name="invoice"
            ),
            path(
                "<int:pk>/invoice/mark-paid/",
                MarkInvoicePaidView.as_view(),
                name="invoice_mark_paid",
            ),
        ]


class MarkPaidForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Bank reference"),
        max_length=200,
        help_text=gettext_lazy("As shown on the bank statement."),
    )


class DelegationManageView(PermissionRequired, WagtailAdminTemplateMixin, TemplateView):
    """One delegation: the leader's link, members with payment, consent and travel."""

    permission = "registration.view_delegation"
    template_name = "registration/travel/admin/delegations/manage.html"
    page_title = gettext_lazy("Delegation")
    header_icon = "group"

    @cached_property
    def delegation(self) -> Delegation:
        return get_object_or_404(
            Delegation.objects.select_related("event", "partnership"),
            pk=self.kwargs["pk"],
        )

    def get_page_subtitle(self):
        return self.delegation.name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("delegations:index"), "label": _("Delegations")},
            {"url": "", "label": self.delegation.name},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        members = selectors.get_delegation_members(self.delegation)
        for member in members:
            plan = getattr(member, "travel", None)
            member.arrival_local = (
                local_time(plan.arrival_at, plan.arrival_airport) if plan else ""
            )
            member.letter_refusal = visa_letter_refusal(
                member, has_visa_details=member.has_visa_details
            )
        user = self.request.user
        context.update(
            delegation=self.delegation,
            members=members,
            leader_url=self.request.build_absolute_uri(
                reverse("registration:delegation", args=[self.delegation.secret])
            ),
            emailed_url=delegation_url(self.delegation),
            invoice=DelegationInvoice.objects.filter(
                delegation=self.delegation
            ).first(),
            mark_paid_form=kwargs.get("mark_paid_form") or MarkPaidForm(),
            can_send=user.has_perm("registration.change_delegation"),
            can_issue=user.has_perm("registration.issue_visa_letters"),
            can_mark_paid=user.has_perm("registration.change_delegationinvoice"),
            can_edit_travel=user.has_perm("registration.change_travelplan"),
            edit_url=reverse("delegations:edit", args=[self.delegation.pk]),
        )
        return context


class SendLinkView(PermissionRequired, View):
    permission = "registration.change_delegation"

    def post(self, request, pk):
        delegation = get_object_or_404(
            Delegation.objects.select_related("event"), pk=pk
        )
        try:
            delegations.send_leader_link(delegation, by=request.user)
        except RegistrationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("The link was sent to %(email)s.")
                % {"email": delegation.leader_email},
            )
        return redirect("delegations:manage", pk=pk)


class DelegationLettersView(PermissionRequired, View):
    """Issue the letters every qualifying member may have now, as one PDF."""

    permission = "registration.issue_visa_letters"

    def post(self, request, pk):
        delegation = get_object_or_404(Delegation, pk=pk)
        try:
            letters, _refused = travel.issue_delegation_letters(
                delegation, by=request.user
            )
        except travel.TravelError as exc:
            messages.error(request, exc.message)
            return redirect("delegations:manage", pk=pk)
        return file_download(
            travel.render_visa_letters(letters),
            filename=f"visa-letters-delegation-{delegation.pk}.pdf",
            content_type="application/pdf",
            inline=True,
        )


class DelegationInvoicePdfView(PermissionRequired, View):
    permission = "registration.view_delegationinvoice"

    def get(self, request, pk):
        invoice = get_object_or_404(
            DelegationInvoice.objects.select_related("delegation__event"),
            delegation_id=pk,
        )
        return file_download(
            delegations.render_delegation_invoice_pdf(invoice),
            filename=f"invoice-{invoice.number}.pdf",
            content_type="application/pdf",
            inline=True,
        )


class MarkInvoicePaidView(PermissionRequired, View):
    permission = "registration.change_delegationinvoice"

    def post(self, request, pk):
        invoice = get_object_or_404(
            DelegationInvoice, delegation_id=pk, status=InvoiceStatus.ISSUED
        )
        form = MarkPaidForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter the bank reference."))
            return redirect("delegations:manage", pk=pk)
        try:
            delegations.mark_delegation_invoice_paid(
                invoice, reference=form.cleaned_data["reference"], by=request.user
            )
        except RegistrationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Invoice %(number)s is paid.") % {"number": invoice.number}
            )
        return redirect("delegations:manage", pk=pk)


class TravelMenuGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("Travel")
    menu_icon = "site"
    menu_order = 250
    items = (
        DelegationViewSet("delegations"),
        TravelPlanViewSet(),
        ManifestViewSet(),
        RoomingViewSet(),
        VisaLetterViewSet(),
    )


@hooks.register("register_admin_viewset")
def register_travel_menu():
    return TravelMenuGroup()
