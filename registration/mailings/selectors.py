"""Who a mailing reaches, and the e-mail log.

`audience_recipients` is the one rule the compose screen, the API and the
scheduled rules share: the attendees of one event are filtered first (ticket
type, extra, order status, delegation, country, check-in, consent, travel),
then turned into the audience's readers (the attendees themselves, their
buyers, their delegations' leaders or their guardians), one per e-mail
address. Orders no longer live (expired, canceled, a pending hold run out)
are left out unless staff ask for those statuses by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from registration.models import (
    LIVE_ORDER_STATUSES,
    Attendee,
    AttendeeExtra,
    Audience,
    Delegation,
    Event,
    Mailing,
    MailingRecipient,
    MailOptOut,
    Order,
    OrderStatus,
)
from registration.orders.selectors import checked_in, consent_missing


@dataclass(frozen=True)
class AudienceFilters:
    """What narrows the audience; empty tuples and None mean "everyone"."""

    ticket_types: tuple[int, ...] = ()
    extras: tuple[int, ...] = ()
    order_statuses: tuple[str, ...] = ()
    delegations: tuple[int, ...] = ()
    countries: tuple[str, ...] = ()
    checked_in: bool | None = None
    consent_outstanding: bool = False
    travel_missing: bool = False

    @classmethod
    def from_json(cls, data: dict | None) -> AudienceFilters:
        data = data or {}
        return cls(
            ticket_types=tuple(int(pk) for pk in data.get("ticket_types", ())),
            extras=tuple(int(pk) for pk in data.get("extras", ())),
            order_statuses=tuple(data.get("order_statuses", ())),
            delegations=tuple(int(pk) for pk in data.get("delegations", ())),
            countries=tuple(data.get("countries", ())),
            checked_in=data.get("checked_in"),
            consent_outstanding=bool(data.get("consent_outstanding")),
            travel_missing=bool(data.get("travel_missing")),
        )

    def as_json(self) -> dict:
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
        }

    @property
    def touches_youth_data(self) -> bool:
        return self.consent_outstanding


@dataclass(frozen=True)
class Recipient:
    """One reader: where the message goes, in which language, about whom."""

    email: str
    language: str
    name: str
    registered_at: datetime
    order: Order | None = None
    attendee: Attendee | None = None
    delegation: Delegation | None = None


def live_orders(now: datetime | None = None) -> Q:
    """Orders still registered: live statuses, without a pending hold run out."""
    now = now or timezone.now()
    return Q(order__status__in=LIVE_ORDER_STATUSES) & ~Q(
        order__status=OrderStatus.PENDING, order__expires_at__lt=now
    )


def travel_missing() -> Q:
    """Attendees without a travel plan, or without its arrival or departure."""
    return (
        Q(travel__isnull=True)
        | Q(travel__arrival_at__isnull=True)
        | Q(travel__departure_at__isnull=True)
    )


def filtered_attendees(
    event: Event, filters: AudienceFilters, *, now: datetime | None = None
) -> QuerySet:
    """The event's attendees the filters keep, oldest registration first."""
    attendees = Attendee.objects.filter(order__event=event)
    if filters.order_statuses:
        attendees = attendees.filter(order__status__in=filters.order_statuses)
    else:
        attendees = attendees.filter(live_orders(now))
    if filters.ticket_types:
        attendees = attendees.filter(ticket_type__in=filters.ticket_types)
    if filters.extras:
        attendees = attendees.filter(
            Exists(
                AttendeeExtra.objects.filter(
                    attendee=OuterRef("pk"), extra__in=filters.extras
                )
            )
        )
    if filters.delegations:
        attendees = attendees.filter(delegation__in=filters.delegations)
    if filters.countries:
        attendees = attendees.filter(country__in=filters.countries)
    if filters.checked_in is not None:
        attendees = attendees.annotate(is_in=checked_in()).filter(
            is_in=filters.checked_in
        )
    if filters.consent_outstanding:
        attendees = attendees.filter(consent_missing())
    if filters.travel_missing:
        attendees = attendees.filter(travel_missing())
    return attendees.select_related(
        "order", "delegation", "youth", "ticket_type"
    ).order_by("order__created_at", "pk")


