"""Reads of the programme that the attendee's page, the event page, the API
and the admin share: places left, an event's programme by day, an attendee's
sessions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from registration.catalogue.selectors import seat_holding
from registration.models import (
    AttendanceCertificate,
    Attendee,
    CheckIn,
    CheckInResult,
    CheckInType,
    Event,
    Order,
    OrderStatus,
    ProgrammeSession,
    SessionSignup,
    SessionWaitlistEntry,
)


def holds_a_place(order: Order, *, now: datetime) -> bool:
    """The orders whose attendees may hold session places: the seat rule of orders."""
    if order.status == OrderStatus.PAID:
        return True
    return (
        order.status == OrderStatus.PENDING
        and order.expires_at is not None
        and order.expires_at > now
    )


def held_signups_q(now: datetime, prefix: str = "") -> Q:
    """Sign-ups that hold their place at `now` (their attendee's order holds a seat)."""
    return seat_holding(now, prefix=f"{prefix}attendee__order__")


def session_allows_ticket_type(session: ProgrammeSession, ticket_type_id: int) -> bool:
    allowed = _allowed_ticket_type_ids(session)
    return not allowed or ticket_type_id in allowed


def _allowed_ticket_type_ids(session: ProgrammeSession) -> set[int]:
    cached = getattr(session, "_prefetched_objects_cache", {}).get("ticket_types")
    if cached is not None:
        return {ticket_type.pk for ticket_type in cached}
    return set(session.ticket_types.values_list("pk", flat=True))


def places_left(
    sessions: list[ProgrammeSession], *, now: datetime
) -> dict[int, int | None]:
    """Free places per session id (None: no limit), in one query."""
    taken = dict(
        SessionSignup.objects.filter(held_signups_q(now), session__in=sessions)
        .values("session")
        .annotate(n=Count("pk"))
        .values_list("session", "n")
    )
    return {
        session.pk: (
            None
            if session.capacity is None
            else max(session.capacity - taken.get(session.pk, 0), 0)
        )
        for session in sessions
    }


def sessions_of(event: Event):
    return (
        ProgrammeSession.objects.filter(event=event)
        .prefetch_related("ticket_types")
        .order_by("starts_at", "title", "pk")
    )


@dataclass(frozen=True)
class ProgrammeDay:
    day: date
    sessions: list[ProgrammeSession]


def programme_by_day(
    event: Event, *, now: datetime | None = None
) -> list[ProgrammeDay]:
    """The event's sessions grouped by local day, each with `places_left` set."""
    now = now or timezone.now()
    sessions = list(sessions_of(event))
    left = places_left(sessions, now=now)
    days: dict[date, list[ProgrammeSession]] = defaultdict(list)
    for session in sessions:
        session.places_left = left[session.pk]
        days[timezone.localtime(session.starts_at, event.tz).date()].append(session)
    return [ProgrammeDay(day, days[day]) for day in sorted(days)]


@dataclass(frozen=True)
class SessionChoice:
    """One session as an attendee sees it on their page."""

    session: ProgrammeSession
    places_left: int | None
    signed_up: bool
    waiting: bool
    allowed: bool

    @property
    def full(self) -> bool:
        return self.places_left is not None and self.places_left <= 0


def attendee_programme(
    attendee: Attendee, *, now: datetime | None = None
) -> list[SessionChoice]:
    """Every session of the attendee's event, with their standing in each."""
    now = now or timezone.now()
    sessions = list(sessions_of(attendee.order.event))
    if not sessions:
        return []
    left = places_left(sessions, now=now)
    mine = set(attendee.session_signups.values_list("session_id", flat=True))
    waiting = set(
        SessionWaitlistEntry.objects.filter(attendee=attendee).values_list(
            "session_id", flat=True
        )
    )
    return [
        SessionChoice(
            session=session,
            places_left=left[session.pk],
            signed_up=session.pk in mine,
            waiting=session.pk in waiting,
            allowed=session_allows_ticket_type(session, attendee.ticket_type_id),
        )
        for session in sessions
    ]


def signed_up_sessions(attendee: Attendee):
    """The sessions `attendee` has a place in, in time order."""
    return ProgrammeSession.objects.filter(signups__attendee=attendee).order_by(
        "starts_at", "pk"
    )


def session_attendees(session: ProgrammeSession):
    """The sign-ups of a session with their people, for staff lists and the API."""
    return (
        SessionSignup.objects.filter(session=session)
        .select_related("attendee__order", "attendee__ticket_type")
        .order_by("attendee__family_name", "attendee__given_name", "pk")
    )


def sessions_with_signups(event: Event):
    return sessions_of(event).prefetch_related(
        Prefetch(
            "signups",
            queryset=SessionSignup.objects.select_related("attendee").order_by("pk"),
        )
    )


@dataclass(frozen=True)
class SessionAttendance:
    session: ProgrammeSession
    signed_up: int
    checked_in: int

    @property
    def percent(self) -> int:
        return round(100 * self.checked_in / self.signed_up) if self.signed_up else 0


def admitted_to_sessions_q(prefix: str = "") -> Q:
    """Admissions at the door of a session's own check-in list."""
    return Q(
        **{
            f"{prefix}result": CheckInResult.OK,
            f"{prefix}type": CheckInType.ENTRY,
            f"{prefix}checkin_list__session__isnull": False,
        }
    )


def session_attendance(
    event: Event, *, now: datetime | None = None
) -> list[SessionAttendance]:
    """Per session: people holding a place, and people its lists admitted."""
    now = now or timezone.now()
    sessions = list(sessions_of(event))
    signed = dict(
        SessionSignup.objects.filter(held_signups_q(now), session__in=sessions)
        .values("session")
        .annotate(n=Count("pk"))
        .values_list("session", "n")
    )
    came = dict(
        CheckIn.objects.filter(
            admitted_to_sessions_q(), checkin_list__session__in=sessions
        )
        .values("checkin_list__session")
        .annotate(n=Count("attendee", distinct=True))
        .values_list("checkin_list__session", "n")
    )
    return [
        SessionAttendance(session, signed.get(session.pk, 0), came.get(session.pk, 0))
        for session in sessions
    ]


def attended_sessions(attendee: Attendee) -> list[ProgrammeSession]:
    """The sessions whose own check-in list admitted `attendee`, in time order."""
    return list(
        ProgrammeSession.objects.filter(
            checkin_lists__checkins__attendee=attendee,
            checkin_lists__checkins__result=CheckInResult.OK,
            checkin_lists__checkins__type=CheckInType.ENTRY,
        )
        .distinct()
        .order_by("starts_at", "pk")
    )


def certificate_of(attendee: Attendee) -> AttendanceCertificate | None:
    """The attendee's certificate of attendance, once staff have issued it."""
    return AttendanceCertificate.objects.filter(attendee=attendee).first()
