"""OutboxMessage: an e-mail or document job written with the change that causes it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """One durable job. A task does the work after commit and marks it done;
    the periodic loop re-queues rows left pending or stuck, so delivery is at
    least once and `key` keeps a message from being created twice."""

    kind = models.CharField(_("kind"), max_length=60)
    key = models.CharField(
        _("deduplication key"), max_length=200, unique=True, null=True, blank=True
    )
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10,
        choices=OutboxStatus.choices,
        default=OutboxStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    available_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["status", "available_at"])]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"
