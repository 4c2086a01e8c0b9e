"""Review before placement and attendee edits after it, until the event's edit
deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from registration.audit.services import log_activity
from registration.catalogue.services import pricing
from registration.columns import column_errors
from registration.errors import (
    OrderError,
    OrderInvalid,
)
from registration.models import (
    Attendee,
    Event,
    Order,
    OrderStatus,
)
from registration.orders.services.actions import action_refusal
from registration.orders.services.requests import (
    ATTENDEE_TEXT_FIELDS,
    AttendeeData,
    BuyerData,
    _composed_badge_name_error,
    badge_name_of,
)
from registration.orders.services.validation import _email_error, _validate


@dataclass(frozen=True)
class OrderPreview:
    """What placing the request would give now: prices and the resulting status."""

    quote: pricing.Quote
    status: str
    payment_method: str


def preview_order(
    event: Event,
    *,
    buyer: BuyerData,
    attendees: list[AttendeeData],
    payment_method: str,
    voucher_code: str | None = None,
    member_code: str | None = None,
    waiting_list_token: str | None = None,
    now: datetime | None = None,
) -> OrderPreview:
    """Validate and price a request without writing anything (the review step).

    Raises the same errors as `place_order` except those decided under the
    locks (SoldOut, Busy); the buyer confirms the total shown, which
    `place_order(expected_total=...)` then checks.
    """
    plan = _validate(
        event,
        buyer=buyer,
        attendees=attendees,
        voucher_code=voucher_code,
        member_code=member_code,
        payment_method=payment_method,
        waiting_list_token=waiting_list_token,
        now=now or timezone.now(),
    )
    return OrderPreview(
        quote=plan.quote, status=plan.status, payment_method=plan.payment_method
    )


def attendee_edit_deadline(event: Event) -> datetime:
    return event.attendee_edit_until or event.starts_at


def can_edit_attendees(order: Order, *, now: datetime | None = None) -> bool:
    """Buyers edit attendee details of live orders until the event's edit cut-off."""
    now = now or timezone.now()
    return order.status in {
        OrderStatus.PENDING,
        OrderStatus.AWAITING_APPROVAL,
        OrderStatus.PAID,
    } and now < attendee_edit_deadline(order.event)


EDITABLE_ATTENDEE_FIELDS = (
    "badge_name",
    "badge_name_latin",
    "given_name",
    "family_name",
    "email",
    "language",
    "organisation",
    "city",
    "country",
)


def update_attendee(
    attendee: Attendee,
    *,
    data: dict[str, str],
    by=None,
    as_staff: bool = False,
    now: datetime | None = None,
) -> Attendee:
    """Change an attendee's personal details (not ticket or extras) before the cut-off.

    Staff (`as_staff`) may change the details of a live order after the buyers'
    cut-off too (a name misspelt on the badge the day before). Raises
    OrderError `edit_closed` when the change is not allowed and OrderInvalid
    naming each bad field. The ActivityLog entry lists the changed field names only.
    """
    order = attendee.order
    if as_staff:
        if refusal := action_refusal(order, "edit_attendee"):
            raise OrderError(refusal.message, code=refusal.code)
    elif not can_edit_attendees(order, now=now):
        raise OrderError(
            _("Attendee details can no longer be changed online; please contact us."),
            code="edit_closed",
        )
    values = {
        name: str(data.get(name, getattr(attendee, name)) or "").strip()
        for name in EDITABLE_ATTENDEE_FIELDS
    }
    values["country"] = values["country"].upper()
    errors = []
    if not values["given_name"]:
        errors.append(
            OrderError(_("Enter the given name."), code="required", field="given_name")
        )
    if error := _email_error(values["email"], path="email", required=False):
        errors.append(error)
    if values["language"] not in {code for code, _name in settings.LANGUAGES}:
        errors.append(
            OrderError(
                _("Choose a language offered."), code="invalid_choice", field="language"
            )
        )
    if values["country"] and values["country"] not in dict(countries):
        errors.append(
            OrderError(_("Choose a country."), code="invalid_choice", field="country")
        )
    errors += column_errors(
        OrderError, Attendee, {name: values[name] for name in ATTENDEE_TEXT_FIELDS}
    )
    if error := _composed_badge_name_error(values, path=""):
        errors.append(error)
    if errors:
        raise OrderInvalid(errors)
    values["badge_name"] = badge_name_of(
        values["badge_name"], values["given_name"], values["family_name"]
    )
    changed = [
        name
        for name, value in values.items()
        if str(getattr(attendee, name) or "") != value
    ]
    if not changed:
        return attendee
    with transaction.atomic():
        for name in changed:
            setattr(attendee, name, values[name])
        attendee.save(update_fields=changed)
        log_activity(
            attendee,
            action="attendee.updated",
            actor=by,
            event=order.event,
            data={"fields": changed},
        )
    return attendee
