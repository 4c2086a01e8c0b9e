"""API tokens of staff users: random, shown once, stored as a SHA-256 hash, revocable.

Wagtail 8 has its own APIToken (HMAC keyed by SECRET_KEY, for its v3 API); ours
is a plain SHA-256 digest (DESIGN: addresses) so a key rotation does not
invalidate integrations.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="registration_api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The first characters, so staff can tell their tokens apart.
    prefix = models.CharField(_("starts with"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # Scope: a read-only token reads what its user may read and
    # changes nothing, for reporting tools that need no more.
    read_only = models.BooleanField(
        _("read only"),
        default=False,
        help_text=_("The token can read but not create, change or delete."),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"
