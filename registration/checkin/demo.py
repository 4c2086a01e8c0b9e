"""The door check-in part of `manage.py seed_demo` (idempotent): check-in lists
for both demo events, a few conference guests to scan (paid, and one not yet
paid, so both answers can be seen), and a device for the volunteer app at the
conference's doors (so it opens on the conference's main entrance).

Everything goes through the services a real door uses: orders are placed with
`place_order` and paid with `mark_paid_by_transfer`, and the device gets its
token by pairing, so each run prints a fresh link and the last one stops working.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from registration.checkin.services import devices
from registration.errors import RegistrationError
from registration.models import (
    Attendee,
    CheckInList,
    Device,
    Event,
    Order,
    PaymentMethod,
)
from registration.orders.services import AttendeeData, BuyerData, place_order
from registration.payments.services import mark_paid_by_transfer

DEVICE_NAME = "Demo door"
BUYER_EMAIL = "door-demo@sister-cities.example"

# Names as sister cities send them: several scripts, a transliteration under each.
GUESTS = (
    {"given_name": "Amara", "family_name": "Okafor", "country": "NG", "gala": True},
    {
        "given_name": "芳",
        "family_name": "王",
        "badge_name": "王芳",
        "badge_name_latin": "Wang Fang",
        "country": "CN",
        "gala": True,
    },
    {
        "given_name": "ليلى",
        "family_name": "حداد",
        "badge_name": "ليلى حداد",
        "badge_name_latin": "Layla Haddad",
        "country": "JO",
    },
    {"given_name": "Ana", "family_name": "Souza", "country": "BR"},
)
UNPAID_GUEST = {"given_name": "Jonas", "family_name": "Weber", "country": "DE"}


@dataclass
class DemoDoor:
    pairing_link: str
    paid_codes: list[tuple[str, str]]  # (badge name, QR secret)
    unpaid_code: tuple[str, str] | None


def seed_checkin(conference: Event, youth_summit: Event) -> DemoDoor:
    _seed_lists(conference, youth_summit)
    paid = _seed_order(conference, GUESTS, paid_reference="DEMO-DOOR-1")
    unpaid = _seed_order(conference, (UNPAID_GUEST,), paid_reference=None)
    device = (
        Device.objects.filter(name=DEVICE_NAME, revoked_at__isnull=True).first()
        or devices.create_device(name=DEVICE_NAME, events=[conference])[0]
    )
    _device, token = devices.pair_device(devices.start_pairing(device))
    return DemoDoor(
        pairing_link=f"{settings.SITE_URL}/checkin/#token={token}",
        paid_codes=[(a.badge_name, a.secret) for a in paid],
        unpaid_code=next(((a.badge_name, a.secret) for a in unpaid), None),
    )


def _seed_lists(conference: Event, youth_summit: Event) -> None:
    CheckInList.objects.get_or_create(
        event=conference,
        name="Entrance",
        defaults={"all_ticket_types": True, "allow_reentry": False},
    )
    gala, created = CheckInList.objects.get_or_create(
        event=conference,
        name="Gala dinner",
        defaults={"all_ticket_types": False, "allow_reentry": False},
    )
    if created:
        gala.extras.set(conference.extras.filter(name="Gala dinner"))
    # Youth headcounts: volunteers scan delegates out and back in on trips.
    CheckInList.objects.get_or_create(
        event=youth_summit,
        name="Summit hall",
        defaults={"all_ticket_types": True, "allow_reentry": True, "track_exits": True},
    )


def _seed_order(event: Event, guests, *, paid_reference: str | None) -> list[Attendee]:
    """One order for `guests` (placed once, paid by transfer when `paid_reference`
    is given); its attendees, or none if it cannot be placed."""
    family = {g["family_name"] for g in guests}
    existing = Order.objects.filter(
        event=event, buyer_email=BUYER_EMAIL, attendees__family_name__in=family
    ).first()
    if existing is None:
        existing = _place(event, guests, paid_reference=paid_reference)
    return list(existing.attendees.order_by("pk")) if existing else []


def _place(event: Event, guests, *, paid_reference: str | None) -> Order | None:
    ticket = event.ticket_types.filter(name="Delegate").first()
    gala = event.extras.filter(name="Gala dinner").first()
    dietary = event.questions.filter(label="Dietary needs").first()
    attendees = [
        AttendeeData(
            ticket_type=ticket,
            given_name=guest["given_name"],
            family_name=guest["family_name"],
            badge_name=guest.get("badge_name", ""),
            badge_name_latin=guest.get("badge_name_latin", ""),
            country=guest["country"],
            extras=[gala] if gala and guest.get("gala") else [],
            answers={dietary.pk: "No special diet"} if dietary else {},
        )
        for guest in guests
    ]
    try:
        order = place_order(
            event,
            buyer=BuyerData(
                name="Door demo",
                email=BUYER_EMAIL,
                privacy_accepted_at=timezone.now(),
            ),
            attendees=attendees,
            payment_method=PaymentMethod.INVOICE,
        )
        if paid_reference:
            mark_paid_by_transfer(order, reference=paid_reference, by=None)
    except RegistrationError:
        # Registration closed or sold out: the door demo has no guests to scan.
        return None
    return order
