"""What a buyer asks for: the buyer, attendee and youth data an entry point hands to
placement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from registration.catalogue.services import pricing
from registration.errors import (
    OrderError,
)
from registration.models import (
    Attendee,
    Extra,
    MemberOrganisation,
    OrderStatus,
    Question,
    TicketType,
    Voucher,
    WaitingListEntry,
)
from registration.names import default_badge_name

MAX_ATTENDEES_PER_ORDER = 50


@dataclass
class BuyerData:
    name: str
    email: str
    organisation: str = ""
    phone: str = ""
    address: str = ""
    tax_id: str = ""
    language: str = "en"
    # When the buyer agreed to the privacy notice (privacy/services.py);
    # None: not asked.
    privacy_accepted_at: datetime | None = None


@dataclass
class YouthData:
    date_of_birth: date | str | None = None
    guardian_name: str = ""
    guardian_email: str = ""
    guardian_phone: str = ""


@dataclass
class AttendeeData:
    """One attendee of an order; ticket type and extras by id or instance."""

    ticket_type: int | TicketType | None
    given_name: str = ""
    family_name: str = ""
    badge_name: str = ""
    # Optional Latin transliteration of a badge name in another script.
    badge_name_latin: str = ""
    email: str = ""
    language: str = ""
    organisation: str = ""
    city: str = ""
    country: str = ""
    extras: list[int | Extra] = field(default_factory=list)
    # Question id → value (text, number, date as ISO text, list for multiple choice,
    # bool for yes/no).
    answers: dict[int | str, Any] = field(default_factory=dict)
    youth: YouthData | None = None


# The texts of an order and the columns they go to; registration/columns.py
# checks each against its column before anything is written.
BUYER_COLUMNS = {
    "name": "buyer_name",
    "email": "buyer_email",
    "organisation": "buyer_organisation",
    "phone": "buyer_phone",
    "address": "buyer_address",
    "tax_id": "buyer_tax_id",
}
ATTENDEE_TEXT_FIELDS = (
    "badge_name",
    "badge_name_latin",
    "given_name",
    "family_name",
    "email",
    "organisation",
    "city",
)
YOUTH_TEXT_FIELDS = ("guardian_name", "guardian_email", "guardian_phone")


def _texts(data, names) -> dict[str, str]:
    return {name: str(getattr(data, name) or "").strip() for name in names}


def badge_name_of(badge_name: str, given_name: str, family_name: str) -> str:
    """The name printed: as typed, else composed from the given and family names."""
    return badge_name.strip() or default_badge_name(given_name, family_name)


def _composed_badge_name_error(values: dict[str, str], *, path: str):
    """A badge name composed from two long names may not fit its column: the
    person is asked for the name to print rather than given a cut one."""
    if values["badge_name"]:
        return None
    composed = badge_name_of("", values["given_name"], values["family_name"])
    limit = Attendee._meta.get_field("badge_name").max_length
    if len(composed) <= limit:
        return None
    return OrderError(
        _(
            "Name on badge: the given and family names together have %(count)d "
            "characters, and a badge takes at most %(limit)d; enter the name as it "
            "should be printed."
        )
        % {"count": len(composed), "limit": limit},
        code="max_length",
        field=f"{path}badge_name",
    )


@dataclass
class _Plan:
    """A validated request, ready to be written."""

    quote: pricing.Quote
    attendees: list[AttendeeData]
    answers: list[dict[Question, str]]
    youth: list[YouthData | None]
    status: str
    payment_method: str
    voucher: Voucher | None
    member: MemberOrganisation | None
    offer: WaitingListEntry | None

    @property
    def holds_seats(self) -> bool:
        return self.status != OrderStatus.AWAITING_APPROVAL