def _full_name(attendee: Attendee) -> str:
    return f"{attendee.given_name} {attendee.family_name}".strip()


def _readers(audience: str, attendee: Attendee) -> Iterable[Recipient]:
    order = attendee.order
    if audience == Audience.ATTENDEES and attendee.email:
        yield Recipient(
            attendee.email,
            attendee.language,
            _full_name(attendee),
            order.created_at,
            order=order,
            attendee=attendee,
            delegation=attendee.delegation,
        )
    elif audience == Audience.BUYERS:
        yield Recipient(
            order.buyer_email,
            order.language,
            order.buyer_name,
            order.created_at,
            order=order,
        )
    elif audience == Audience.LEADERS:
        delegation = attendee.delegation
        if delegation is not None and delegation.leader_email:
            yield Recipient(
                delegation.leader_email,
                delegation.leader_language,
                delegation.leader_name,
                order.created_at,
                delegation=delegation,
            )
    elif audience == Audience.GUARDIANS:
        youth = getattr(attendee, "youth", None)
        if youth is not None:
            # The guardian reads the language the family registered in, as
            # with the consent e-mails.
            yield Recipient(
                youth.guardian_email,
                order.language,
                youth.guardian_name,
                order.created_at,
                order=order,
                attendee=attendee,
            )


def audience_recipients(
    event: Event,
    audience: str,
    filters: AudienceFilters,
    *,
    now: datetime | None = None,
) -> list[Recipient]:
    """Every reader of the audience, one per e-mail address (the earliest
    registration wins), in registration order; opted-out addresses included
    (sending skips them, the count says how many)."""
    seen: set[str] = set()
    recipients = []
    for attendee in filtered_attendees(event, filters, now=now):
        for recipient in _readers(audience, attendee):
            address = recipient.email.strip().lower()
            if address and address not in seen:
                seen.add(address)
                recipients.append(recipient)
    return recipients


def mailing_recipients(mailing: Mailing, *, now: datetime | None = None):
    """`audience_recipients` of a saved mailing."""
    return audience_recipients(
        mailing.event,
        mailing.audience,
        AudienceFilters.from_json(mailing.filters),
        now=now,
    )


def opted_out(addresses: Iterable[str]) -> set[str]:
    """Which of `addresses` (lower case) unsubscribed from staff mailings."""
    wanted = {address.lower() for address in addresses}
    return set(
        MailOptOut.objects.filter(email__in=wanted).values_list("email", flat=True)
    )


def is_opted_out(address: str) -> bool:
    return MailOptOut.objects.filter(email=address.strip().lower()).exists()


def email_log(
    *,
    event: Event | None = None,
    attendee: Attendee | None = None,
    email: str = "",
    mailing: Mailing | None = None,
    with_youth: bool = False,
) -> QuerySet:
    """Who was sent what, newest first. A person's log is by attendee or address;
    rows of youth mailings (guardians) only `with_youth`."""
    rows = MailingRecipient.objects.select_related(
        "mailing__event", "outbox", "attendee"
    )
    if event is not None:
        rows = rows.filter(mailing__event=event)
    if mailing is not None:
        rows = rows.filter(mailing=mailing)
    if attendee is not None:
        addresses = {a for a in (attendee.email.lower(),) if a}
        rows = rows.filter(Q(attendee=attendee) | Q(email__in=addresses))
    if email:
        rows = rows.filter(email=email.strip().lower())
    if not with_youth:
        rows = rows.exclude(mailing__touches_youth_data=True)
    return rows.order_by("-created_at", "-pk")


def mailing_counts(mailing: Mailing) -> dict[str, int]:
    """How many of a mailing's recipients are in each delivery status."""
    counts = dict.fromkeys(
        ("pending", "queued", "sent", "failed", "bounced", "skipped"), 0
    )
    for row in mailing.recipients.select_related("outbox"):
        counts[row.delivery_status] += 1
    return counts
