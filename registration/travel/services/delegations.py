"""Delegations: the leader's secret link, members added through the order
service, a member's details edited or the member substituted by another person
(through the orders service's edit and transfer, with their cut-off), closing
the list and the delegation's combined invoice (DESIGN flow 6).

Billing, as chosen per delegation:
- "delegation_invoice": each member added goes on an order of its own, placed
  with the invoice payment method and the leader as buyer. When the leader
  closes the list, one DelegationInvoice covers every member order still
  unpaid and holding its seats, and their holds last until it is due. A member
  added after the close gets an ordinary invoice of their own at once.
- "each_pays": the member is the buyer of their own card order; the
  order-received e-mail carries their order page link, where they pay. The
  hold lasts the event's payment term rather than a card's 30 minutes.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.documents.services import rendering as documents
from registration.errors import OrderError, OrderInvalid, RegistrationError
from registration.models import (
    Attendee,
    Delegation,
    DelegationBilling,
    DelegationInvoice,
    DelegationStatus,
    InvoiceStatus,
    Order,
    OrderStatus,
    PaymentMethod,
)
from registration.money import format_money
from registration.orders.services import (
    AttendeeData,
    BuyerData,
    TransferData,
    extend_order_hold,
    place_order,
    transfer_ticket,
    update_attendee,
)
from registration.outbox.services import enqueue_message
from registration.payments import services as payments
from registration.payments.models import INVOICE_TRANSITIONS
from registration.payments.numbering import next_document_number
from registration.reader import for_reader, reader_language
from registration.tokens import SECRET_LENGTH
from registration.travel.models import DELEGATION_TRANSITIONS


class DelegationError(RegistrationError):
    default_code = "invalid"


def find_delegation(secret: str) -> Delegation | None:
    """The delegation whose leader link carries `secret`; None for a wrong or cut one."""
    if len(secret or "") != SECRET_LENGTH:
        return None
    delegation = (
        Delegation.objects.select_related("event").filter(secret=secret).first()
    )
    if delegation is None or not secrets.compare_digest(delegation.secret, secret):
        return None
    return delegation


# --- Members --------------------------------------------------------------------


def _member_field(field: str | None) -> str | None:
    """An order error's field as the member form names it."""
    if field is None:
        return None
    if field.startswith("attendees.0."):
        return field.removeprefix("attendees.0.")
    return {"buyer.email": "email", "buyer.name": "given_name"}.get(field, field)


def _remap(error: OrderError) -> OrderError:
    return type(error)(error.message, code=error.code, field=_member_field(error.field))


def _member_errors(errors: list[OrderError]) -> list[OrderError]:
    """The order's errors on the member form. A buyer field made of the member's
    own (name, e-mail) fails with it: the member field's error is kept alone."""
    kept, seen = [], set()
    for error in sorted(errors, key=lambda e: (e.field or "").startswith("buyer.")):
        remapped = _remap(error)
        if (remapped.field, remapped.code) not in seen:
            seen.add((remapped.field, remapped.code))
            kept.append(remapped)
    return kept


def _buyer(delegation: Delegation, member: AttendeeData) -> BuyerData:
    if delegation.billing == DelegationBilling.EACH_PAYS:
        # The member pays: the order is addressed to them by name. A name
        # composed of two long ones may pass the order's column by a character
        # or so; it is fitted rather than refused, as nobody typed it (the
        # badge name, which is printed, is checked whole).
        limit = Order._meta.get_field("buyer_name").max_length
        return BuyerData(
            name=f"{member.given_name.strip()} {member.family_name.strip()}"[
                :limit
            ].strip(),
            email=member.email,
            organisation=delegation.name,
            language=member.language or delegation.leader_language,
        )
    return BuyerData(
        name=delegation.leader_name or delegation.name,
        email=delegation.leader_email,
        organisation=delegation.name,
        address=delegation.billing_address,
        tax_id=delegation.billing_tax_id,
        language=delegation.leader_language,
    )


