"""django-import-export Resources for partnerships and exchanges.

Staff import spreadsheets (CSV or XLSX) from the Network admin screens
(registration/network/admin.py): an upload is first imported as a dry run,
every row's errors are shown, and only a confirmed file without errors is
written, in one transaction. Each error names its column.

Columns accept what people type in spreadsheets: countries as ISO codes or
English names ("FJ" or "Fiji"), kinds and statuses as values or labels
("city" or "Sister city"), programmes by name separated by ";".
Rows are matched to existing records by their natural key (the two
communities and countries of a partnership; partnership, title and start
date of an exchange), so importing the same file twice updates, not doubles.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_countries import countries
from import_export import fields, resources, widgets

from registration.models import (
    Exchange,
    ExchangeDirection,
    ExchangeKind,
    Partnership,
    PartnershipKind,
    PartnershipStatus,
    Programme,
)
from registration.spreadsheets import FormulaSafeExport


class CountryWidget(widgets.Widget):
    """An ISO 3166 code or a country's English name, stored as the code."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return ""
        if text.upper() in dict(countries):
            return text.upper()
        code = countries.by_name(text)
        if code:
            return code
        raise ValueError(
            _("“%(value)s” is not a country code or name.") % {"value": text}
        )

    def render(self, value, obj=None, **kwargs):
        return str(value or "")


class ChoiceWidget(widgets.Widget):
    """A choice given as its stored value or its label, in any letter case."""

    def __init__(self, choices, *, blank_value: str = "", **kwargs):
        self.choices = list(choices)
        self.blank_value = blank_value
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            if self.blank_value:
                return self.blank_value
            raise ValueError(_("This column is required."))
        for stored, label in self.choices:
            if text.casefold() in (stored.casefold(), str(label).casefold()):
                return stored
        raise ValueError(
            _("“%(value)s” is not one of %(allowed)s.")
            % {
                "value": text,
                "allowed": ", ".join(stored for stored, _label in self.choices),
            }
        )

    def render(self, value, obj=None, **kwargs):
        return str(value or "")


