"""Delegations and travel: members, lists, travel plans, the manifest and
rooming list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    OuterRef,
)

from registration.models import (
    LIVE_ORDER_STATUSES,
    Attendee,
    Event,
)
from registration.orders.selectors import checked_in


def get_delegation_members(delegation) -> list[Attendee]:
    """The delegation's members with their order, ticket, consent and travel, in a
    fixed number of queries. `has_visa_details` says whether passport details are
    on file without loading them; `is_checked_in` whether a door admitted them."""

    from registration.models import VisaDetails

    return list(
        Attendee.objects.filter(delegation=delegation)
        .select_related("order__event", "ticket_type", "youth__consent", "travel")
        .annotate(
            has_visa_details=Exists(
                VisaDetails.objects.filter(attendee=OuterRef("pk"))
            ),
            is_checked_in=checked_in(),
        )
        .order_by("family_name", "given_name", "pk")
    )


def get_delegation_list(event: Event | None = None):
    """Delegations with their member counts, for the admin and the API."""
    from registration.models import Delegation

    queryset = Delegation.objects.select_related("event", "partnership").annotate(
        member_count=Count("members", distinct=True)
    )
    if event is not None:
        queryset = queryset.filter(event=event)
    return queryset.order_by("event__starts_at", "name")


def get_travel_plans(event: Event | None = None):
    """Travel plans of registered attendees (live orders), with who they belong to."""
    from registration.models import TravelPlan

    queryset = TravelPlan.objects.select_related(
        "attendee__order__event", "attendee__delegation", "attendee__ticket_type"
    ).filter(attendee__order__status__in=LIVE_ORDER_STATUSES)
    if event is not None:
        queryset = queryset.filter(attendee__order__event=event)
    return queryset.order_by("arrival_at", "attendee__family_name", "pk")


@dataclass
class ManifestRow:
    """One traveller's arrival or departure, at its airport's local time."""

    plan: object
    attendee: Attendee
    at: datetime  # the actual instant
    local: datetime  # the same instant in the airport's zone
    airport: str
    carrier: str
    number: str

    @property
    def zone_name(self) -> str:
        return self.local.tzname() or ""

    @property
    def clock(self) -> str:
        """ "23:30", local at the airport (the `date` filter would convert to UTC)."""
        return self.local.strftime("%H:%M")


@dataclass
class ManifestSlot:
    """The travellers at one airport within one local hour."""

    airport: str
    hour: int
    rows: list[ManifestRow] = field(default_factory=list)


@dataclass
class ManifestDay:
    day: object  # a date, local to each slot's airport
    slots: list[ManifestSlot] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(slot.rows) for slot in self.slots)


def get_travel_manifest(
    event: Event, *, direction: str = "arrival", pickup_only: bool = False
) -> list[ManifestDay]:
    """Arrivals (or departures) by local day, hour and airport, for pickups.

    Each time is shown in its own airport's zone; a row belongs to the day and
    hour it is at that airport. Days run in calendar order; within a day, slots
    and rows run by the actual instant, so an arrival at 23:30 in Los Angeles
    comes before one at 23:00 in Honolulu (three hours later in real time).
    Two queries whatever the number of travellers.
    """
    from registration.travel.airports import airport_zone

    if direction not in {"arrival", "departure"}:
        raise ValueError(direction)
    plans = get_travel_plans(event).filter(**{f"{direction}_at__isnull": False})
    if pickup_only:
        plans = plans.filter(pickup_needed=True)
    plans = plans.order_by(f"{direction}_at", "attendee__family_name", "pk")
    days: dict = {}
    for plan in plans:
        at = getattr(plan, f"{direction}_at")
        airport = getattr(plan, f"{direction}_airport")
        local = at.astimezone(airport_zone(airport) or event.tz)
        row = ManifestRow(
            plan=plan,
            attendee=plan.attendee,
            at=at,
            local=local,
            airport=airport,
            carrier=getattr(plan, f"{direction}_carrier"),
            number=getattr(plan, f"{direction}_number"),
        )
        slots = days.setdefault(local.date(), {})
        slot = slots.setdefault(
            (airport, local.hour), ManifestSlot(airport=airport, hour=local.hour)
        )
        slot.rows.append(row)
    return [
        ManifestDay(day=day, slots=list(days[day].values())) for day in sorted(days)
    ]


@dataclass
class RoomingGroup:
    lodging_kind: str
    lodging_name: str
    plans: list = field(default_factory=list)


def get_rooming_list(event: Event) -> list[RoomingGroup]:
    """Who sleeps where: travel plans by hotel or host family, then by name."""
    plans = (
        get_travel_plans(event)
        .exclude(lodging_kind="")
        .order_by(
            "lodging_kind",
            "lodging_name",
            "attendee__family_name",
            "attendee__given_name",
            "pk",
        )
    )
    groups: dict[tuple[str, str], RoomingGroup] = {}
    for plan in plans:
        key = (plan.lodging_kind, plan.lodging_name.strip())
        groups.setdefault(key, RoomingGroup(*key)).plans.append(plan)
    return list(groups.values())