def add_member(
    delegation: Delegation,
    *,
    member: AttendeeData,
    by=None,
    now: datetime | None = None,
) -> Order:
    """Register one member of the delegation through `place_order`; their order.

    The member's city and country default to the delegation's home. Raises
    DelegationError (`delegation_canceled`, `leader_email_missing`),
    OrderInvalid with the member form's field names (`given_name`, `email`,
    `ticket_type`, `answers.12`, `youth.date_of_birth`), SoldOut or Busy.
    After the list was closed, an invoiced member's order is invoiced at once.
    """
    now = now or timezone.now()
    if delegation.status == DelegationStatus.CANCELED:
        raise DelegationError(
            _("This delegation was canceled."), code="delegation_canceled"
        )
    each_pays = delegation.billing == DelegationBilling.EACH_PAYS
    if each_pays and not member.email.strip():
        raise OrderInvalid(
            [
                OrderError(
                    _("Enter the member's e-mail: their payment link goes there."),
                    code="required",
                    field="email",
                )
            ]
        )
    if not each_pays and not delegation.leader_email:
        raise DelegationError(
            _("The delegation needs a leader's e-mail address first."),
            code="leader_email_missing",
            field="leader_email",
        )
    member = replace(
        member,
        city=member.city or delegation.home_city,
        country=member.country or str(delegation.home_country),
    )
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        try:
            # While the list is open the combined invoice (close_delegation)
            # will cover the order; after the close it is invoiced as placed.
            order = place_order(
                delegation.event,
                buyer=_buyer(delegation, member),
                attendees=[member],
                payment_method=PaymentMethod.CARD
                if each_pays
                else PaymentMethod.INVOICE,
                billing=None if each_pays else _billing_data(delegation),
                invoice=delegation.status == DelegationStatus.CLOSED,
                by=by,
                now=now,
            )
        except OrderInvalid as exc:
            raise OrderInvalid(_member_errors(exc.errors)) from exc
        except OrderError as exc:
            raise _remap(exc) from exc
        Attendee.objects.filter(order=order).update(delegation=delegation)
        log_activity(
            delegation,
            action="delegation.member_added",
            actor=by,
            event=delegation.event,
            data={"order": order.code},
        )
        if order.status == OrderStatus.PENDING and each_pays:
            _lengthen_live_hold(
                order,
                until=now + timedelta(days=delegation.event.payment_term_days),
                by=by,
                reason="delegation member pays by link",
            )
    return order


def _check_member(delegation: Delegation, attendee: Attendee) -> None:
    if attendee.delegation_id != delegation.pk:
        raise DelegationError(
            _("This person is not a member of the delegation."), code="not_member"
        )
    if delegation.status == DelegationStatus.CANCELED:
        raise DelegationError(
            _("This delegation was canceled."), code="delegation_canceled"
        )


def update_member(
    delegation: Delegation,
    attendee: Attendee,
    *,
    data: dict[str, str],
    by=None,
    now: datetime | None = None,
) -> Attendee:
    """The leader corrects a member's details, as a buyer would (`update_attendee`,
    until the self-service cut-off). Raises DelegationError (`not_member`,
    `delegation_canceled`), OrderError `edit_closed` or OrderInvalid."""
    _check_member(delegation, attendee)
    return update_attendee(attendee, data=data, by=by, now=now)


def substitute_member(
    delegation: Delegation,
    attendee: Attendee,
    *,
    to: TransferData,
    by=None,
    now: datetime | None = None,
) -> Attendee:
    """The leader sends another person in a member's place: `transfer_ticket` with
    its rules (cut-off, not checked in, youth consent anew) and e-mails; the
    delegation's log says who was substituted by whom."""
    _check_member(delegation, attendee)
    old = attendee.badge_name
    with transaction.atomic():
        transfer_ticket(attendee, to=to, by=by, now=now)
        log_activity(
            delegation,
            action="delegation.member_substituted",
            actor=by,
            event=delegation.event,
            data={"attendee": attendee.pk, "old": old, "new": attendee.badge_name},
        )
    return attendee


# --- Closing the list and the combined invoice --------------------------------------


def _billing_data(delegation: Delegation) -> payments.BillingData:
    return payments.BillingData(
        name=delegation.billing_name or delegation.name,
        address=delegation.billing_address,
        tax_id=delegation.billing_tax_id,
        po_number=delegation.billing_po_number,
        email=delegation.leader_email,
    )


def _invoice_lines(orders: list[Order]) -> list[dict]:
    lines = []
    for order in orders:
        for attendee in order.attendees.all():
            person = attendee.badge_name or attendee.given_name
            lines.append(
                {
                    "description": f"{attendee.ticket_type.name} – {person} ({order.code})",
                    "amount": str(attendee.price),
                }
            )
            for bought in attendee.attendeeextra_set.all():
                lines.append(
                    {
                        "description": f"{bought.extra.name} – {person}",
                        "amount": str(bought.price),
                    }
                )
    return lines