class IsoDateWidget(widgets.DateWidget):
    """A date as YYYY-MM-DD (or a real date cell in XLSX), with a message that says so."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except ValueError as error:
            raise ValueError(
                _(
                    "“%(value)s” is not a date; write it as YYYY-MM-DD, such as 2025-04-02."
                )
                % {"value": value}
            ) from error


class CountWidget(widgets.IntegerWidget):
    """A head count: empty means 0."""

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return 0
        return super().clean(value, row=row, **kwargs)


class ProgrammesWidget(widgets.ManyToManyWidget):
    """Programme names separated by ";"; an unknown name is an error, not dropped."""

    def __init__(self):
        super().__init__(Programme, separator=";", field="name")

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in str(value or "").split(";") if name.strip()]
        if not names:
            return Programme.objects.none()
        found = {p.name.casefold(): p for p in Programme.objects.filter(name__in=names)}
        unknown = [name for name in names if name.casefold() not in found]
        if unknown:
            raise ValueError(
                _("There is no programme named %(names)s.")
                % {"names": ", ".join(f"“{name}”" for name in unknown)}
            )
        return Programme.objects.filter(pk__in=[p.pk for p in found.values()])


class NetworkResource(FormulaSafeExport, resources.ModelResource):
    """Shared behaviour: all errors of a row at once, each under its field."""

    def before_import_row(self, row, **kwargs):
        # Empty XLSX cells arrive as None; the text columns store "" for empty.
        for column, value in row.items():
            if value is None:
                row[column] = ""

    def get_instance(self, instance_loader, row):
        # A key column that cannot be read (a bad date, an unknown partnership)
        # is reported by import_instance under its own field; until then the
        # row counts as new.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None

    def column_of(self, attribute: str) -> str:
        """The spreadsheet column behind a model attribute, for error messages."""
        for field in self.get_import_fields():
            if field.attribute == attribute:
                return field.column_name
        return attribute

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors.update(error.error_dict)
        # Many-to-many columns are only read after saving; check them now so a
        # bad name is reported in the preview with the other errors.
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget):
                try:
                    field.clean(row, **kwargs)
                except ValueError as error:
                    errors[field.attribute] = [ValidationError(str(error))]
        if errors:
            raise ValidationError(errors)


class PartnershipResource(NetworkResource):
    """Columns: kind, local_name, local_region, local_country, partner_name,
    partner_region, partner_country, status, signed_on, signed_by, programmes,
    description. Contacts and the agreement file are entered in the admin."""

    kind = fields.Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(PartnershipKind.choices, blank_value="city"),
    )
    local_country = fields.Field(
        attribute="local_country",
        column_name="local_country",
        widget=CountryWidget(),
    )
    partner_country = fields.Field(
        attribute="partner_country",
        column_name="partner_country",
        widget=CountryWidget(),
    )
    status = fields.Field(
        attribute="status",
        column_name="status",
        widget=ChoiceWidget(PartnershipStatus.choices, blank_value="proposed"),
    )
    programmes = fields.Field(
        attribute="programmes", column_name="programmes", widget=ProgrammesWidget()
    )
    signed_on = fields.Field(
        attribute="signed_on", column_name="signed_on", widget=IsoDateWidget("%Y-%m-%d")
    )

    class Meta:
        model = Partnership
        fields = (
            "kind",
            "local_name",
            "local_region",
            "local_country",
            "partner_name",
            "partner_region",
            "partner_country",
            "status",
            "signed_on",
            "signed_by",
            "programmes",
            "description",
        )
        import_id_fields = (
            "local_name",
            "local_country",
            "partner_name",
            "partner_country",
        )
        clean_model_instances = True
        skip_unchanged = False
        use_transactions = True


class PartnershipWidget(widgets.ForeignKeyWidget):
    """The partnership named by the row's local_community and partner_community."""

    def __init__(self):
        super().__init__(Partnership)

    def clean(self, value, row=None, **kwargs):
        partner = str(value or "").strip()
        local = str((row or {}).get("local_community") or "").strip()
        if not local or not partner:
            raise ValueError(
                _(
                    "Both local_community and partner_community are needed to "
                    "find the partnership."
                )
            )
        matches = list(
            Partnership.objects.filter(
                local_name__iexact=local, partner_name__iexact=partner
            )[:2]
        )
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValueError(
                _(
                    "There is no partnership between “%(local)s” "
                    "and “%(partner)s”; import or add the partnership first."
                )
                % {"local": local, "partner": partner}
            )
        raise ValueError(
            _(
                "More than one partnership links “%(local)s” and "
                "“%(partner)s”; edit this exchange in the admin instead."
            )
            % {"local": local, "partner": partner}
        )

    def render(self, value, obj=None, **kwargs):
        return value.partner_name if value else ""


class ExchangeResource(NetworkResource):
    """Columns: local_community, partner_community, kind, title, starts_on,
    ends_on, direction, participants, volunteers, jobs_created, aid_value,
    aid_currency, summary, outcomes."""

    local_community = fields.Field(
        attribute="partnership__local_name",
        column_name="local_community",
        readonly=True,
    )
    partnership = fields.Field(
        attribute="partnership",
        column_name="partner_community",
        widget=PartnershipWidget(),
    )
    kind = fields.Field(
        attribute="kind",
        column_name="kind",
        widget=ChoiceWidget(ExchangeKind.choices),
    )
    direction = fields.Field(
        attribute="direction",
        column_name="direction",
        widget=ChoiceWidget(ExchangeDirection.choices),
    )
    starts_on = fields.Field(
        attribute="starts_on", column_name="starts_on", widget=IsoDateWidget("%Y-%m-%d")
    )
    ends_on = fields.Field(
        attribute="ends_on", column_name="ends_on", widget=IsoDateWidget("%Y-%m-%d")
    )
    participants = fields.Field(
        attribute="participants", column_name="participants", widget=CountWidget()
    )
    volunteers = fields.Field(
        attribute="volunteers", column_name="volunteers", widget=CountWidget()
    )
    jobs_created = fields.Field(
        attribute="jobs_created", column_name="jobs_created", widget=CountWidget()
    )

    class Meta:
        model = Exchange
        fields = (
            "local_community",
            "partnership",
            "kind",
            "title",
            "starts_on",
            "ends_on",
            "direction",
            "participants",
            "volunteers",
            "jobs_created",
            "aid_value",
            "aid_currency",
            "summary",
            "outcomes",
        )
        import_id_fields = ("partnership", "title", "starts_on")
        clean_model_instances = True
        skip_unchanged = False
        use_transactions = True

    def get_queryset(self):
        return Exchange.objects.select_related("partnership")
