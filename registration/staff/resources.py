"""django-import-export Resources: the columns of every export and import.

Exports (attendees, orders) declare each column once; the admin offers them as
check boxes, the CSV stream and the XLSX job both write them through
`Resource.export_resource`. The youth columns (`SENSITIVE_ATTENDEE_COLUMNS`)
are offered and written only for staff holding `registration.view_youthdetails`
(services/exports.py checks; DESIGN invariant 7).

Every Resource is a `FormulaSafeExport` (registration/spreadsheets.py): what
it exports is safe to open in a spreadsheet, and number columns stay numbers.

Imports (member organisations, vouchers, delegation members) read CSV or XLSX
through these Resources; services/imports.py runs them as a dry run first and
for real only when confirmed.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import resources, widgets
from import_export.fields import Field

from registration.models import (
    Event,
    MemberOrganisation,
    TicketType,
    Voucher,
)
from registration.spreadsheets import FormulaSafeExport

# --- Export: attendees and orders ------------------------------------------------


def _text(value) -> str:
    return "" if value is None else str(value)


class AttendeeExportResource(FormulaSafeExport, resources.Resource):
    """One row per attendee; expects the queryset of services/exports.py (prefetched)."""

    order_code = Field(attribute="order__code", column_name=gettext_lazy("Order"))
    order_status = Field(column_name=gettext_lazy("Order status"))
    ticket_type = Field(
        attribute="ticket_type__name", column_name=gettext_lazy("Ticket type")
    )
    badge_name = Field(attribute="badge_name", column_name=gettext_lazy("Badge name"))
    badge_name_latin = Field(
        attribute="badge_name_latin",
        column_name=gettext_lazy("Badge name in Latin letters"),
    )
    given_name = Field(attribute="given_name", column_name=gettext_lazy("Given name"))
    family_name = Field(
        attribute="family_name", column_name=gettext_lazy("Family name")
    )
    email = Field(attribute="email", column_name=gettext_lazy("E-mail"))
    language = Field(attribute="language", column_name=gettext_lazy("Language"))
    organisation = Field(
        attribute="organisation", column_name=gettext_lazy("Organisation")
    )
    city = Field(attribute="city", column_name=gettext_lazy("City"))
    country = Field(column_name=gettext_lazy("Country"))
    delegation = Field(
        attribute="delegation__name", column_name=gettext_lazy("Delegation")
    )
    price = Field(
        attribute="price",
        column_name=gettext_lazy("Ticket price"),
        widget=widgets.DecimalWidget(),
    )
    extras = Field(column_name=gettext_lazy("Extras"))
    answers = Field(column_name=gettext_lazy("Answers"))
    consent = Field(column_name=gettext_lazy("Guardian consent"))
    registered_at = Field(column_name=gettext_lazy("Registered at"))
    # Youth details: only with registration.view_youthdetails.
    date_of_birth = Field(column_name=gettext_lazy("Date of birth"))
    guardian_name = Field(column_name=gettext_lazy("Guardian name"))
    guardian_email = Field(column_name=gettext_lazy("Guardian e-mail"))
    guardian_phone = Field(column_name=gettext_lazy("Guardian phone"))
    medical_notes = Field(column_name=gettext_lazy("Medical information"))
    emergency_contact_name = Field(column_name=gettext_lazy("Emergency contact"))
    emergency_contact_phone = Field(column_name=gettext_lazy("Emergency contact phone"))

    def dehydrate_order_status(self, attendee) -> str:
        return str(attendee.order.get_status_display())

    def dehydrate_country(self, attendee) -> str:
        return attendee.country.code or ""

    def dehydrate_extras(self, attendee) -> str:
        return "; ".join(row.extra.name for row in attendee.attendeeextra_set.all())

    def dehydrate_answers(self, attendee) -> str:
        return "; ".join(
            f"{answer.question.label}: {answer.value.replace(chr(10), ', ')}"
            for answer in attendee.answers.all()
            if answer.value
        )

    def dehydrate_consent(self, attendee) -> str:
        if not attendee.ticket_type.requires_guardian_consent:
            return ""
        return _("missing") if attendee.consent_missing else _("signed")

    def dehydrate_registered_at(self, attendee) -> str:
        tz = attendee.order.event.tz
        return timezone.localtime(attendee.created_at, tz).strftime("%Y-%m-%d %H:%M")

    def _youth(self, attendee, name: str) -> str:
        youth = getattr(attendee, "youth", None)
        return "" if youth is None else _text(getattr(youth, name))

    def dehydrate_date_of_birth(self, attendee) -> str:
        return self._youth(attendee, "date_of_birth")

    def dehydrate_guardian_name(self, attendee) -> str:
        return self._youth(attendee, "guardian_name")

    def dehydrate_guardian_email(self, attendee) -> str:
        return self._youth(attendee, "guardian_email")

    def dehydrate_guardian_phone(self, attendee) -> str:
        return self._youth(attendee, "guardian_phone")

    def dehydrate_medical_notes(self, attendee) -> str:
        return self._youth(attendee, "medical_notes")

    def dehydrate_emergency_contact_name(self, attendee) -> str:
        return self._youth(attendee, "emergency_contact_name")

    def dehydrate_emergency_contact_phone(self, attendee) -> str:
        return self._youth(attendee, "emergency_contact_phone")


SENSITIVE_ATTENDEE_COLUMNS = frozenset(
    {
        "date_of_birth",
        "guardian_name",
        "guardian_email",
        "guardian_phone",
        "medical_notes",
        "emergency_contact_name",
        "emergency_contact_phone",
    }
)


class OrderExportResource(FormulaSafeExport, resources.Resource):
    """One row per order; expects the queryset of services/exports.py (annotated)."""

    code = Field(attribute="code", column_name=gettext_lazy("Order"))
    status = Field(column_name=gettext_lazy("Status"))
    buyer_name = Field(attribute="buyer_name", column_name=gettext_lazy("Buyer"))
    buyer_email = Field(
        attribute="buyer_email", column_name=gettext_lazy("Buyer e-mail")
    )
    buyer_organisation = Field(
        attribute="buyer_organisation", column_name=gettext_lazy("Organisation")
    )
    buyer_phone = Field(attribute="buyer_phone", column_name=gettext_lazy("Phone"))
    payment_method = Field(column_name=gettext_lazy("Payment method"))
    attendee_count = Field(
        attribute="attendee_count",
        column_name=gettext_lazy("Attendees"),
        widget=widgets.IntegerWidget(),
    )
    total = Field(
        attribute="total",
        column_name=gettext_lazy("Total"),
        widget=widgets.DecimalWidget(),
    )
    currency = Field(attribute="currency", column_name=gettext_lazy("Currency"))
    voucher = Field(attribute="voucher__code", column_name=gettext_lazy("Voucher"))
    member_organisation = Field(
        attribute="member_organisation__name",
        column_name=gettext_lazy("Member organisation"),
    )
    language = Field(attribute="language", column_name=gettext_lazy("Language"))
    created_at = Field(column_name=gettext_lazy("Placed at"))

    def dehydrate_status(self, order) -> str:
        return str(order.get_status_display())

    def dehydrate_payment_method(self, order) -> str:
        return str(order.get_payment_method_display())

    def dehydrate_created_at(self, order) -> str:
        return timezone.localtime(order.created_at, order.event.tz).strftime(
            "%Y-%m-%d %H:%M"
        )


def column_choices(resource_class) -> list[tuple[str, str]]:
    """(name, label) of every column a Resource can export, in its order."""
    resource = resource_class()
    return [(name, str(field.column_name)) for name, field in resource.fields.items()]


# --- Import widgets --------------------------------------------------------------


class EndOfDayWidget(widgets.DateTimeWidget):
    """A date means the end of that day (UTC); a full date and time is kept as is."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str) and (day := parse_date(value.strip())):
            return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
        return super().clean(value, row=row, **kwargs)