def invoiceable_orders(delegation: Delegation, *, now: datetime):
    """Member orders the combined invoice covers: invoice orders, unpaid, still holding
    their seats, and on no invoice yet."""
    return (
        Order.objects.filter(
            attendees__delegation=delegation,
            status=OrderStatus.PENDING,
            payment_method=PaymentMethod.INVOICE,
            total__gt=0,
            expires_at__gt=now,
            invoices__isnull=True,
            delegation_invoices__isnull=True,
        )
        .distinct()
        .order_by("pk")
    )


def close_delegation(
    delegation: Delegation,
    *,
    billing: payments.BillingData | None = None,
    by=None,
    now: datetime | None = None,
) -> DelegationInvoice | None:
    """The leader closes the list; for "delegation_invoice" the combined invoice is issued.

    `billing` (name and address to invoice) is stored on the delegation; it
    defaults to what the delegation has. The invoice covers `invoiceable_orders`
    and is due after the event's payment term; the holds of its orders last
    until the end of that day. Raises DelegationError (`not_open`) or
    PaymentInvalid (`billing.name`, `billing.address`, ...). Returns the
    invoice, or None when there was nothing to invoice.
    """
    now = now or timezone.now()
    invoiced = delegation.billing == DelegationBilling.DELEGATION_INVOICE
    if invoiced:
        billing = billing or _billing_data(delegation)
        payments.check_billing(billing)
    with transaction.atomic():
        delegation = (
            Delegation.objects.select_for_update()
            .select_related("event")
            .get(pk=delegation.pk)
        )
        if delegation.status != DelegationStatus.OPEN:
            raise DelegationError(
                _("The list of this delegation is already closed."), code="not_open"
            )
        fields = ["status", "closed_at"]
        if invoiced:
            delegation.billing_name = billing.name.strip()
            delegation.billing_address = billing.address.strip()
            delegation.billing_tax_id = billing.tax_id.strip()
            delegation.billing_po_number = billing.po_number.strip()
            fields += [
                "billing_name",
                "billing_address",
                "billing_tax_id",
                "billing_po_number",
            ]
        payments.check_status_move(
            delegation, to=DelegationStatus.CLOSED, table=DELEGATION_TRANSITIONS
        )
        delegation.status = DelegationStatus.CLOSED
        delegation.closed_at = now
        delegation.save(update_fields=fields)
        invoice = (
            _issue_combined_invoice(delegation, by=by, now=now) if invoiced else None
        )
        log_activity(
            delegation,
            action="delegation.closed",
            actor=by,
            event=delegation.event,
            data={"invoice": invoice.number if invoice else None},
        )
    return invoice


def _issue_combined_invoice(
    delegation: Delegation, *, by, now: datetime
) -> DelegationInvoice | None:
    event = delegation.event
    ids = list(invoiceable_orders(delegation, now=now).values_list("pk", flat=True))
    orders = list(
        Order.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=Attendee.objects.select_related("ticket_type")
                .prefetch_related("attendeeextra_set__extra")
                .order_by("pk"),
            )
        )
    )
    if not orders:
        return None
    issued_on = timezone.localtime(now, event.tz).date()
    due_on = issued_on + timedelta(days=event.payment_term_days)
    numbered = next_document_number("invoice", issued_on.year)
    invoice = DelegationInvoice.objects.create(
        delegation=delegation,
        number=numbered.number,
        year=numbered.year,
        sequence=numbered.sequence,
        issued_on=issued_on,
        due_on=due_on,
        billing_name=delegation.billing_name,
        billing_address=delegation.billing_address,
        tax_id=delegation.billing_tax_id,
        po_number=delegation.billing_po_number,
        currency=event.currency,
        total=sum((order.total for order in orders), Decimal("0")),
        lines=_invoice_lines(orders),
    )
    invoice.orders.set(orders)
    hold_until = timezone.make_aware(datetime.combine(due_on, time(23, 59)), event.tz)
    for order in orders:
        _lengthen_live_hold(
            order, until=hold_until, by=by, reason=f"invoice {invoice.number}"
        )
    enqueue_message(
        "email.delegation_invoice_issued",
        payload={"invoice": invoice.pk},
        key=f"delegation_invoice_issued:{invoice.pk}",
    )
    return invoice


