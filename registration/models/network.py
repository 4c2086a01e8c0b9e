"""The sister-city network: delegations now; partnerships, exchanges and travel later."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from registration.models.events import Event


class Delegation(models.Model):
    """The group a city sends to an event; badges, check-in and reports group by it."""

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="delegations",
        verbose_name=_("event"),
    )
    name = models.CharField(_("name"), max_length=200)
    home_city = models.CharField(_("home city"), max_length=100)
    home_country = CountryField(_("home country"))

    class Meta:
        ordering = ["event", "name"]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.UniqueConstraint(
                "event", "name", name="delegation_name_unique_per_event"
            )
        ]

    def __str__(self):
        return self.name