class YesNoWidget(widgets.BooleanWidget):
    """yes/no, true/false, 1/0; an empty cell takes the field's default."""

    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "yes", "Yes", "YES", "y"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "no", "No", "NO", "n"]

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None):
            return None
        if value not in self.TRUE_VALUES and value not in self.FALSE_VALUES:
            raise ValueError(_("Enter yes or no."))
        return super().clean(value, row=row, **kwargs)


class NamedManyWidget(widgets.ManyToManyWidget):
    """Names (or slugs) separated by ";"; an unknown one is an error, never skipped."""

    def __init__(self, model, *, field: str, queryset=None):
        super().__init__(model, separator=";", field=field)
        self.queryset = queryset

    def clean(self, value, row=None, **kwargs):
        names = [part.strip() for part in str(value or "").split(";") if part.strip()]
        if not names:
            return self.model.objects.none()
        queryset = (
            self.queryset if self.queryset is not None else self.model.objects.all()
        )
        found = queryset.filter(**{f"{self.field}__in": names})
        missing = sorted(set(names) - {getattr(obj, self.field) for obj in found})
        if missing:
            raise ValueError(_("Unknown: %(names)s.") % {"names": ", ".join(missing)})
        return found


class CheckManyToManyFirst:
    """Checks the many-to-many cells with the others, so a row shows all its errors.

    import-export reads many-to-many cells only after saving the row, and a bad
    one then surfaces as a bare row error without its column.
    """

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = dict(error.error_dict)
        for field in self.get_import_fields():
            if not isinstance(field.widget, widgets.ManyToManyWidget):
                continue
            if field.column_name not in row:
                continue
            try:
                field.clean(row)
            except ValueError as error:
                errors[field.attribute] = [ValidationError(str(error), code="invalid")]
        if errors:
            raise ValidationError(errors)


