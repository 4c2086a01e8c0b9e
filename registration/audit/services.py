"""Writes ActivityLog entries; every state-changing service calls log_activity."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from registration.models import ActivityLog


def log_activity(
    subject: models.Model,
    *,
    action: str,
    actor=None,
    event=None,
    data: dict | None = None,
) -> ActivityLog:
    """Record that `actor` (None: the system) did `action` to `subject`.

    `data` must hold no youth, medical or passport values (DESIGN invariant 7).
    """
    return ActivityLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=str(subject.pk),
        event=event,
        data=data or {},
    )
