"""Member organisations: their code unlocks member prices and members-only tickets."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from registration.models.events import Event
from registration.names import NAME_VALIDATORS


class MemberOrganisation(models.Model):
    """A sister-city member (city, county, state, association) with its member code."""

    name = models.CharField(_("name"), max_length=200, validators=NAME_VALIDATORS)
    code = models.CharField(
        _("member code"),
        max_length=40,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_-]+$",
                _("Use letters, digits, hyphens and underscores only."),
            )
        ],
        help_text=_("Given to the member; entered at checkout. Not case-sensitive."),
    )
    events = models.ManyToManyField(
        Event,
        blank=True,
        related_name="member_organisations",
        verbose_name=_("valid for events"),
        help_text=_("Empty: every event."),
    )
    valid_until = models.DateTimeField(
        _("membership valid until"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("member organisation")
        verbose_name_plural = _("member organisations")
        constraints = [
            models.UniqueConstraint(Lower("code"), name="member_code_unique")
        ]

    def __str__(self):
        return self.name
