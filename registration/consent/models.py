"""Youth delegates: their guarded details, the consent text and the guardian's signature.

YouthDetails is kept apart from Attendee so that one permission
(`registration.view_youthdetails`) guards it and the retention job deletes it
whole (DESIGN invariant 7). Nothing here is ever copied into the ActivityLog.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registration.catalogue.models import Event
from registration.names import NAME_VALIDATORS
from registration.orders.models import Attendee
from registration.tokens import new_secret


class YouthDetails(models.Model):
    attendee = models.OneToOneField(
        Attendee,
        on_delete=models.CASCADE,
        related_name="youth",
        verbose_name=_("attendee"),
    )
    date_of_birth = models.DateField(_("date of birth"))
    guardian_name = models.CharField(
        _("guardian name"), max_length=200, validators=NAME_VALIDATORS
    )
    guardian_email = models.EmailField(_("guardian e-mail"))
    guardian_phone = models.CharField(_("guardian phone"), max_length=40)
    medical_notes = models.TextField(
        _("medical information"),
        blank=True,
        help_text=_("Allergies, medication, conditions staff should know about."),
    )
    emergency_contact_name = models.CharField(
        _("emergency contact name"),
        max_length=200,
        blank=True,
        validators=NAME_VALIDATORS,
    )
    emergency_contact_phone = models.CharField(
        _("emergency contact phone"), max_length=40, blank=True
    )
    # The guardian's consent link; single-purpose (DESIGN invariant 5).
    consent_token = models.CharField(
        max_length=40, default=new_secret, unique=True, editable=False
    )
    consent_requested_at = models.DateTimeField(
        _("consent requested at"), null=True, blank=True
    )
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)

    class Meta:
        verbose_name = _("youth details")
        verbose_name_plural = _("youth details")

    def __str__(self):
        return str(_("Youth details of attendee #%(pk)s") % {"pk": self.attendee_id})

    @property
    def is_consent_signed(self) -> bool:
        return hasattr(self, "consent")


class ConsentText(models.Model):
    """What the guardian agrees to; a new version per change, the latest is shown."""

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="consent_texts",
        verbose_name=_("event"),
    )
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Participation, medical and emergency information, photo release and "
            "code of conduct, as the guardian reads them."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "-version"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = [
            models.UniqueConstraint(
                "event", "version", name="consent_text_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class GuardianConsent(models.Model):
    """A guardian's signature: who, when, from where, on which version of the text."""

    youth = models.OneToOneField(
        YouthDetails,
        on_delete=models.CASCADE,
        related_name="consent",
        verbose_name=_("youth details"),
    )
    consent_text = models.ForeignKey(
        ConsentText,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("consent text"),
    )
    signed_name = models.CharField(
        _("signed (full name typed)"), max_length=200, validators=NAME_VALIDATORS
    )
    signed_at = models.DateTimeField(_("signed at"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    photo_release = models.BooleanField(_("photo release granted"), default=False)

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")

    def __str__(self):
        return f"{self.signed_name} ({self.signed_at:%Y-%m-%d})"
