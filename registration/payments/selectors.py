"""Reads of the payments screens."""

from __future__ import annotations

from django.db.models import QuerySet

from registration.models import (
    Event,
    Order,
    PaymentProvider,
    Refund,
    RefundStatus,
)


def get_bank_refunds_to_send(
    *, event: Event | None = None, order: Order | None = None
) -> QuerySet:
    """Refunds staff still have to send by bank transfer (pending, over a bank
    transfer payment), oldest first, with order and event joined."""
    refunds = Refund.objects.filter(
        status=RefundStatus.PENDING, payment__provider=PaymentProvider.BANK_TRANSFER
    )
    if event is not None:
        refunds = refunds.filter(order__event=event)
    if order is not None:
        refunds = refunds.filter(order=order)
    return refunds.select_related("order__event").order_by("created_at", "pk")
