"""The ActivityLog: who changed what, when, with which (non-sensitive) data."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityLog(models.Model):
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=80)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=40)
    subject = GenericForeignKey("content_type", "object_id")
    event = models.ForeignKey(
        "registration.Event",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # Never youth, medical or passport values (DESIGN invariant 7).
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("activity log entry")
        verbose_name_plural = _("activity log")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.action} {self.content_type.model} {self.object_id}"
