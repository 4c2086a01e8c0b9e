"""The staff actions on one attendee of an order, built on OrderActionView:

- Edit an attendee (`orders:edit_attendee`): orders/services/edits.update_attendee.
- Edit an attendee's answers (`orders:edit_answers`): orders/services/edits.update_answers,
  allowed as editing the attendee is.
- Transfer a ticket to another person (`orders:transfer`):
  orders/services/transfers.transfer_ticket.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from registration.models import (
    Answer,
    Attendee,
    Order,
    QuestionKind,
)
from registration.orders import services as order_service
from registration.orders.admin.actions import OrderActionView
from registration.staff import access as staff_access


class AttendeeForm(forms.Form):
    """The details staff may correct; ticket type and extras stay as sold."""

    badge_name = forms.CharField(
        label=gettext_lazy("Name on badge"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Empty: given and family name."),
    )
    badge_name_latin = forms.CharField(
        label=gettext_lazy("Name in Latin letters"),
        max_length=120,
        required=False,
        help_text=gettext_lazy(
            "Optional transliteration, printed under a name written in another script."
        ),
    )
    given_name = forms.CharField(label=gettext_lazy("Given name"), max_length=100)
    family_name = forms.CharField(
        label=gettext_lazy("Family name"), max_length=100, required=False
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    language = forms.ChoiceField(
        label=gettext_lazy("Preferred language"), choices=settings.LANGUAGES
    )
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"), max_length=200, required=False
    )
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    country = forms.ChoiceField(
        label=gettext_lazy("Country"),
        choices=lambda: [("", "—"), *countries],
        required=False,
    )


class AttendeeActionView(OrderActionView):
    """An action on one attendee of an order (`attendee_pk` in the address)."""

    header_icon = "user"

    def has_permission(self, user) -> bool:
        return staff_access.can_edit_attendees(user)

    @cached_property
    def attendee(self) -> Attendee:
        return get_object_or_404(
            Attendee.objects.select_related("order__event", "ticket_type"),
            pk=self.kwargs["attendee_pk"],
        )

    @cached_property
    def order(self) -> Order:
        return self.attendee.order

    def get_page_subtitle(self):
        return str(self.attendee)


class EditAttendeeView(AttendeeActionView):
    page_title = gettext_lazy("Edit attendee")
    action = "edit_attendee"
    form_class = AttendeeForm
    submit_label = gettext_lazy("Save")

    def explanation(self) -> list[str]:
        return [
            _("%(ticket)s on order %(code)s. A new name needs a new badge.")
            % {"ticket": self.attendee.ticket_type.name, "code": self.order.code}
        ]

    def get_initial(self):
        return {
            name: getattr(self.attendee, name)
            for name in order_service.EDITABLE_ATTENDEE_FIELDS
        }

    def perform(self, form) -> str:
        data = {
            name: form.cleaned_data.get(name) or ""
            for name in order_service.EDITABLE_ATTENDEE_FIELDS
        }
        order_service.update_attendee(
            self.attendee, data=data, by=self.request.user, as_staff=True
        )
        return _("%(name)s is saved.") % {"name": self.attendee.badge_name}


def _answer_field(question) -> forms.Field:
    """The form field of one question; the orders service checks the value."""
    common = {
        "label": question.label,
        "required": False,
        "help_text": question.help_text,
    }
    if question.kind == QuestionKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=question.choice_options,
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(
            choices=[("", "—"), *question.choice_options], **common
        )
    if question.kind == QuestionKind.YES_NO:
        return forms.ChoiceField(
            choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))], **common
        )
    if question.kind == QuestionKind.COUNTRY:
        return forms.ChoiceField(choices=[("", "—"), *countries], **common)
    if question.kind == QuestionKind.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    return forms.CharField(**common)


class AnswersForm(forms.Form):
    """One field per question asked of the attendee, named `answers.<id>`."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[f"answers.{question.pk}"] = _answer_field(question)


