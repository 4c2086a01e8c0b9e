"""Change order (`orders:change`): staff change a placed order's attendees,
ticket types, extras and prices, see the price difference and how the money
is settled, then confirm. orders/services/changes.apply_change does it; the
preview is the same service's `preview_change` with payments' `plan_settlement`.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registration.errors import OrderInvalid, RegistrationError
from registration.models import Attendee
from registration.money import format_money
from registration.orders import services as order_service
from registration.orders.admin.actions import OrderActionView
from registration.payments import services as payments
from registration.staff import access as staff_access


class ChangeOrderForm(forms.Form):
    """One row per attendee (ticket type, extras, price, cancel) and one new attendee."""

    new_ticket_type = forms.ChoiceField(
        label=gettext_lazy("Add an attendee with ticket type"), required=False
    )
    new_given_name = forms.CharField(
        label=gettext_lazy("Given name"), max_length=100, required=False
    )
    new_family_name = forms.CharField(
        label=gettext_lazy("Family name"), max_length=100, required=False
    )
    new_email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required for a new price; the buyer reads it."),
    )
    refund_difference = forms.BooleanField(
        label=gettext_lazy("Refund what the buyer overpaid"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, order, attendees, can_refund: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.attendees = attendees
        ticket_types = [(str(tt.pk), tt.name) for tt in order.event.ticket_types.all()]
        extras = [(str(extra.pk), extra.name) for extra in order.event.extras.all()]
        self.fields["new_ticket_type"].choices = [("", "—"), *ticket_types]
        if not can_refund:
            self.fields["refund_difference"].disabled = True
            self.fields["refund_difference"].initial = False
            self.fields["refund_difference"].help_text = _(
                "You may not refund: what is overpaid is kept for a refunder to decide."
            )
        for attendee in attendees:
            pk = attendee.pk
            self.fields[f"ticket_type_{pk}"] = forms.ChoiceField(
                label=_("Ticket type"),
                choices=ticket_types,
                initial=str(attendee.ticket_type_id),
            )
            self.fields[f"extras_{pk}"] = forms.MultipleChoiceField(
                label=_("Extras"),
                choices=extras,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=[str(row.extra_id) for row in attendee.attendeeextra_set.all()],
            )
            self.fields[f"price_{pk}"] = forms.DecimalField(
                label=_("Ticket price"),
                max_digits=10,
                decimal_places=2,
                min_value=Decimal(0),
                initial=attendee.price,
            )
            self.fields[f"cancel_{pk}"] = forms.BooleanField(
                label=_("Cancel this attendee"), required=False
            )

    def rows(self):
        """The attendees with their bound fields, for the template's table."""
        return [
            {
                "attendee": attendee,
                "ticket_type": self[f"ticket_type_{attendee.pk}"],
                "extras": self[f"extras_{attendee.pk}"],
                "price": self[f"price_{attendee.pk}"],
                "cancel": self[f"cancel_{attendee.pk}"],
            }
            for attendee in self.attendees
        ]

    def operations(self) -> tuple[list[dict], list[str]]:
        """The operations the form asks for, and the form field each comes from
        (so that the service's `operations.<n>.…` errors land on it)."""
        data = self.cleaned_data
        operations: list[dict] = []
        sources: list[str] = []

        def add(operation: dict, source: str) -> None:
            operations.append(operation)
            sources.append(source)

        for attendee in self.attendees:
            pk = attendee.pk
            if data.get(f"cancel_{pk}"):
                add({"op": "cancel_attendee", "attendee": pk}, f"cancel_{pk}")
                continue
            if data[f"ticket_type_{pk}"] != str(attendee.ticket_type_id):
                add(
                    {
                        "op": "change_ticket_type",
                        "attendee": pk,
                        "ticket_type": data[f"ticket_type_{pk}"],
                    },
                    f"ticket_type_{pk}",
                )
            elif data[f"price_{pk}"] != attendee.price:
                add(
                    {
                        "op": "set_price",
                        "attendee": pk,
                        "price": str(data[f"price_{pk}"]),
                    },
                    f"price_{pk}",
                )
            had = {str(row.extra_id) for row in attendee.attendeeextra_set.all()}
            chosen = set(data.get(f"extras_{pk}") or [])
            for extra in sorted(chosen - had):
                add({"op": "add_extra", "attendee": pk, "extra": extra}, f"extras_{pk}")
            for extra in sorted(had - chosen):
                add(
                    {"op": "remove_extra", "attendee": pk, "extra": extra},
                    f"extras_{pk}",
                )
        if data.get("new_ticket_type"):
            add(
                {
                    "op": "add_attendee",
                    "attendee": {
                        "ticket_type": data["new_ticket_type"],
                        "given_name": data.get("new_given_name", ""),
                        "family_name": data.get("new_family_name", ""),
                        "email": data.get("new_email", ""),
                    },
                },
                "new_ticket_type",
            )
        return operations, sources