# --- Import: member organisations ------------------------------------------------


class MemberOrganisationResource(
    FormulaSafeExport, CheckManyToManyFirst, resources.ModelResource
):
    """The member roster: `code` identifies a row (any case), so a re-import updates."""

    name = Field(attribute="name", column_name="name")
    code = Field(attribute="code", column_name="code")
    valid_until = Field(
        attribute="valid_until", column_name="valid_until", widget=EndOfDayWidget()
    )
    is_active = Field(
        attribute="is_active",
        column_name="is_active",
        widget=YesNoWidget(),
        default=True,
    )
    events = Field(
        attribute="events",
        column_name="events",
        widget=NamedManyWidget(Event, field="slug"),
    )

    class Meta:
        model = MemberOrganisation
        fields = ("name", "code", "valid_until", "is_active", "events")
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def get_instance(self, instance_loader, row):
        code = str(row.get("code") or "").strip()
        if not code:
            return None
        return MemberOrganisation.objects.filter(code__iexact=code).first()


# --- Import: vouchers ------------------------------------------------------------


class VoucherResource(FormulaSafeExport, CheckManyToManyFirst, resources.ModelResource):
    """An event's vouchers: `code` identifies a row within the event (any case)."""

    code = Field(attribute="code", column_name="code")
    kind = Field(attribute="kind", column_name="kind", default="percent")
    value = Field(
        attribute="value", column_name="value", widget=widgets.DecimalWidget()
    )
    max_uses = Field(
        attribute="max_uses", column_name="max_uses", widget=widgets.IntegerWidget()
    )
    valid_from = Field(
        attribute="valid_from",
        column_name="valid_from",
        widget=widgets.DateTimeWidget(),
    )
    valid_until = Field(
        attribute="valid_until", column_name="valid_until", widget=EndOfDayWidget()
    )
    ticket_types = Field(attribute="ticket_types", column_name="ticket_types")
    unlocks_hidden_tickets = Field(
        attribute="unlocks_hidden_tickets",
        column_name="unlocks_hidden_tickets",
        widget=YesNoWidget(),
        default=False,
    )
    note = Field(attribute="note", column_name="note", default="")

    class Meta:
        model = Voucher
        fields = (
            "code",
            "kind",
            "value",
            "max_uses",
            "valid_from",
            "valid_until",
            "ticket_types",
            "unlocks_hidden_tickets",
            "note",
        )
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, *, event: Event):
        super().__init__()
        self.event = event
        self.fields["ticket_types"].widget = NamedManyWidget(
            TicketType, field="name", queryset=event.ticket_types.all()
        )

    def get_instance(self, instance_loader, row):
        code = str(row.get("code") or "").strip()
        if not code:
            return None
        return Voucher.objects.filter(event=self.event, code__iexact=code).first()

    def init_instance(self, row=None):
        return Voucher(event=self.event)


# --- Import: delegation members -------------------------------------------------


class DelegationMemberResource(FormulaSafeExport, resources.Resource):
    """The columns of a delegation's member list; services/imports.py turns each row
    into an attendee of one order placed through orders/services/placement.py.

    Columns other than these whose header is the label of one of the event's
    questions are read as that question's answer.
    """

    given_name = Field(attribute="given_name", column_name="given_name", default="")
    family_name = Field(attribute="family_name", column_name="family_name", default="")
    badge_name = Field(attribute="badge_name", column_name="badge_name", default="")
    badge_name_latin = Field(
        attribute="badge_name_latin", column_name="badge_name_latin", default=""
    )
    email = Field(attribute="email", column_name="email", default="")
    ticket_type = Field(attribute="ticket_type", column_name="ticket_type", default="")
    extras = Field(attribute="extras", column_name="extras", default="")
    organisation = Field(
        attribute="organisation", column_name="organisation", default=""
    )
    city = Field(attribute="city", column_name="city", default="")
    country = Field(attribute="country", column_name="country", default="")
    language = Field(attribute="language", column_name="language", default="")
    date_of_birth = Field(
        attribute="date_of_birth",
        column_name="date_of_birth",
        widget=widgets.DateWidget(),
    )
    guardian_name = Field(
        attribute="guardian_name", column_name="guardian_name", default=""
    )
    guardian_email = Field(
        attribute="guardian_email", column_name="guardian_email", default=""
    )
    guardian_phone = Field(
        attribute="guardian_phone", column_name="guardian_phone", default=""
    )

    REQUIRED_COLUMNS = ("given_name", "ticket_type")
