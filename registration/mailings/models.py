"""Staff mailings: a message to a filtered audience of one event, its recipients,
the jobs that queue it, and the addresses that opted out of such mail.

A Mailing is either sent once by staff (`schedule` empty) or a scheduled rule
that the periodic loop sends to each member of its audience when their time
comes. Either way each reader gets one MailingRecipient row, unique per
mailing and address, written before anything is sent, so a restart or a retry
never mails anyone twice. Delivery goes through the outbox (one OutboxMessage
per recipient). Written by mailings/services/ only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registration.catalogue.models import Event
from registration.jobs.models import BackgroundJob
from registration.orders.models import Attendee, Order
from registration.outbox.models import OutboxMessage, OutboxStatus
from registration.travel.models import Delegation

LANGUAGE_CODES = ("en", "es", "fr")


class Audience(models.TextChoices):
    BUYERS = "buyers", _("Buyers")
    ATTENDEES = "attendees", _("Attendees")
    LEADERS = "leaders", _("Delegation leaders")
    GUARDIANS = "guardians", _("Guardians of youth delegates")


class MailingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    # Scheduled rules: sent by the periodic loop while active.
    ACTIVE = "active", _("Scheduled, active")
    PAUSED = "paused", _("Scheduled, paused")


class Schedule(models.TextChoices):
    BEFORE_START = "before_start", _("days before the event starts")
    AFTER_START = "after_start", _("days after the event starts")
    AFTER_REGISTRATION = "after_registration", _("days after registering")


class Mailing(models.Model):
    """One message in up to three languages, and who it goes to."""

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="mailings",
        verbose_name=_("event"),
    )
    name = models.CharField(
        _("name"), max_length=200, help_text=_("For staff only; readers never see it.")
    )
    audience = models.CharField(_("audience"), max_length=12, choices=Audience.choices)
    # AudienceFilters.as_json() (mailings/selectors.py): ids, codes and flags.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_en = models.TextField(_("message (English)"))
    subject_es = models.CharField(_("subject (Spanish)"), max_length=200, blank=True)
    body_es = models.TextField(_("message (Spanish)"), blank=True)
    subject_fr = models.CharField(_("subject (French)"), max_length=200, blank=True)
    body_fr = models.TextField(_("message (French)"), blank=True)
    schedule = models.CharField(
        _("schedule"), max_length=20, choices=Schedule.choices, blank=True
    )
    schedule_days = models.PositiveSmallIntegerField(_("days"), default=0)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MailingStatus.choices,
        default=MailingStatus.DRAFT,
        db_index=True,
    )
    # Youth data (the guardians audience, the consent filter) was chosen: only
    # staff who may see youth details see or change this mailing.
    touches_youth_data = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        permissions = [("send_mailing", "Can write and send mailings to attendees")]

    def __str__(self):
        return self.name

    @property
    def is_rule(self) -> bool:
        return bool(self.schedule)

    def language_for(self, language: str) -> str:
        """The version a reader of `language` gets: theirs when written, else English."""
        if language in LANGUAGE_CODES and getattr(self, f"body_{language}", ""):
            return language
        return "en"

    def subject_in(self, language: str) -> str:
        return getattr(self, f"subject_{self.language_for(language)}")

    def body_in(self, language: str) -> str:
        return getattr(self, f"body_{self.language_for(language)}")


class RecipientStatus(models.TextChoices):
    PENDING = "pending", _("Not yet queued")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SKIPPED = "skipped", _("Skipped (unsubscribed)")


class MailingRecipient(models.Model):
    """One reader of one mailing, and what became of the message to them.

    Written before sending; `status` is pending until its outbox row exists,
    then queued. Whether it went out is the outbox row's status
    (`delivery_status`); a bounce or an opt-out is recorded here.
    """

    mailing = models.ForeignKey(
        Mailing,
        on_delete=models.CASCADE,
        related_name="recipients",
        verbose_name=_("mailing"),
    )
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=8, default="en")
    name = models.CharField(_("name"), max_length=200, blank=True)
    # The person the row stands for (whichever the audience is about).
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attendee = models.ForeignKey(
        Attendee,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mailings_received",
    )
    delegation = models.ForeignKey(
        Delegation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RecipientStatus.choices,
        default=RecipientStatus.PENDING,
        db_index=True,
    )
    outbox = models.ForeignKey(
        OutboxMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resent = models.PositiveSmallIntegerField(_("resent"), default=0)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("mailing recipient")
        verbose_name_plural = _("mailing recipients")
        constraints = [
            models.UniqueConstraint(
                "mailing", "email", name="mailing_recipient_once_per_address"
            )
        ]
        indexes = [models.Index(fields=["mailing", "status"])]

    def __str__(self):
        return f"{self.mailing} → {self.email}"

    @property
    def delivery_status(self) -> str:
        """Sent or failed as the outbox row says, once queued; else the row's own."""
        if self.status != RecipientStatus.QUEUED or self.outbox is None:
            return self.status
        if self.outbox.status == OutboxStatus.DONE:
            return RecipientStatus.SENT
        if self.outbox.status == OutboxStatus.FAILED:
            return RecipientStatus.FAILED
        return RecipientStatus.QUEUED

    def get_delivery_status_display(self) -> str:
        return RecipientStatus(self.delivery_status).label


class MailingJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Queueing messages")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MailingJob(BackgroundJob):
    """Handing one mailing's recipients to the outbox, in batches, with a progress bar.

    Its file is the list of recipients and what was done with each (CSV).
    """

    mailing = models.ForeignKey(
        Mailing,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("mailing"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MailingJobStatus.choices,
        default=MailingJobStatus.QUEUED,
        db_index=True,
    )
    total = models.PositiveIntegerField(_("recipients"), default=0)
    done = models.PositiveIntegerField(_("recipients queued"), default=0)
    report = models.FileField(_("report"), upload_to="mailings/%Y/%m/", blank=True)

    output_field = "report"

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("mailing job")
        verbose_name_plural = _("mailing jobs")

    def __str__(self):
        return f"{self.mailing} · {self.done}/{self.total}"


class MailOptOut(models.Model):
    """An address that asked for no more staff mailings; order, ticket and consent
    e-mails still reach it (they are essential)."""

    email = models.EmailField(_("e-mail"), unique=True)
    created_at = models.DateTimeField(_("unsubscribed at"), auto_now_add=True)
    source = models.CharField(_("how"), max_length=20, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("unsubscribed address")
        verbose_name_plural = _("unsubscribed addresses")

    def __str__(self):
        return self.email
