"""Airports and stations by IATA code, with their time zones (`airportsdata`).

Travel times are entered and shown in the zone of their own airport, so the
arrival at LAX reads as the traveller's ticket says, whatever the event's zone.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Airport:
    code: str
    name: str
    city: str
    country: str
    zone: ZoneInfo


@functools.cache
def _airports() -> dict:
    # About 7,000 entries; loaded once per process, on first use.
    import airportsdata

    return airportsdata.load("IATA")


def normalise_code(code: str) -> str:
    return (code or "").strip().upper()


def find_airport(code: str) -> Airport | None:
    """The airport or station with this IATA code, or None when there is none."""
    data = _airports().get(normalise_code(code))
    if data is None:
        return None
    return Airport(
        code=data["iata"],
        name=data["name"],
        city=data["city"],
        country=data["country"],
        zone=ZoneInfo(data["tz"]),
    )


@functools.lru_cache(maxsize=512)
def airport_zone(code: str) -> ZoneInfo | None:
    airport = find_airport(code)
    return airport.zone if airport else None
