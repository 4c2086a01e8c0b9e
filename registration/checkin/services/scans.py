"""Door check-in: redeeming badges, and what a device needs to decide offline
(devices and their pairing are in devices.py).

A scan is answered once (DESIGN invariant 6). `redeem_ticket` takes a row lock
on the attendee, reads that attendee's earlier admissions on the list, and
writes one CheckIn row, all in one short transaction; two devices scanning the
same badge at the same moment queue on the lock and exactly one gets `ok`. A
retried request carries the same nonce: the unique (device, nonce) constraint
keeps it to one row and the first answer is given again. Refused scans are
written too, with their reason.

Offline, a device decides from `sync_list` (SHA-256 hashes of the secrets,
never the secrets) and uploads later with `offline` and the original
`scanned_at`; a scan the device admitted is sent `forced`, and when the server
refuses it the row is a conflict for staff (`CheckIn.is_conflict`).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from registration.checkin.services import sql as checkin_sql
from registration.checkin.services.devices import CheckInError
from registration.errors import Busy
from registration.models import (
    Attendee,
    AttendeeExtra,
    CheckIn,
    CheckInList,
    CheckInResult,
    CheckInType,
    Device,
    Event,
    OrderStatus,
    SessionSignup,
)
from registration.orders.services import (
    admitted_orders_q,
    is_lock_timeout,
    order_admits_attendees,
)

SEARCH_LIMIT = 20


def hash_secret(secret: str) -> str:
    """What a device gets instead of a QR secret: its SHA-256 hex digest."""
    return hashlib.sha256(secret.encode()).hexdigest()


# --- Redeeming ---------------------------------------------------------------------


@dataclass(frozen=True)
class ListRules:
    """Who a list admits, loaded once per request outside the lock."""

    ticket_type_ids: frozenset[int]
    extra_ids: frozenset[int]
    # A list tied to a programme session admits its signed-up attendees only.
    session_attendee_ids: frozenset[int] | None = None

    def admits(self, checkin_list: CheckInList, attendee: Attendee, extra_ids) -> bool:
        if self.session_attendee_ids is not None:
            return attendee.pk in self.session_attendee_ids
        if (
            checkin_list.all_ticket_types
            or attendee.ticket_type_id in self.ticket_type_ids
        ):
            return True
        return bool(self.extra_ids.intersection(extra_ids))


def load_list_rules(checkin_list: CheckInList) -> ListRules:
    rules = getattr(checkin_list, "_rules", None)
    if rules is None:
        through_tt = CheckInList.ticket_types.through.objects
        through_ex = CheckInList.extras.through.objects
        rules = ListRules(
            ticket_type_ids=frozenset(
                through_tt.filter(checkinlist_id=checkin_list.pk).values_list(
                    "tickettype_id", flat=True
                )
            ),
            extra_ids=frozenset(
                through_ex.filter(checkinlist_id=checkin_list.pk).values_list(
                    "extra_id", flat=True
                )
            ),
            session_attendee_ids=(
                frozenset(
                    SessionSignup.objects.filter(
                        session_id=checkin_list.session_id
                    ).values_list("attendee_id", flat=True)
                )
                if checkin_list.session_id
                else None
            ),
        )
        checkin_list._rules = rules
    return rules


@dataclass(frozen=True)
class ScanAnswer:
    """The answer to one scan, and the row it wrote (or, for a replay, had written)."""

    check_in: CheckIn
    attendee: Attendee | None
    extras: tuple[str, ...]
    message: str
    previous: CheckIn | None = None
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return self.check_in.result == CheckInResult.OK

    @property
    def code(self) -> str:
        return self.check_in.result


def attendee_flags(attendee: Attendee) -> list[str]:
    """Things a volunteer must see at the door: youth delegate, consent missing."""
    flags = []
    if attendee.ticket_type.is_youth:
        flags.append("youth")
    if attendee.consent_missing:
        flags.append("consent_missing")
    return flags


def attendee_card(attendee: Attendee, extras) -> dict:
    """What a device shows about a person (no youth, medical or passport data)."""
    ticket_type = attendee.ticket_type
    return {
        "id": attendee.pk,
        "name": attendee.badge_name,
        # Latin transliteration of a name in another script; empty otherwise.
        "name_latin": attendee.badge_name_transliteration,
        "given_name": attendee.given_name,
        "family_name": attendee.family_name,
        "ticket_type": ticket_type.name,
        "role": ticket_type.role_label,
        "colour": ticket_type.badge_colour,
        "extras": list(extras),
        "delegation": attendee.delegation.name if attendee.delegation else None,
        "city": attendee.city,
        "country": attendee.country.code or "",
        "organisation": attendee.organisation,
        "flags": attendee_flags(attendee),
    }


def _local_time(moment: datetime, event: Event) -> str:
    return formats.time_format(timezone.localtime(moment, event.tz), "H:i")


def _message(
    code: str,
    *,
    checkin_list: CheckInList,
    attendee: Attendee | None,
    type: str,
    previous: CheckIn | None,
) -> str:
    if code == CheckInResult.OK:
        if type == CheckInType.EXIT:
            return _("Checked out: %(name)s") % {"name": attendee.badge_name}
        return _("Welcome, %(name)s") % {"name": attendee.badge_name}
    if code == CheckInResult.ALREADY_CHECKED_IN and previous is not None:
        return _("Already checked in at %(time)s (%(where)s).") % {
            "time": _local_time(previous.scanned_at, checkin_list.event),
            "where": f"{previous.checkin_list.name}, {previous.device.name}",
        }
    if code == CheckInResult.WRONG_EVENT:
        # Nothing of the other event: neither its name nor its attendee.
        return _("This ticket is for another event.")
    if code == CheckInResult.NOT_ON_LIST:
        return _("This ticket does not admit to %(list)s.") % {
            "list": checkin_list.name
        }
    if code == CheckInResult.LIST_CLOSED:
        return _("%(list)s is closed now.") % {"list": checkin_list.name}
    return {
        CheckInResult.UNKNOWN_TICKET: _("This code matches no ticket."),
        CheckInResult.UNPAID: _("This order is not paid."),
        CheckInResult.CANCELED: _("This ticket was canceled."),
        CheckInResult.BLOCKED: _(
            "This ticket is blocked: send the guest to the help desk."
        ),
        CheckInResult.CONSENT_MISSING: _(
            "Guardian consent is missing: send the delegate to the help desk."
        ),
        CheckInResult.REVOKED: _(
            "This device has been revoked. Ask staff to pair it again."
        ),
        CheckInResult.ALREADY_CHECKED_IN: _("Already checked in."),
    }[code]


def _decide(
    checkin_list: CheckInList,
    *,
    attendee: Attendee,
    on_list: bool,
    type: str,
    scanned_at: datetime,
    last_admission: CheckIn | None,
) -> str:
    """The result code for a known ticket, in the order a volunteer needs them."""
    if attendee.order.event_id != checkin_list.event_id:
        return CheckInResult.WRONG_EVENT
    if not on_list:
        return CheckInResult.NOT_ON_LIST
    if type == CheckInType.EXIT:
        # People may always leave; the scan keeps the headcount right.
        return CheckInResult.OK
    if not checkin_list.is_open_at(scanned_at):
        return CheckInResult.LIST_CLOSED
    status = attendee.order.status
    if status == OrderStatus.CANCELED:
        return CheckInResult.CANCELED
    if attendee.order.tickets_blocked:
        return CheckInResult.BLOCKED
    if not order_admits_attendees(attendee.order):
        return CheckInResult.UNPAID
    if attendee.consent_missing:
        return CheckInResult.CONSENT_MISSING
    if (
        last_admission is not None
        and last_admission.type == CheckInType.ENTRY
        and not checkin_list.allow_reentry
    ):
        return CheckInResult.ALREADY_CHECKED_IN
    return CheckInResult.OK


def redeem_ticket(
    checkin_list: CheckInList,
    *,
    device: Device,
    nonce: str,
    secret: str | None = None,
    attendee_id: int | None = None,
    type: str = CheckInType.ENTRY,
    scanned_at: datetime | None = None,
    offline: bool = False,
    forced: bool = False,
) -> ScanAnswer:
    """Answer one scan of a badge (`secret`) or of a person found by name
    (`attendee_id`) and log it as one CheckIn row.

    The caller has checked that the device may use the list. Side effects: one
    CheckIn row, and nothing else (no write to the device or the attendee).
    A repeated nonce writes nothing and returns the first answer. A lock not
    granted within LOCK_TIMEOUT_SECONDS raises `Busy`.
    """
    if (secret is None) == (attendee_id is None):
        raise CheckInError(_("Send either a secret or an attendee."), field="secret")
    if type == CheckInType.EXIT and not checkin_list.track_exits:
        raise CheckInError(_("This list does not track exits."), field="type")
    now = timezone.now()
    # A device clock a little ahead must not put a scan in the future.
    scanned_at = min(scanned_at or now, now)
    row = CheckIn(
        checkin_list=checkin_list,
        type=type,
        device=device,
        nonce=nonce,
        created_at=now,
        scanned_at=scanned_at,
        offline=offline,
        forced=forced,
        manual=attendee_id is not None,
    )
    attendee = None
    extras: list[tuple[int, str]] = []
    previous = None
    try:
        with transaction.atomic():
            if device.is_revoked:
                row.result = CheckInResult.REVOKED
            else:
                attendee = checkin_sql.lock_scanned_attendee(
                    checkin_list, secret=secret, attendee_id=attendee_id
                )
                if attendee is None:
                    row.result = CheckInResult.UNKNOWN_TICKET
                    row.raw_code = (secret or f"attendee:{attendee_id}")[:100]
                else:
                    replay = _judge_attendee(row, attendee, checkin_list)
                    if replay is not None:
                        return replay_answer(replay, checkin_list=checkin_list)
                    extras = attendee.scan_extras
                    if row.result == CheckInResult.ALREADY_CHECKED_IN:
                        previous = row.previous
            checkin_sql.insert_check_in(row)
    except IntegrityError:
        # The same nonce raced in from a retry: the first row stands.
        existing = CheckIn.objects.filter(device=device, nonce=nonce).first()
        if existing is None:
            raise
        return replay_answer(existing, checkin_list=checkin_list)
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise Busy(_("Too many scans at once; please scan again.")) from exc
        raise
    return _scan_answer(
        row, attendee, checkin_list=checkin_list, extras=extras, previous=previous
    )


def _scan_answer(
    row: CheckIn,
    attendee: Attendee | None,
    *,
    checkin_list: CheckInList,
    extras: list[tuple[int, str]],
    previous: CheckIn | None,
) -> ScanAnswer:
    """The answer to a written scan; the person and their extras only when shown."""
    shown = shown_attendee(row.result, attendee)
    return ScanAnswer(
        check_in=row,
        attendee=shown,
        extras=tuple(name for _pk, name in extras) if shown else (),
        message=_message(
            row.result,
            checkin_list=checkin_list,
            attendee=shown,
            type=row.type,
            previous=previous,
        ),
        previous=previous,
    )


def _judge_attendee(
    row: CheckIn, attendee: Attendee, checkin_list: CheckInList
) -> CheckIn | None:
    """Set the unsaved scan's attendee and result, and `previous` when the person
    is already in; or return the earlier row when this device sent this nonce
    before (a retry), leaving the scan unjudged.

    The caller holds the attendee's row lock, so no other scan of the person is
    judged meanwhile."""
    row.attendee = attendee
    earlier = checkin_sql.earlier_scans(
        attendee, checkin_list, device=row.device, nonce=row.nonce
    )
    replay = next(
        (c for c in earlier if c.device_id == row.device_id and c.nonce == row.nonce),
        None,
    )
    if replay is not None:
        return replay
    last_admission = next((c for c in earlier if c.result == CheckInResult.OK), None)
    row.result = _decide(
        checkin_list,
        attendee=attendee,
        on_list=attendee.on_list,
        type=row.type,
        scanned_at=row.scanned_at,
        last_admission=last_admission,
    )
    if row.result == CheckInResult.ALREADY_CHECKED_IN:
        row.previous = last_admission
    return None


def shown_attendee(result: str, attendee: Attendee | None) -> Attendee | None:
    """The person an answer may show: nobody for a ticket of another event (the
    scan row still names them, for staff)."""
    return None if result == CheckInResult.WRONG_EVENT else attendee


def replay_answer(check_in: CheckIn, *, checkin_list: CheckInList) -> ScanAnswer:
    """The answer a logged scan gave, for a request repeated with its nonce on
    the same list. The nonce of a scan on another list is refused: a retry
    never changes list, and that list may be of an event the device no longer
    serves."""
    if check_in.checkin_list_id != checkin_list.pk:
        raise CheckInError(
            _("This nonce was already used for another scan; send a new one."),
            code="nonce_reused",
            field="nonce",
        )
    check_in = CheckIn.objects.select_related(
        "checkin_list__event",
        "attendee__order__event",
        "attendee__ticket_type",
        "attendee__delegation",
        "attendee__youth__consent",
        "previous__device",
        "previous__checkin_list",
    ).get(pk=check_in.pk)
    attendee = shown_attendee(check_in.result, check_in.attendee)
    extras: tuple[str, ...] = ()
    if attendee is not None:
        extras = tuple(
            attendee.extras.order_by("sort_order", "pk").values_list("name", flat=True)
        )
    return ScanAnswer(
        check_in=check_in,
        attendee=attendee,
        extras=extras,
        message=_message(
            check_in.result,
            checkin_list=check_in.checkin_list,
            attendee=attendee,
            type=check_in.type,
            previous=check_in.previous,
        ),
        previous=check_in.previous,
        replayed=True,
    )


# --- What a device reads -----------------------------------------------------------


def _attendees_of(event: Event) -> QuerySet[Attendee]:
    return Attendee.objects.filter(order__event=event).select_related(
        "order", "ticket_type", "delegation", "youth__consent"
    )


def _extras_by_attendee(attendee_ids) -> dict[int, list[tuple[int, str]]]:
    extras: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        AttendeeExtra.objects.filter(attendee_id__in=attendee_ids)
        .order_by("extra__sort_order", "extra_id")
        .values_list("attendee_id", "extra_id", "extra__name")
    )
    for attendee_id, extra_id, name in rows:
        extras[attendee_id].append((extra_id, name))
    return extras


def last_admissions(checkin_list: CheckInList) -> dict[int, CheckIn]:
    """Each attendee's latest admitted scan (entry or exit) on the list."""
    latest: dict[int, CheckIn] = {}
    rows = (
        CheckIn.objects.filter(
            checkin_list=checkin_list,
            result=CheckInResult.OK,
            attendee__isnull=False,
        )
        .only("attendee_id", "type", "scanned_at")
        .order_by("scanned_at", "pk")
    )
    for row in rows:
        latest[row.attendee_id] = row
    return latest


