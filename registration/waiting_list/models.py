"""Waiting lists: people who want a ticket type that is sold out."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registration.catalogue.models import Event, TicketType
from registration.names import NAME_VALIDATORS
from registration.tokens import new_secret


class WaitingListStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Place offered")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Offer expired")
    CANCELED = "canceled", _("Canceled")


class WaitingListEntry(models.Model):
    """One person in line for one ticket type.

    An offered entry reserves `quantity` seats until `offer_expires_at`; only
    an order placed with its `token` may use them.
    """

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="waiting_list",
        verbose_name=_("event"),
    )
    ticket_type = models.ForeignKey(
        TicketType,
        on_delete=models.CASCADE,
        related_name="waiting_list",
        verbose_name=_("ticket type"),
    )
    name = models.CharField(_("name"), max_length=200, validators=NAME_VALIDATORS)
    email = models.EmailField(_("e-mail"))
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    quantity = models.PositiveSmallIntegerField(_("places"), default=1)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WaitingListStatus.choices,
        default=WaitingListStatus.WAITING,
        db_index=True,
    )
    token = models.CharField(
        max_length=40, default=new_secret, unique=True, editable=False
    )
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(
        _("offer expires at"), null=True, blank=True
    )
    order = models.ForeignKey(
        "registration.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting-list entries")
        indexes = [models.Index(fields=["ticket_type", "status", "created_at"])]

    def __str__(self):
        return f"{self.name} ({self.get_status_display()})"
