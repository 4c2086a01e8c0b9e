"""Delegation e-mails: the leader's link to the delegation page, and the
combined invoice. Registered with the outbox by name (see
registration/outbox/mail.py)."""

from __future__ import annotations

from registration.models import Delegation, DelegationInvoice, DelegationStatus
from registration.money import format_money
from registration.outbox.mail import Email, delegation_url, register_builders


def delegation_link(payload: dict) -> Email | None:
    delegation = (
        Delegation.objects.select_related("event")
        .filter(pk=payload["delegation"])
        .first()
    )
    if (
        delegation is None
        or not delegation.leader_email
        or delegation.status == DelegationStatus.CANCELED
    ):
        return None
    event = delegation.event
    return Email(
        "delegation_link",
        [delegation.leader_email],
        delegation.leader_language,
        {
            "delegation": delegation,
            "event": event,
            "delegation_url": delegation_url(delegation),
        },
        [event.contact_email] if event.contact_email else [],
    )


def delegation_invoice_issued(payload: dict) -> Email | None:
    from registration.travel.services.delegations import render_delegation_invoice_pdf

    invoice = (
        DelegationInvoice.objects.select_related("delegation__event")
        .filter(pk=payload["invoice"])
        .first()
    )
    if invoice is None or not invoice.delegation.leader_email:
        return None
    delegation = invoice.delegation
    event = delegation.event
    return Email(
        "delegation_invoice_issued",
        [delegation.leader_email],
        delegation.leader_language,
        {
            "delegation": delegation,
            "event": event,
            "invoice": invoice,
            "total": format_money(invoice.total, invoice.currency),
            "delegation_url": delegation_url(delegation),
        },
        [event.contact_email] if event.contact_email else [],
        attachments=[
            (
                f"invoice-{invoice.number}.pdf",
                render_delegation_invoice_pdf(invoice),
                "application/pdf",
            )
        ],
    )


register_builders(
    {
        "delegation_link": delegation_link,
        "delegation_invoice_issued": delegation_invoice_issued,
    }
)
