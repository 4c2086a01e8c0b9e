"""Door devices: creating one, pairing it with a one-time code, revoking it, and
finding a device and the check-in lists it may use from its token.

A device's token is shown once and stored hashed (`hash_token`); a pairing code
lives for minutes and works once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.checkin.services import sql as checkin_sql
from registration.errors import RegistrationError
from registration.models import (
    CheckInList,
    Device,
    Event,
    hash_token,
)
from registration.tokens import random_code

DEVICE_TOKEN_PREFIX = "dev_"  # noqa: S105 - a public marker, not a secret
PAIRING_CODE_LENGTH = 8  # 31^8: about 40 bits, for minutes, once
PAIRING_MINUTES = 10
# How often a device's "last seen" is written (by sync, never by a scan).
LAST_SEEN_EVERY = timedelta(seconds=60)


class CheckInError(RegistrationError):
    """A check-in request that cannot be handled (as opposed to a refused scan)."""

    default_code = "invalid"


# --- Devices -----------------------------------------------------------------------


def _new_device_token() -> str:
    return DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_device(*, name: str, events: list[Event], by=None) -> tuple[Device, str]:
    """A new device for `events`: the row and its raw token (shown once, stored hashed)."""
    raw = _new_device_token()
    device = Device.objects.create(
        name=name,
        token_prefix=raw[:12],
        token_hash=hash_token(raw),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    device.events.set(events)
    log_activity(
        device,
        action="checkin.device.created",
        actor=by,
        data={"name": name, "events": sorted(e.slug for e in events)},
    )
    return device, raw


def start_pairing(device: Device, *, by=None, minutes: int = PAIRING_MINUTES) -> str:
    """A short code that pairs a phone with `device` once, within `minutes`.

    Pairing gives the phone a new token, so the device's earlier token stops
    working: one device row is one phone.
    """
    if device.is_revoked:
        raise CheckInError(_("A revoked device cannot be paired."), code="revoked")
    code = random_code(PAIRING_CODE_LENGTH)
    device.pairing_code_hash = hash_token(code)
    device.pairing_expires_at = timezone.now() + timedelta(minutes=minutes)
    device.save(update_fields=["pairing_code_hash", "pairing_expires_at"])
    log_activity(device, action="checkin.device.pairing_started", actor=by)
    return code


def normalise_pairing_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def pair_device(code: str) -> tuple[Device, str]:
    """Exchange a pairing code for a new device token; the code works once."""
    digest = hash_token(normalise_pairing_code(code))
    raw = _new_device_token()
    with transaction.atomic():
        device = (
            Device.objects.select_for_update()
            .filter(pairing_code_hash=digest, revoked_at__isnull=True)
            .first()
        )
        if device is None or not device.pairing_open:
            raise CheckInError(
                _(
                    "This pairing code is not valid or has expired. Ask staff for a new one."
                ),
                code="invalid_code",
                field="code",
            )
        device.pairing_code_hash = None
        device.pairing_expires_at = None
        device.token_prefix = raw[:12]
        device.token_hash = hash_token(raw)
        device.paired_at = timezone.now()
        device.save(
            update_fields=[
                "pairing_code_hash",
                "pairing_expires_at",
                "token_prefix",
                "token_hash",
                "paired_at",
            ]
        )
        log_activity(device, action="checkin.device.paired")
    return device, raw


def revoke_device(device: Device, *, by=None) -> Device:
    """Stop a device at once: its token and any open pairing code no longer work."""
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.pairing_code_hash = None
        device.pairing_expires_at = None
        device.save(
            update_fields=["revoked_at", "pairing_code_hash", "pairing_expires_at"]
        )
        log_activity(device, action="checkin.device.revoked", actor=by)
    return device


def find_device_by_token(raw: str) -> Device | None:
    """The device a raw token belongs to (revoked ones included), or None."""
    return checkin_sql.device_by_token_hash(hash_token(raw))


def find_device_and_list(
    raw: str, list_id: int
) -> tuple[Device | None, CheckInList | None]:
    """The device a raw token belongs to (revoked ones included) and the list
    `list_id` if that device may scan for it, in one query: the door's hot path."""
    return checkin_sql.device_and_list(hash_token(raw), list_id)


def record_device_seen(device: Device) -> None:
    """Note that the device is alive, at most once a minute (called by sync)."""
    now = timezone.now()
    if device.last_seen_at and now - device.last_seen_at < LAST_SEEN_EVERY:
        return
    Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    device.last_seen_at = now


def lists_for_device(device: Device) -> QuerySet[CheckInList]:
    """The check-in lists of the device's events."""
    return (
        CheckInList.objects.filter(event__checkin_devices=device)
        .select_related("event")
        .order_by("event__starts_at", "name", "pk")
    )


def get_list_for_device(device: Device, list_id: int) -> CheckInList:
    """The list `list_id` if the device may scan for it; `wrong_event` otherwise."""
    checkin_list = checkin_sql.list_for_device(device, list_id)
    if checkin_list is None:
        raise CheckInError(
            _("This device is not set up for that check-in list."),
            code="wrong_event",
            field="list",
        )
    return checkin_list
