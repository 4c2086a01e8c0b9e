"""Youth delegates: their guarded details, the consent text and the guardian's signature.

YouthDetails is kept apart from Attendee so that one permission
(`registration.view_youthdetails`) guards it and the retention job deletes it
whole (DESIGN invariant 7). Nothing here is ever copied into the ActivityLog.
"""

from django.conf import settings
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
    """What the guardian agrees to, in one language; a new version per change.

    Each language has versions of its own (Spanish v3 may follow English v1):
    a guardian is shown the latest version in their language, else the latest
    English one, and signs exactly that row. Rows, not translated columns,
    because a signed version must never change under its signature.
    """

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="consent_texts",
        verbose_name=_("event"),
    )
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Guardians reading another language see the English text."),
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
        ordering = ["event", "language", "-version"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        constraints = [
            models.UniqueConstraint(
                "event",
                "language",
                "version",
                name="consent_text_language_version_unique",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.language} v{self.version})"


class GuardianConsent(models.Model):
    """A guardian's signature: who, when, from where, on which version of the text.

    The title, text, language and version signed are copied here, so the record
    reads as the guardian read it even if the ConsentText row were ever edited.
    """

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
    signed_language = models.CharField(
        _("language signed"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    signed_version = models.PositiveIntegerField(_("version signed"), default=0)
    signed_title = models.CharField(_("title signed"), max_length=200, blank=True)
    signed_text = models.TextField(_("text signed"), blank=True)

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")

    def __str__(self):
        return f"{self.signed_name} ({self.signed_at:%Y-%m-%d})"
