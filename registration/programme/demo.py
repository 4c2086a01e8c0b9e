"""The programme part of `manage.py seed_demo` (idempotent): sessions on the
demo conference's days and the Summit's, the door demo's paid guests signed up
for two of them through the sign-up service, and a room host's check-in list
for the water workshop."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from registration.errors import RegistrationError
from registration.models import (
    CheckInList,
    Event,
    OrderStatus,
    ProgrammeSession,
    SessionKind,
)
from registration.programme import services

# (day, start, hours, kind, title, Spanish, French, room, capacity, speakers)
CONFERENCE = (
    (
        0,
        time(9),
        1.5,
        SessionKind.PLENARY,
        "Opening plenary: cities as diplomats",
        "Plenaria de apertura: las ciudades como diplomáticas",
        "Plénière d'ouverture : les villes diplomates",
        "Grand Ballroom",
        None,
        "Leroy Allala\nMaría José Ferreira",
    ),
    (
        0,
        time(11),
        1.5,
        SessionKind.WORKSHOP,
        "Water partnerships that last",
        "Alianzas por el agua que perduran",
        "Des partenariats pour l'eau qui durent",
        "Room 201",
        40,
        "Dr. Amina Diallo",
    ),
    (
        0,
        time(11),
        1.5,
        SessionKind.WORKSHOP,
        "Youth exchanges: from idea to visa",
        "Intercambios juveniles: de la idea al visado",
        "Échanges de jeunes : de l'idée au visa",
        "Room 202",
        30,
        "Kenji Watanabe",
    ),
    (
        1,
        time(14),
        3,
        SessionKind.SITE_VISIT,
        "Site visit: the city's riverfront",
        "Visita: la ribera de la ciudad",
        "Visite : les berges de la ville",
        "Bus at the main entrance",
        45,
        "",
    ),
)
SUMMIT = (
    (
        0,
        time(10),
        1,
        SessionKind.PLENARY,
        "Welcome to the Summit",
        "Bienvenida a la Cumbre",
        "Bienvenue au Sommet",
        "Summit hall",
        None,
        "",
    ),
    (
        0,
        time(14),
        2,
        SessionKind.WORKSHOP,
        "Leading a youth delegation",
        "Dirigir una delegación juvenil",
        "Diriger une délégation de jeunes",
        "Room 3",
        25,
        "Sofia Lindqvist",
    ),
)


def _at(event: Event, day: int, start: time) -> datetime:
    first = timezone.localtime(event.starts_at, event.tz).date()
    return datetime.combine(first + timedelta(days=day), start, tzinfo=event.tz)


def _seed_sessions(event: Event, rows) -> list[ProgrammeSession]:
    sessions = []
    for (
        day,
        start,
        hours,
        kind,
        title,
        title_es,
        title_fr,
        room,
        capacity,
        speakers,
    ) in rows:
        starts = _at(event, day, start)
        session, _created = ProgrammeSession.objects.get_or_create(
            event=event,
            title=title,
            defaults={
                "title_es": title_es,
                "title_fr": title_fr,
                "kind": kind,
                "room": room,
                "capacity": capacity,
                "speakers": speakers,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=hours),
            },
        )
        sessions.append(session)
    return sessions


def seed_programme(conference: Event, youth_summit: Event) -> list[ProgrammeSession]:
    sessions = _seed_sessions(conference, CONFERENCE)
    _seed_sessions(youth_summit, SUMMIT)
    plenary, water = sessions[0], sessions[1]
    guests = conference.orders.filter(status=OrderStatus.PAID).order_by("pk")
    for order in guests[:2]:
        for attendee in order.attendees.all():
            for session in (plenary, water):
                try:
                    services.sign_up(attendee, session, by_staff=True)
                except RegistrationError:
                    continue
    CheckInList.objects.get_or_create(
        event=conference,
        name="Workshop: water partnerships",
        defaults={"all_ticket_types": True, "session": water},
    )
    return sessions