def mark_delegation_invoice_paid(
    invoice: DelegationInvoice, *, reference: str, by, now: datetime | None = None
) -> DelegationInvoice:
    """Staff record the bank transfer that pays the combined invoice: every order on it
    is paid (one payment row each, through the payments service), all or none.

    Raises PaymentError (`required`, `not_payable`) or SoldOut when an order
    whose hold ran out has lost its seats (nothing is recorded then).
    """
    now = now or timezone.now()
    reference = reference.strip()
    if not reference:
        raise payments.PaymentError(
            _("Enter the bank reference."), code="required", field="reference"
        )
    with transaction.atomic():
        invoice = DelegationInvoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.status != InvoiceStatus.ISSUED:
            raise payments.PaymentError(
                _("Only an unpaid invoice can be marked paid."), code="not_payable"
            )
        for order in invoice.orders.filter(
            status__in=[OrderStatus.PENDING, OrderStatus.EXPIRED]
        ).order_by("pk"):
            payments.mark_paid_by_transfer(
                order, reference=f"{reference} ({invoice.number})", by=by, now=now
            )
        payments.check_status_move(
            invoice, to=InvoiceStatus.PAID, table=INVOICE_TRANSITIONS
        )
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = now
        invoice.paid_reference = reference[:200]
        invoice.save(update_fields=["status", "paid_at", "paid_reference"])
        log_activity(
            invoice.delegation,
            action="delegation.invoice_paid",
            actor=by,
            event=invoice.delegation.event,
            data={"invoice": invoice.number, "reference": reference},
        )
    return invoice


@functools.cache
def _invoice_stylesheets() -> tuple[str, ...]:
    return (
        render_to_string(
            "documents/invoices/invoice.css", {"font_stack": documents.FONT_STACK}
        ),
    )


def render_delegation_invoice_pdf(invoice: DelegationInvoice) -> bytes:
    """The combined invoice as issued (its frozen lines), on the invoice layout, in
    the leader's language."""
    from django.conf import settings

    delegation = invoice.delegation
    with for_reader(reader_language(delegation.leader_language), delegation.event.tz):
        return _render_delegation_invoice_pdf(invoice, settings)


def _render_delegation_invoice_pdf(invoice: DelegationInvoice, settings) -> bytes:
    html = render_to_string(
        "documents/invoices/delegation_invoice.html",
        {
            "invoice": invoice,
            "delegation": invoice.delegation,
            "event": invoice.delegation.event,
            "lines": [
                {
                    "description": line["description"],
                    "amount": format_money(Decimal(line["amount"]), invoice.currency),
                }
                for line in invoice.lines
            ],
            "total": format_money(invoice.total, invoice.currency),
        },
    )
    return documents.render_pdf(
        html,
        base_url=str(settings.BASE_DIR / "templates" / "documents" / "assets") + "/",
        stylesheets=_invoice_stylesheets(),
    )


# --- The leader's link ---------------------------------------------------------------


def send_leader_link(delegation: Delegation, *, by=None) -> None:
    """E-mail the leader the link to the delegation page (again, each time staff ask)."""
    if not delegation.leader_email:
        raise DelegationError(
            _("Enter the leader's e-mail address first."),
            code="leader_email_missing",
            field="leader_email",
        )
    enqueue_message(
        "email.delegation_link",
        payload={"delegation": delegation.pk},
        key=f"delegation_link:{delegation.pk}:{secrets.token_hex(8)}",
    )
    log_activity(
        delegation,
        action="delegation.link_sent",
        actor=by,
        event=delegation.event,
        data={},
    )


def delegation_created(delegation: Delegation, *, by=None) -> None:
    """Staff created a delegation: a leader with an e-mail address gets the link."""
    log_activity(
        delegation, action="delegation.created", actor=by, event=delegation.event
    )
    if delegation.leader_email:
        send_leader_link(delegation, by=by)


def _lengthen_live_hold(order: Order, *, until: datetime, by, reason: str) -> None:
    """Move a pending order's live hold later, through orders.extend_order_hold.

    A hold that has already run out is left alone (its places may have gone to
    someone else), as is one that already lasts longer.
    """
    now = timezone.now()
    if (
        order.status != OrderStatus.PENDING
        or order.expires_at is None
        or order.expires_at <= now
        or order.expires_at >= until
    ):
        return
    extend_order_hold(order, until=until, by=by, now=now, reason=reason)
