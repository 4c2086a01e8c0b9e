"""Staff API tokens: created with 256 random bits, shown once, stored as SHA-256."""

from __future__ import annotations

import secrets

from django.utils import timezone

from registration.audit.services import log_activity
from registration.models import ApiToken, hash_token

TOKEN_PREFIX = "sci_"  # noqa: S105 - a public marker, not a secret


def create_api_token(
    user, *, name: str = "", read_only: bool = False, by=None
) -> tuple[ApiToken, str]:
    """A new token for a staff user: the row and the raw token (never stored).

    Its scope is its user's permissions, narrowed to reading when `read_only`."""
    if not (user.is_active and user.is_staff):
        raise ValueError("API tokens are for active staff users only.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:12],
        key_hash=hash_token(raw),
        read_only=read_only,
    )
    log_activity(
        token,
        action="api_token.created",
        actor=by,
        data={"prefix": token.prefix, "read_only": read_only},
    )
    return token, raw


def revoke_api_token(token: ApiToken, *, by=None) -> ApiToken:
    """Stop a token from working, at once."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log_activity(
            token, action="api_token.revoked", actor=by, data={"prefix": token.prefix}
        )
    return token


def find_token(raw: str) -> ApiToken | None:
    """The live token `raw` is, with its user (active staff only), or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active or not token.user.is_staff:
        return None
    return token