class EditAnswersView(AttendeeActionView):
    page_title = gettext_lazy("Edit answers")
    action = "edit_attendee"
    form_class = AnswersForm
    submit_label = gettext_lazy("Save the answers")

    @cached_property
    def questions(self):
        return order_service.asked_questions(self.attendee)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "questions": self.questions}

    def explanation(self) -> list[str]:
        lines = [
            _(
                "%(ticket)s on order %(code)s. Staff may change answers after the cut-off."
            )
            % {"ticket": self.attendee.ticket_type.name, "code": self.order.code}
        ]
        if not self.questions:
            lines.append(_("The event asks no questions for this ticket type."))
        return lines

    def get_initial(self):
        stored = dict(
            Answer.objects.filter(attendee=self.attendee).values_list(
                "question_id", "value"
            )
        )
        initial = {}
        for question in self.questions:
            value = stored.get(question.pk, "")
            if question.kind == QuestionKind.MULTIPLE_CHOICE:
                value = [line for line in value.split("\n") if line]
            initial[f"answers.{question.pk}"] = value
        return initial

    def perform(self, form) -> str:
        answers = {
            question.pk: form.cleaned_data.get(f"answers.{question.pk}") or ""
            for question in self.questions
        }
        order_service.update_answers(
            self.attendee, answers=answers, by=self.request.user, as_staff=True
        )
        return _("The answers of %(name)s are saved.") % {
            "name": self.attendee.badge_name
        }


class TransferForm(forms.Form):
    """The new holder; date of birth and guardian only for youth tickets."""

    given_name = forms.CharField(label=gettext_lazy("Given name"), max_length=100)
    family_name = forms.CharField(
        label=gettext_lazy("Family name"), max_length=100, required=False
    )
    badge_name = forms.CharField(
        label=gettext_lazy("Name on badge"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Empty: given and family name."),
    )
    badge_name_latin = forms.CharField(
        label=gettext_lazy("Name in Latin letters"), max_length=120, required=False
    )
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        help_text=gettext_lazy("The new ticket goes to this address."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Preferred language"), choices=settings.LANGUAGES
    )
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"), max_length=200, required=False
    )
    city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    country = forms.ChoiceField(
        label=gettext_lazy("Country"),
        choices=lambda: [("", "—"), *countries],
        required=False,
    )

    def __init__(self, *args, youth: bool, consent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if youth:
            self.fields["youth.date_of_birth"] = forms.CharField(
                label=_("Date of birth"), help_text=_("As YYYY-MM-DD."), required=False
            )
        if consent:
            self.fields["youth.guardian_name"] = forms.CharField(
                label=_("Guardian: full name"), required=False
            )
            self.fields["youth.guardian_email"] = forms.CharField(
                label=_("Guardian: e-mail"), required=False
            )
            self.fields["youth.guardian_phone"] = forms.CharField(
                label=_("Guardian: phone"), required=False
            )


class TransferTicketView(AttendeeActionView):
    page_title = gettext_lazy("Transfer ticket")
    action = "transfer"
    form_class = TransferForm
    submit_label = gettext_lazy("Transfer the ticket")

    def refusal(self) -> str:
        if refusal := super().refusal():
            return refusal
        if order_service.is_checked_in(self.attendee):
            return _(
                "%(name)s has already been admitted at the door; the ticket can no "
                "longer be transferred."
            ) % {"name": self.attendee.badge_name}
        return ""

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "youth": order_service.needs_youth_details(self.attendee),
            "consent": self.attendee.ticket_type.requires_guardian_consent,
        }

    def get_initial(self):
        return {"language": self.order.language}

    def explanation(self) -> list[str]:
        lines = [
            _(
                "%(ticket)s on order %(code)s, now held by %(name)s. The ticket gets a "
                "new QR code at once: the old one, and the holder's personal link, "
                "stop working. The new holder is e-mailed the ticket, %(name)s a "
                "notice. Answers stay with the ticket. Print a new badge."
            )
            % {
                "ticket": self.attendee.ticket_type.name,
                "code": self.order.code,
                "name": self.attendee.badge_name,
            }
        ]
        if self.attendee.ticket_type.requires_guardian_consent:
            lines.append(
                _(
                    "A youth ticket: the earlier guardian consent no longer counts; "
                    "the new guardian is sent the consent form."
                )
            )
        return lines

    def perform(self, form) -> str:
        data = form.cleaned_data
        youth = None
        if order_service.needs_youth_details(self.attendee):
            youth = order_service.YouthData(
                date_of_birth=data.get("youth.date_of_birth") or "",
                guardian_name=data.get("youth.guardian_name") or "",
                guardian_email=data.get("youth.guardian_email") or "",
                guardian_phone=data.get("youth.guardian_phone") or "",
            )
        old = self.attendee.badge_name
        order_service.transfer_ticket(
            self.attendee,
            to=order_service.TransferData(
                **{
                    name: data.get(name) or "" for name in order_service.TRANSFER_FIELDS
                },
                youth=youth,
            ),
            by=self.request.user,
            as_staff=True,
        )
        return _("The ticket of %(old)s now belongs to %(new)s.") % {
            "old": old,
            "new": self.attendee.badge_name,
        }