# Where an error of an add_attendee operation's own field lands on the form.
NEW_ATTENDEE_FIELDS = {
    "given_name": "new_given_name",
    "family_name": "new_family_name",
    "email": "new_email",
    "ticket_type": "new_ticket_type",
}


class ChangeOrderView(OrderActionView):
    page_title = gettext_lazy("Change order")
    action = "change"
    template_name = "registration/orders/admin/change_order.html"
    form_class = ChangeOrderForm
    submit_label = gettext_lazy("Preview the change")

    def has_permission(self, user) -> bool:
        return staff_access.can_manage_orders(user)

    @cached_property
    def attendees(self) -> list[Attendee]:
        return list(
            self.order.attendees.select_related("ticket_type").prefetch_related(
                "attendeeextra_set__extra"
            )
        )

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "order": self.order,
            "attendees": self.attendees,
            "can_refund": staff_access.can_refund(self.request.user),
        }

    def form_valid(self, form):
        operations, sources = form.operations()
        data = form.cleaned_data
        refund = bool(data.get("refund_difference")) and staff_access.can_refund(
            self.request.user
        )
        try:
            plan = order_service.preview_change(
                self.order, operations, as_staff=True, reason=data.get("reason", "")
            )
            if self.request.POST.get("confirm") == str(plan.new_total):
                order_service.apply_change(
                    self.order,
                    operations,
                    by=self.request.user,
                    as_staff=True,
                    reason=data.get("reason", ""),
                    refund_difference=refund,
                    expected_total=plan.new_total,
                )
                messages.success(
                    self.request,
                    _("Order %(code)s changed; its total is now %(total)s.")
                    % {
                        "code": self.order.code,
                        "total": format_money(plan.new_total, self.order.currency),
                    },
                )
                return redirect(self.get_success_url())
        except OrderInvalid as error:
            for item in error.errors:
                form.add_error(
                    self._form_field(form, item.field, sources), item.message
                )
            return self.form_invalid(form)
        except RegistrationError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        settlement = payments.plan_settlement(
            self.order, new_total=plan.new_total, refund_difference=refund
        )
        return self.render_to_response(
            self.get_context_data(form=form, plan=plan, settlement=settlement)
        )

    @staticmethod
    def _form_field(form, field: str | None, sources: list[str]) -> str | None:
        """The form field an error of the service belongs to (None: the form's)."""
        parts = (field or "").split(".")
        if len(parts) >= 2 and parts[0] == "operations" and parts[1].isdigit():
            source = sources[int(parts[1])]
            if source == "new_ticket_type" and len(parts) >= 4:
                return NEW_ATTENDEE_FIELDS.get(parts[3])
            return source
        return field if field in form.fields else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = kwargs.get("plan")
        if plan is not None:
            context.update(
                old_total=format_money(plan.old_total, self.order.currency),
                new_total=format_money(plan.new_total, self.order.currency),
                difference=format_money(plan.difference, self.order.currency),
                lines=[
                    {
                        "line": line,
                        "amount": format_money(line.amount, self.order.currency),
                    }
                    for line in plan.lines
                ],
                confirm_total=str(plan.new_total),
            )
        return context
