"""Vouchers made in bulk: N codes with a prefix and the same settings."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.errors import RegistrationError
from registration.models import Event, TicketType, Voucher, VoucherKind

MAX_BULK_VOUCHERS = 1000
# No look-alike characters (0/O, 1/I/L), so a code read aloud or typed is right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SUFFIX_LENGTH = 8


class VoucherError(RegistrationError):
    default_code = "invalid"


@dataclass(frozen=True)
class VoucherSettings:
    """What every voucher of a batch shares."""

    kind: str
    value: Decimal
    ticket_types: tuple[TicketType, ...] = field(default_factory=tuple)
    max_uses: int | None = 1
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    unlocks_hidden_tickets: bool = False
    note: str = ""


def _random_suffix() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(SUFFIX_LENGTH))


def create_vouchers(
    event: Event,
    *,
    count: int,
    prefix: str,
    settings: VoucherSettings,
    by,
    draw: Callable[[], str] = _random_suffix,
) -> list[Voucher]:
    """Create `count` vouchers `<PREFIX>-<8 random characters>` with `settings`.

    Codes are unique within the event (case-insensitive, as the model's
    constraint says); a random suffix that collides is drawn again (`draw`
    gives the suffixes; tests pass a fixed sequence). Raises
    VoucherError naming the field (`count`, `prefix`, `value`, `ticket_types`).
    Logged once as `voucher.bulk_created` with the count and prefix.
    """
    prefix = prefix.strip().upper()
    _check_batch(event, count=count, prefix=prefix, settings=settings)
    with transaction.atomic():
        codes = _unused_codes(event, prefix=prefix, count=count, draw=draw)
        vouchers = Voucher.objects.bulk_create(
            [
                Voucher(
                    event=event,
                    code=code,
                    kind=settings.kind,
                    value=settings.value,
                    max_uses=settings.max_uses,
                    valid_from=settings.valid_from,
                    valid_until=settings.valid_until,
                    unlocks_hidden_tickets=settings.unlocks_hidden_tickets,
                    note=settings.note,
                )
                for code in codes
            ]
        )
        if settings.ticket_types:
            # bulk_create sets primary keys on PostgreSQL and SQLite 3.35+.
            through = Voucher.ticket_types.through
            through.objects.bulk_create(
                [
                    through(voucher_id=voucher.pk, tickettype_id=tt.pk)
                    for voucher in vouchers
                    for tt in settings.ticket_types
                ]
            )
        log_activity(
            event,
            action="voucher.bulk_created",
            actor=by,
            event=event,
            data={"count": count, "prefix": prefix},
        )
    return vouchers


def _check_batch(
    event: Event, *, count: int, prefix: str, settings: VoucherSettings
) -> None:
    """Refuse a batch that cannot be made, naming the field (VoucherError)."""
    if not 1 <= count <= MAX_BULK_VOUCHERS:
        raise VoucherError(
            _("Create between 1 and %(n)s vouchers at a time.")
            % {"n": MAX_BULK_VOUCHERS},
            field="count",
        )
    if not prefix or not all(
        c.isascii() and (c.isalnum() or c in "-_") for c in prefix
    ):
        raise VoucherError(
            _("Use letters, digits, hyphens and underscores only."), field="prefix"
        )
    if len(prefix) > 40 - SUFFIX_LENGTH - 1:
        raise VoucherError(
            _("Use at most %(n)s characters.") % {"n": 40 - SUFFIX_LENGTH - 1},
            field="prefix",
        )
    if settings.value < 0 or (
        settings.kind == VoucherKind.PERCENT and settings.value > 100
    ):
        raise VoucherError(
            _("A percentage is between 0 and 100; amounts are not negative."),
            field="value",
        )
    if any(tt.event_id != event.pk for tt in settings.ticket_types):
        raise VoucherError(
            _("Choose only ticket types of the voucher's event."), field="ticket_types"
        )


def _unused_codes(
    event: Event, *, prefix: str, count: int, draw: Callable[[], str]
) -> list[str]:
    """`count` codes `<prefix>-<suffix>` unused in the event (any case), redrawn on a clash."""
    taken = set(
        Voucher.objects.filter(event=event, code__istartswith=f"{prefix}-")
        .annotate(lower=Lower("code"))
        .values_list("lower", flat=True)
    )
    codes: list[str] = []
    while len(codes) < count:
        code = f"{prefix}-{draw()}"
        if code.lower() not in taken:
            taken.add(code.lower())
            codes.append(code)
    return codes
