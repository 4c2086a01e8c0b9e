"""Staff actions from the admin: extending a hold and resending an order's e-mails."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.errors import (
    OrderError,
)
from registration.models import (
    Order,
    OrderStatus,
)
from registration.orders.services.actions import action_refusal
from registration.orders.services.statuses import _with_capacity
from registration.outbox.services import enqueue_message


def extend_order_hold(
    order: Order,
    *,
    until: datetime,
    by,
    now: datetime | None = None,
    reason: str = "",
) -> Order:
    """Give a pending order more time to pay: its hold (and seats) last until `until`.

    Only pending orders have a hold, and a hold only grows. A hold that has
    already run out (the seats counted as free) is extended only if the seats
    are still free (SoldOut otherwise). Logged as `order.hold_extended`; the
    expiry warning becomes due again for the new date.
    """
    now = now or timezone.now()
    if refusal := action_refusal(order, "extend_hold"):
        raise OrderError(refusal.message, code=refusal.code)
    if until <= now or (order.expires_at is not None and until <= order.expires_at):
        raise OrderError(
            _("Choose a moment later than the current hold and than now."),
            code="invalid",
            field="until",
        )
    previous = order.expires_at

    def write() -> Order:
        Order.objects.filter(pk=order.pk).update(expires_at=until, updated_at=now)
        order.expires_at = until
        log_activity(
            order,
            action="order.hold_extended",
            actor=by,
            event=order.event,
            data={
                "from": previous.isoformat() if previous else None,
                "to": until.isoformat(),
                **({"reason": reason} if reason else {}),
            },
        )
        return order

    if previous is None or previous <= now:
        return _with_capacity(order, now=now, then=write)
    with transaction.atomic():
        return write()


def resend_order_emails(order: Order, *, by) -> list[str]:
    """Queue again the e-mails an order's people should have; the kinds queued.

    Paid: the buyer's confirmation (with tickets) and each attendee's notice.
    Pending or awaiting approval: the buyer's "order received". In both, the
    consent request to each guardian who has not signed yet. Canceled and
    expired orders have nothing to resend (OrderError `nothing_to_resend`).
    Logged as `order.emails_resent` with the kinds and counts, never addresses.
    """
    if refusal := action_refusal(order, "resend"):
        raise OrderError(refusal.message, code=refusal.code)
    attendees = list(
        order.attendees.select_related("ticket_type", "youth__consent").order_by("pk")
    )
    with transaction.atomic():
        entry = log_activity(
            order, action="order.emails_resent", actor=by, event=order.event
        )
        sent: list[str] = []

        def queue(kind: str, payload: dict, suffix: str) -> None:
            enqueue_message(
                f"email.{kind}", payload=payload, key=f"resend:{entry.pk}:{suffix}"
            )
            sent.append(kind)

        if order.status == OrderStatus.PAID:
            queue("order_confirmed", {"order": order.pk}, "order")
            for attendee in attendees:
                if attendee.email:
                    queue(
                        "attendee_notice",
                        {"attendee": attendee.pk},
                        f"attendee:{attendee.pk}",
                    )
        else:
            queue("order_received", {"order": order.pk}, "order")
        for attendee in attendees:
            youth = getattr(attendee, "youth", None)
            if attendee.consent_missing and youth is not None:
                queue("consent_request", {"youth": youth.pk}, f"consent:{youth.pk}")
        entry.data = dict(Counter(sent))
        entry.save(update_fields=["data"])
    return sent
