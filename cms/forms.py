"""Filter forms of the public network pages (GET, work without JavaScript)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registration.network.selectors import DirectoryChoices


class DirectoryFilterForm(forms.Form):
    """Country (either side), local state and kind; choices only those that find something."""

    country = forms.ChoiceField(label=_("Country"), required=False)
    state = forms.ChoiceField(label=_("US state or region"), required=False)
    kind = forms.ChoiceField(label=_("Kind of partnership"), required=False)

    def __init__(self, data, *, choices: DirectoryChoices):
        super().__init__(data)
        self.fields["country"].choices = [("", _("All countries")), *choices.countries]
        self.fields["state"].choices = [
            ("", _("All states and regions")),
            *((state, state) for state in choices.states),
        ]
        self.fields["kind"].choices = [("", _("All kinds")), *choices.kinds]

    def filters(self) -> dict[str, str]:
        """The valid filters; an invalid one is reported and left out, not fatal."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name) or "" for name in self.fields}


class ImpactFilterForm(forms.Form):
    """A range of years, from the first to the last year with exchanges."""

    year_from = forms.TypedChoiceField(
        label=_("From"), required=False, coerce=int, empty_value=None
    )
    year_to = forms.TypedChoiceField(
        label=_("To"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data, *, years: tuple[int, int] | None):
        super().__init__(data)
        first, last = years or (0, -1)
        options = [(str(year), str(year)) for year in range(last, first - 1, -1)]
        self.fields["year_from"].choices = [("", _("First year")), *options]
        self.fields["year_to"].choices = [("", _("Latest year")), *options]

    def clean(self):
        cleaned = super().clean()
        year_from, year_to = cleaned.get("year_from"), cleaned.get("year_to")
        if year_from is not None and year_to is not None and year_from > year_to:
            self.add_error("year_to", _("The last year comes before the first year."))
        return cleaned

    def years(self) -> tuple[int | None, int | None]:
        """The valid range; a bad bound is reported and left out."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return cleaned.get("year_from"), cleaned.get("year_to")
