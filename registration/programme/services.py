"""Signing up for programme sessions, leaving them, and their waiting lists.

A session is never overbooked: the count of its places is read and the
sign-up written in one transaction, under row locks taken in one fixed order
(the attendee, then the sessions by primary key) with the placement's lock
timeout on PostgreSQL; SQLite's IMMEDIATE transaction already serialises
writers. The attendee's row is locked too, so two sign-ups of one person for
overlapping sessions at the same moment cannot both pass the overlap check.

A place is held while the attendee's order holds its seat (paid, or pending
and unexpired: `catalogue.selectors.seat_holding`), so a canceled or expired
order frees its places without anyone leaving.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.errors import Busy, ProgrammeError, SoldOut
from registration.models import (
    Attendee,
    OrderStatus,
    ProgrammeSession,
    SessionSignup,
    SessionWaitlistEntry,
)
from registration.orders.services import is_lock_timeout
from registration.outbox.services import enqueue_message
from registration.programme.selectors import (
    holds_a_place,
    places_left,
    session_allows_ticket_type,
)


def _lock(attendee: Attendee, sessions: list[ProgrammeSession]) -> Attendee:
    """The attendee with its order, read under the locks (see the module's docstring)."""
    query = Attendee.objects.select_related("order")
    if connection.vendor == "postgresql":
        seconds = int(settings.LOCK_TIMEOUT_SECONDS)
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{seconds}s'")
        # FOR UPDATE cannot lock the nullable side of an outer join: own row only.
        query = query.select_for_update(of=("self",))
    locked = query.get(pk=attendee.pk)
    if connection.vendor == "postgresql":
        list(
            ProgrammeSession.objects.select_for_update()
            .filter(pk__in=sorted(s.pk for s in sessions))
            .order_by("pk")
            .values_list("pk")
        )
    return locked


def _busy(exc: OperationalError) -> Exception:
    if is_lock_timeout(exc):
        return Busy(_("Many people are signing up right now; please try again."))
    return exc


def signup_refusal(
    attendee: Attendee,
    session: ProgrammeSession,
    *,
    now: datetime,
    by_staff: bool = False,
) -> ProgrammeError | None:
    """Why `attendee` may not sign up for `session` now, capacity and overlaps
    aside (those are read under the locks); None when they may."""
    order = attendee.order
    if session.event_id != order.event_id:
        return ProgrammeError(
            _("This session is not part of your event."),
            code="wrong_event",
            field="session",
        )
    if order.status in {OrderStatus.CANCELED, OrderStatus.EXPIRED}:
        return ProgrammeError(
            _("This registration is no longer valid."),
            code="order_closed",
            field="session",
        )
    if not holds_a_place(order, now=now):
        return ProgrammeError(
            _("Sessions open once your registration is confirmed."),
            code="not_confirmed",
            field="session",
        )
    if not session_allows_ticket_type(session, attendee.ticket_type_id):
        return ProgrammeError(
            _("%(session)s is not open to your ticket type.")
            % {"session": session.title},
            code="ticket_type_not_allowed",
            field="session",
        )
    if by_staff:
        return None
    if session.signup_opens_at and now < session.signup_opens_at:
        return ProgrammeError(
            _("Sign-up for %(session)s has not opened yet.")
            % {"session": session.title},
            code="signup_not_open",
            field="session",
        )
    if now >= session.starts_at:
        return ProgrammeError(
            _("%(session)s has already started.") % {"session": session.title},
            code="session_started",
            field="session",
        )
    return None


def _raise_if_overlapping(attendee: Attendee, session: ProgrammeSession) -> None:
    clash = (
        ProgrammeSession.objects.filter(
            signups__attendee=attendee,
            starts_at__lt=session.ends_at,
            ends_at__gt=session.starts_at,
        )
        .exclude(pk=session.pk)
        .order_by("starts_at", "pk")
        .first()
    )
    if clash is not None:
        raise ProgrammeError(
            _("%(session)s overlaps %(other)s, which you are signed up for.")
            % {"session": session.title, "other": clash.title},
            code="overlap",
            field="session",
        )


def _raise_if_full(session: ProgrammeSession, *, now: datetime) -> None:
    left = places_left([session], now=now)[session.pk]
    if left is not None and left <= 0:
        raise SoldOut(
            _("%(session)s is full; you may join its waiting list.")
            % {"session": session.title},
            field="session",
        )


def _add(attendee, session, *, by, by_staff: bool, now: datetime) -> SessionSignup:
    """Check and write one sign-up; the caller holds the locks."""
    refusal = signup_refusal(attendee, session, now=now, by_staff=by_staff)
    if refusal is not None:
        raise refusal
    existing = SessionSignup.objects.filter(session=session, attendee=attendee).first()
    if existing is not None:
        # Someone with a place is in no line for it (a promotion never loops).
        SessionWaitlistEntry.objects.filter(session=session, attendee=attendee).delete()
        return existing
    _raise_if_overlapping(attendee, session)
    _raise_if_full(session, now=now)
    signup = SessionSignup.objects.create(
        session=session, attendee=attendee, by_staff=by_staff
    )
    SessionWaitlistEntry.objects.filter(session=session, attendee=attendee).delete()
    log_activity(
        signup,
        action="programme.signed_up",
        actor=by,
        event=session.event,
        data={"session": session.pk, "attendee": attendee.pk, "by_staff": by_staff},
    )
    return signup


def sign_up(
    attendee: Attendee,
    session: ProgrammeSession,
    *,
    by=None,
    by_staff: bool = False,
    now: datetime | None = None,
) -> SessionSignup:
    """Give `attendee` a place in `session`, or refuse.

    Refusals (field `session`): `wrong_event`, `order_closed` (canceled or
    expired order), `not_confirmed` (the order holds no seat), `ticket_type_not_allowed`,
    `signup_not_open`, `session_started` (staff, `by_staff`, pass these two),
    `overlap`; `SoldOut` when the session is full; `Busy` when a lock is not
    granted in time. Signing up again returns the existing place. Logged as
    `programme.signed_up`; a waiting-list entry for the session is dropped.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = _lock(attendee, [session])
            return _add(locked, session, by=by, by_staff=by_staff, now=now)
    except OperationalError as exc:
        raise _busy(exc) from exc


def leave_session(
    attendee: Attendee,
    session: ProgrammeSession,
    *,
    by=None,
    now: datetime | None = None,
) -> bool:
    """Give up `attendee`'s place in `session` (True if there was one), then
    offer it to the session's waiting list. Attendees may leave until the
    session starts; staff (`by` with staff status) at any time."""
    now = now or timezone.now()
    if now >= session.starts_at and not getattr(by, "is_staff", False):
        raise ProgrammeError(
            _("%(session)s has already started.") % {"session": session.title},
            code="session_started",
            field="session",
        )
    try:
        with transaction.atomic():
            _lock(attendee, [session])
            deleted, _rows = SessionSignup.objects.filter(
                session=session, attendee=attendee
            ).delete()
            if deleted:
                log_activity(
                    session,
                    action="programme.left",
                    actor=by,
                    event=session.event,
                    data={"session": session.pk, "attendee": attendee.pk},
                )
    except OperationalError as exc:
        raise _busy(exc) from exc
    if deleted:
        promote_waitlist(session, now=now)
    return bool(deleted)


def move_attendee(
    attendee: Attendee,
    *,
    from_session: ProgrammeSession,
    to_session: ProgrammeSession,
    by,
    now: datetime | None = None,
) -> SessionSignup:
    """Staff move `attendee` from one session to another in one transaction:
    the new place is checked as a staff sign-up (capacity, overlap ignoring the
    session left, ticket type); refused, the old place stays."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = _lock(attendee, [from_session, to_session])
            SessionSignup.objects.filter(session=from_session, attendee=locked).delete()
            signup = _add(locked, to_session, by=by, by_staff=True, now=now)
            log_activity(
                signup,
                action="programme.moved",
                actor=by,
                event=to_session.event,
                data={"from": from_session.pk, "to": to_session.pk},
            )
    except OperationalError as exc:
        raise _busy(exc) from exc
    promote_waitlist(from_session, now=now)
    return signup


def join_session_waitlist(
    attendee: Attendee,
    session: ProgrammeSession,
    *,
    now: datetime | None = None,
) -> SessionWaitlistEntry:
    """Put `attendee` in line for a full session (once). Refused as `sign_up`
    refuses, and with `not_full` while a place is free (sign up instead)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = _lock(attendee, [session])
            refusal = signup_refusal(locked, session, now=now)
            if refusal is not None:
                raise refusal
            if SessionSignup.objects.filter(session=session, attendee=locked).exists():
                raise ProgrammeError(
                    _("You are already signed up for %(session)s.")
                    % {"session": session.title},
                    code="signed_up",
                    field="session",
                )
            left = places_left([session], now=now)[session.pk]
            if left is None or left > 0:
                raise ProgrammeError(
                    _("%(session)s has places left; sign up instead.")
                    % {"session": session.title},
                    code="not_full",
                    field="session",
                )
            entry, _created = SessionWaitlistEntry.objects.get_or_create(
                session=session, attendee=locked
            )
    except OperationalError as exc:
        raise _busy(exc) from exc
    return entry


def leave_session_waitlist(attendee: Attendee, session: ProgrammeSession) -> bool:
    """Take `attendee` out of `session`'s line (True if they were in it)."""
    deleted, _rows = SessionWaitlistEntry.objects.filter(
        session=session, attendee=attendee
    ).delete()
    return bool(deleted)


def promote_waitlist(session: ProgrammeSession, *, now: datetime | None = None) -> int:
    """Give free places of `session` to its waiting list in order; the count.

    Each promotion is its own transaction under the usual locks (the waiting
    attendee first), so it never waits on a lock out of order. Someone who may
    no longer sign up (order closed, overlapping session taken meanwhile) is
    taken out of the line; the promoted are e-mailed (`programme_place`).
    """
    now = now or timezone.now()
    promoted = 0
    while True:
        entry = (
            SessionWaitlistEntry.objects.filter(session=session)
            .select_related("attendee__order")
            .order_by("created_at", "pk")
            .first()
        )
        if entry is None:
            return promoted
        try:
            with transaction.atomic():
                locked = _lock(entry.attendee, [session])
                _add(locked, session, by=None, by_staff=False, now=now)
                enqueue_message(
                    "email.programme_place",
                    payload={"session": session.pk, "attendee": locked.pk},
                    key=f"programme_place:{session.pk}:{locked.pk}",
                )
        except SoldOut:
            return promoted
        except ProgrammeError:
            entry.delete()
            continue
        except IntegrityError:  # pragma: no cover - a concurrent promotion won
            continue
        except OperationalError as exc:
            if is_lock_timeout(exc):
                return promoted
            raise
        promoted += 1


def promote_waitlists(*, now: datetime | None = None) -> int:
    """The periodic loop's pass: places freed by canceled or expired orders go
    to the sessions' waiting lists."""
    now = now or timezone.now()
    sessions = ProgrammeSession.objects.filter(
        waitlist_entries__isnull=False, starts_at__gt=now
    ).distinct()
    return sum(promote_waitlist(session, now=now) for session in sessions)