def _standing(checkin_list, attendee, extra_ids, rules: ListRules) -> str:
    """What the server would answer now for an entry, before the re-entry rule."""
    if not rules.admits(checkin_list, attendee, extra_ids):
        return CheckInResult.NOT_ON_LIST
    if attendee.order.status == OrderStatus.CANCELED:
        return CheckInResult.CANCELED
    if attendee.order.tickets_blocked:
        return CheckInResult.BLOCKED
    if not order_admits_attendees(attendee.order):
        return CheckInResult.UNPAID
    if attendee.consent_missing:
        return CheckInResult.CONSENT_MISSING
    return CheckInResult.OK


def list_config(checkin_list: CheckInList) -> dict:
    event = checkin_list.event
    return {
        "id": checkin_list.pk,
        "name": checkin_list.name,
        "event": {"slug": event.slug, "name": event.name, "time_zone": event.time_zone},
        "opens_at": checkin_list.opens_at,
        "closes_at": checkin_list.closes_at,
        "allow_reentry": checkin_list.allow_reentry,
        "track_exits": checkin_list.track_exits,
    }


def sync_list(checkin_list: CheckInList) -> dict:
    """Everything a device needs to decide offline: per attendee the SHA-256 of
    the secret (never the secret), the card to show, the standing and whether
    they are inside now."""
    rules = load_list_rules(checkin_list)
    attendees = list(_attendees_of(checkin_list.event).order_by("pk"))
    extras = _extras_by_attendee([a.pk for a in attendees])
    latest = last_admissions(checkin_list)
    entries = []
    for attendee in attendees:
        own = extras.get(attendee.pk, [])
        last = latest.get(attendee.pk)
        entries.append(
            {
                "hash": hash_secret(attendee.secret),
                "standing": _standing(
                    checkin_list, attendee, {pk for pk, _n in own}, rules
                ),
                "inside": last is not None and last.type == CheckInType.ENTRY,
                "last_scanned_at": last.scanned_at if last else None,
                "attendee": attendee_card(attendee, [name for _pk, name in own]),
            }
        )
    return {
        "list": list_config(checkin_list),
        "generated_at": timezone.now(),
        "attendees": entries,
    }


