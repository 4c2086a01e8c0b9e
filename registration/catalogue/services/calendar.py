"""iCalendar (RFC 5545) files: an event, and one attendee's programme.

Times are written in UTC (`DTSTART:20270715T130000Z`), which every calendar
converts to its reader's zone and which needs no VTIMEZONE block; the
description repeats them in the event's own zone with its abbreviation. Lines
end in CRLF and are folded at 75 octets without splitting a character.

Extras have no times of their own, so an attendee's programme is the event's
days, each from the event's daily start to its daily end, with the ticket
type and extras in the description, and then each programme session the
attendee signed up for at its own times (its room as the location).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.models import Attendee, Event, ProgrammeSession
from registration.reader import for_reader, format_with_zone, reader_language

PRODUCT_ID = "-//Sister Cities International//SCI Events//EN"


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, newlines as \\n."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold_line(line: str) -> str:
    """One content line folded into CRLF-separated pieces of at most 75 octets."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        # Continuation lines start with a space, which counts towards their 75.
        limit = 75 if not pieces else 74
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _location(event: Event) -> str:
    parts = (event.venue, event.address, event.city, event.country.name)
    return ", ".join(part for part in parts if part)


def _vevent(
    *,
    uid: str,
    starts: datetime,
    ends: datetime,
    summary: str,
    description: str,
    location: str,
    url: str,
    stamp: datetime,
) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(starts)}",
        f"DTEND:{_utc(ends)}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if url:
        lines.append(f"URL:{url}")
    lines.append("END:VEVENT")
    return lines


def _calendar(name: str, events: Iterable[list[str]]) -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for vevent in events:
        lines.extend(vevent)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold_line(line) for line in lines) + "\r\n").encode()


def _local_span(event: Event) -> str:
    """ "From 15 July 2027, 09:00 EDT to 18 July 2027, 13:00 EDT" in the active language."""
    return _("From %(start)s to %(end)s") % {
        "start": format_with_zone(event.starts_at, event.tz),
        "end": format_with_zone(event.ends_at, event.tz),
    }


def event_calendar(
    event: Event, *, url: str = "", language: str = "", now: datetime | None = None
) -> bytes:
    """The .ics file of `event`: one VEVENT from its start to its end."""
    now = now or timezone.now()
    with for_reader(reader_language(language)):
        vevent = _vevent(
            uid=f"event-{event.pk}@{_domain()}",
            starts=event.starts_at,
            ends=event.ends_at,
            summary=event.name,
            description=_local_span(event),
            location=_location(event),
            url=url,
            stamp=now,
        )
        return _calendar(event.name, [vevent])


def programme_days(event: Event) -> list[tuple[datetime, datetime]]:
    """The event's days as (start, end), each from the daily start time to the daily
    end time in the event's zone; one span when the event ends earlier in the day
    than it starts (overnight) or lasts a single day."""
    zone = event.tz
    start = timezone.localtime(event.starts_at, zone)
    end = timezone.localtime(event.ends_at, zone)
    if start.date() == end.date() or end.timetz() <= start.timetz():
        return [(event.starts_at, event.ends_at)]
    days = []
    day = start.date()
    while day <= end.date():
        days.append(
            (
                datetime.combine(day, start.time(), tzinfo=zone),
                datetime.combine(day, end.time(), tzinfo=zone),
            )
        )
        day += timedelta(days=1)
    return days


def attendee_calendar(
    attendee: Attendee, *, url: str = "", now: datetime | None = None
) -> bytes:
    """The .ics file of `attendee`'s programme: a VEVENT per event day, with their
    ticket type and extras, in their language (else the buyer's)."""
    now = now or timezone.now()
    event = attendee.order.event
    language = reader_language(attendee.language, attendee.order.language)
    with for_reader(language):
        details = [
            _("Ticket: %(ticket)s") % {"ticket": attendee.ticket_type.name},
        ]
        extras = [extra.name for extra in attendee.extras.all()]
        if extras:
            details.append(_("Extras: %(extras)s") % {"extras": ", ".join(extras)})
        details.append(_("Order: %(code)s") % {"code": attendee.order.code})
        days = programme_days(event)
        vevents = []
        for number, (starts, ends) in enumerate(days, start=1):
            summary = (
                _("%(event)s, day %(day)s of %(days)s")
                % {"event": event.name, "day": number, "days": len(days)}
                if len(days) > 1
                else event.name
            )
            span = _("From %(start)s to %(end)s") % {
                "start": format_with_zone(starts, event.tz),
                "end": format_with_zone(ends, event.tz),
            }
            vevents.append(
                _vevent(
                    uid=f"attendee-{attendee.pk}-day-{number}@{_domain()}",
                    starts=starts,
                    ends=ends,
                    summary=summary,
                    description="\n".join([span, *details]),
                    location=_location(event),
                    url=url,
                    stamp=now,
                )
            )
        vevents.extend(
            _session_vevent(session, language=language, url=url, stamp=now)
            for session in ProgrammeSession.objects.filter(
                signups__attendee=attendee
            ).order_by("starts_at", "pk")
        )
        name = _("%(event)s: programme of %(name)s") % {
            "event": event.name,
            "name": attendee.badge_name,
        }
        return _calendar(name, vevents)


def _session_vevent(
    session: ProgrammeSession, *, language: str, url: str, stamp: datetime
) -> list[str]:
    """One programme session: its title in `language`, times, room and speakers.
    Call inside `for_reader(language)`."""
    event = session.event
    span = _("From %(start)s to %(end)s") % {
        "start": format_with_zone(session.starts_at, event.tz),
        "end": format_with_zone(session.ends_at, event.tz),
    }
    details = [span]
    if session.speaker_names:
        details.append(
            _("Speakers: %(names)s") % {"names": ", ".join(session.speaker_names)}
        )
    description = session.description_in(language)
    if description:
        details.append(description)
    room = _("Room: %(room)s") % {"room": session.room} if session.room else ""
    return _vevent(
        uid=f"session-{session.pk}@{_domain()}",
        starts=session.starts_at,
        ends=session.ends_at,
        summary=session.title_in(language),
        description="\n".join(details),
        location=", ".join(part for part in (room, _location(event)) if part),
        url=url,
        stamp=stamp,
    )


def session_calendar(
    session: ProgrammeSession,
    *,
    url: str = "",
    language: str = "",
    now: datetime | None = None,
) -> bytes:
    """The .ics file of one programme session, in `language`."""
    now = now or timezone.now()
    language = reader_language(language)
    with for_reader(language):
        vevent = _session_vevent(session, language=language, url=url, stamp=now)
        return _calendar(session.title_in(language), [vevent])