def search_attendees(checkin_list: CheckInList, query: str) -> list[dict]:
    """People of the list's event whose name or e-mail contains `query`."""
    query = " ".join(query.split())
    if len(query) < 2:
        return []
    condition = Q()
    for word in query.split(" "):
        condition &= (
            Q(badge_name__icontains=word)
            | Q(badge_name_latin__icontains=word)
            | Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(email__icontains=word)
        )
    attendees = list(
        _attendees_of(checkin_list.event)
        .filter(condition)
        .order_by("family_name", "given_name", "pk")[:SEARCH_LIMIT]
    )
    rules = load_list_rules(checkin_list)
    extras = _extras_by_attendee([a.pk for a in attendees])
    inside = {
        row.attendee_id: row.type == CheckInType.ENTRY
        for row in CheckIn.objects.filter(
            checkin_list=checkin_list,
            result=CheckInResult.OK,
            attendee__in=attendees,
        )
        .only("attendee_id", "type")
        .order_by("scanned_at", "pk")
    }
    return [
        {
            "standing": _standing(
                checkin_list,
                attendee,
                {pk for pk, _n in extras.get(attendee.pk, [])},
                rules,
            ),
            "inside": inside.get(attendee.pk, False),
            "attendee": attendee_card(
                attendee, [name for _pk, name in extras.get(attendee.pk, [])]
            ),
        }
        for attendee in attendees
    ]


# --- What staff read ---------------------------------------------------------------


@dataclass
class Tally:
    label: str
    expected: int = 0
    checked_in: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.checked_in / self.expected) if self.expected else 0


def checkin_dashboard(checkin_list: CheckInList, *, recent: int = 25) -> dict:
    """Checked in versus expected by ticket type and delegation, youth in and
    out, recent scans, refusal reasons and offline conflicts for one list."""
    rules = load_list_rules(checkin_list)
    attendees = list(_attendees_of(checkin_list.event).filter(admitted_orders_q()))
    extras = _extras_by_attendee([a.pk for a in attendees])
    latest = last_admissions(checkin_list)
    entered = set(
        CheckIn.objects.filter(
            checkin_list=checkin_list,
            result=CheckInResult.OK,
            type=CheckInType.ENTRY,
            attendee__isnull=False,
        ).values_list("attendee_id", flat=True)
    )
    total = Tally(_("Everyone"))
    by_type: dict[str, Tally] = {}
    by_delegation: dict[str, Tally] = {}
    youth = Counter()
    for attendee in attendees:
        if not rules.admits(
            checkin_list, attendee, {pk for pk, _n in extras.get(attendee.pk, [])}
        ):
            continue
        came = attendee.pk in entered
        tallies = [
            total,
            by_type.setdefault(
                attendee.ticket_type.name, Tally(attendee.ticket_type.name)
            ),
        ]
        if attendee.delegation:
            tallies.append(
                by_delegation.setdefault(
                    attendee.delegation.name, Tally(attendee.delegation.name)
                )
            )
        for tally in tallies:
            tally.expected += 1
            tally.checked_in += came
        if attendee.ticket_type.is_youth:
            last = latest.get(attendee.pk)
            if last is None:
                youth["not_arrived"] += 1
            elif last.type == CheckInType.ENTRY:
                youth["inside"] += 1
            else:
                youth["outside"] += 1
    scans = CheckIn.objects.filter(checkin_list=checkin_list)
    refusals = [
        (CheckInResult(row["result"]).label, row["n"])
        for row in scans.exclude(result=CheckInResult.OK)
        .values("result")
        .annotate(n=Count("pk"))
        .order_by("-n", "result")
    ]
    return {
        "total": total,
        "by_ticket_type": sorted(by_type.values(), key=lambda t: t.label),
        "by_delegation": sorted(by_delegation.values(), key=lambda t: t.label),
        "youth": {
            "inside": youth["inside"],
            "outside": youth["outside"],
            "not_arrived": youth["not_arrived"],
        },
        "refusals": refusals,
        "recent": list(
            scans.select_related("attendee", "device").order_by("-created_at", "-pk")[
                :recent
            ]
        ),
        "conflicts": list(
            scans.filter(forced=True)
            .exclude(result=CheckInResult.OK)
            .select_related("attendee", "device")
            .order_by("-created_at", "-pk")[:recent]
        ),
    }
