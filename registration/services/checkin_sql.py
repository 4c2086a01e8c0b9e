# ruff: noqa: S608 - identifiers come from the models' own metadata; values are always parameters.
"""The door scan's three reads, written as SQL once per process.

A scan is the hottest path of the system (DESIGN: notes for builders), and
with the ORM most of its CPU went into building SQL strings for every request,
not into running them. These functions hold the same reads as plain SQL,
composed once from the models' own table and column names, and hand back model
instances with exactly the relations a scan touches already attached, so no
further query runs behind the caller's back.

Only services/checkin.py uses this module.
"""

from __future__ import annotations

import functools

from django.db import connection

from registration.models import (
    Attendee,
    AttendeeExtra,
    CheckIn,
    CheckInList,
    CheckInResult,
    Delegation,
    Device,
    Event,
    Extra,
    GuardianConsent,
    Order,
    TicketType,
    YouthDetails,
)

ORDER_FIELDS = ["id", "status", "event_id", "admit_before_payment"]
TICKET_TYPE_FIELDS = [
    "id",
    "name",
    "badge_role",
    "badge_colour",
    "min_age",
    "max_age",
    "requires_guardian_consent",
]


def _instance(model, db: str, values: dict):
    """A model instance from some of its columns (the rest deferred), as the
    ORM builds one: `from_db` takes the values in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(db, names, [values[name] for name in names])


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


@functools.cache
def _attendee_sql(*, by_secret: bool, all_ticket_types: bool, lock: bool) -> str:
    a = Attendee
    attendee_columns = ", ".join(
        f"a.{_column(a, name)}"
        for name in (
            "id",
            "order",
            "ticket_type",
            "delegation",
            "badge_name",
            "badge_name_latin",
            "given_name",
            "family_name",
            "organisation",
            "city",
            "country",
        )
    )
    order_columns = ", ".join(
        f"o.{_column(Order, name.removesuffix('_id'))} AS scan_order_{name}"
        for name in ORDER_FIELDS[1:]
    )
    ticket_columns = ", ".join(
        f"t.{_column(TicketType, name)} AS scan_tt_{name}"
        for name in TICKET_TYPE_FIELDS[1:]
    )
    if all_ticket_types:
        on_list = "1"
    else:
        types = CheckInList.ticket_types.through
        extras = CheckInList.extras.through
        on_list = (
            f"CASE WHEN EXISTS (SELECT 1 FROM {_table(types)} lt"
            f" WHERE lt.{_column(types, 'checkinlist')} = %s"
            f" AND lt.{_column(types, 'tickettype')} = a.{_column(a, 'ticket_type')})"
            f" OR EXISTS (SELECT 1 FROM {_table(AttendeeExtra)} ae"
            f" JOIN {_table(extras)} le"
            f" ON le.{_column(extras, 'extra')} = ae.{_column(AttendeeExtra, 'extra')}"
            f" WHERE ae.{_column(AttendeeExtra, 'attendee')} = a.{_column(a, 'id')}"
            f" AND le.{_column(extras, 'checkinlist')} = %s)"
            " THEN 1 ELSE 0 END"
        )
    where = _column(a, "secret") if by_secret else _column(a, "id")
    sql = (
        f"SELECT {attendee_columns}, {order_columns}, {ticket_columns},"
        f" d.{_column(Delegation, 'name')} AS scan_delegation_name,"
        f" y.{_column(YouthDetails, 'id')} AS scan_youth_id,"
        f" c.{_column(GuardianConsent, 'id')} AS scan_consent_id,"
        f" {on_list} AS scan_on_list"
        f" FROM {_table(a)} a"
        f" JOIN {_table(Order)} o ON o.{_column(Order, 'id')} = a.{_column(a, 'order')}"
        f" JOIN {_table(TicketType)} t"
        f" ON t.{_column(TicketType, 'id')} = a.{_column(a, 'ticket_type')}"
        f" LEFT JOIN {_table(Delegation)} d"
        f" ON d.{_column(Delegation, 'id')} = a.{_column(a, 'delegation')}"
        f" LEFT JOIN {_table(YouthDetails)} y"
        f" ON y.{_column(YouthDetails, 'attendee')} = a.{_column(a, 'id')}"
        f" LEFT JOIN {_table(GuardianConsent)} c"
        f" ON c.{_column(GuardianConsent, 'youth')} = y.{_column(YouthDetails, 'id')}"
        f" WHERE a.{where} = %s"
    )
    if lock and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF a"
    return sql


def lock_scanned_attendee(
    checkin_list: CheckInList, *, secret: str | None, attendee_id: int | None
) -> Attendee | None:
    """The scanned attendee under a row lock (PostgreSQL; SQLite's write lock is
    taken at BEGIN), with order, ticket type, delegation and youth consent
    attached and `on_list` set: whether this list admits the person."""
    by_secret = attendee_id is None
    sql = _attendee_sql(
        by_secret=by_secret,
        all_ticket_types=checkin_list.all_ticket_types,
        lock=True,
    )
    params = [] if checkin_list.all_ticket_types else [checkin_list.pk] * 2
    params.append(secret if by_secret else attendee_id)
    rows = list(Attendee.objects.raw(sql, params))
    if not rows:
        return None
    attendee = rows[0]
    db = attendee._state.db
    attendee.order = _instance(
        Order,
        db,
        {
            "id": attendee.order_id,
            "status": attendee.scan_order_status,
            "event_id": attendee.scan_order_event_id,
            "admit_before_payment": bool(attendee.scan_order_admit_before_payment),
        },
    )
    attendee.ticket_type = _instance(
        TicketType,
        db,
        {
            "id": attendee.ticket_type_id,
            "name": attendee.scan_tt_name,
            "badge_role": attendee.scan_tt_badge_role,
            "badge_colour": attendee.scan_tt_badge_colour,
            "min_age": attendee.scan_tt_min_age,
            "max_age": attendee.scan_tt_max_age,
            "requires_guardian_consent": bool(
                attendee.scan_tt_requires_guardian_consent
            ),
        },
    )
    attendee.delegation = (
        _instance(
            Delegation,
            db,
            {"id": attendee.delegation_id, "name": attendee.scan_delegation_name},
        )
        if attendee.delegation_id
        else None
    )
    youth_relation = Attendee._meta.get_field("youth")
    if attendee.scan_youth_id is None:
        youth_relation.set_cached_value(attendee, None)
    else:
        youth = _instance(
            YouthDetails, db, {"id": attendee.scan_youth_id, "attendee_id": attendee.pk}
        )
        consent_relation = YouthDetails._meta.get_field("consent")
        if attendee.scan_consent_id is None:
            consent_relation.set_cached_value(youth, None)
        else:
            consent_relation.set_cached_value(
                youth,
                _instance(
                    GuardianConsent,
                    db,
                    {"id": attendee.scan_consent_id, "youth_id": youth.pk},
                ),
            )
        youth_relation.set_cached_value(attendee, youth)
    attendee.on_list = bool(attendee.scan_on_list)
    return attendee


@functools.cache
def _earlier_sql() -> str:
    ci, dv, cl = CheckIn, Device, CheckInList
    columns = ", ".join(
        f"ci.{_column(ci, name)}"
        for name in (
            "id",
            "device",
            "nonce",
            "result",
            "type",
            "scanned_at",
            "checkin_list",
        )
    )
    return (
        f"SELECT {columns}, dv.{_column(dv, 'name')} AS scan_device_name,"
        f" cl.{_column(cl, 'name')} AS scan_list_name"
        f" FROM {_table(ci)} ci"
        f" JOIN {_table(dv)} dv ON dv.{_column(dv, 'id')} = ci.{_column(ci, 'device')}"
        f" JOIN {_table(cl)} cl"
        f" ON cl.{_column(cl, 'id')} = ci.{_column(ci, 'checkin_list')}"
        f" WHERE (ci.{_column(ci, 'attendee')} = %s"
        f" AND ci.{_column(ci, 'checkin_list')} = %s"
        f" AND ci.{_column(ci, 'result')} = %s)"
        f" OR (ci.{_column(ci, 'device')} = %s AND ci.{_column(ci, 'nonce')} = %s)"
        f" ORDER BY ci.{_column(ci, 'scanned_at')} DESC, ci.{_column(ci, 'id')} DESC"
    )


def earlier_scans(
    attendee: Attendee, checkin_list: CheckInList, *, device: Device, nonce: str
) -> list[CheckIn]:
    """This attendee's admissions on the list and this device's scan with `nonce`,
    newest first, each with its device's and list's name attached."""
    rows = list(
        CheckIn.objects.raw(
            _earlier_sql(),
            [attendee.pk, checkin_list.pk, CheckInResult.OK, device.pk, nonce],
        )
    )
    for row in rows:
        db = row._state.db
        row.device = _instance(
            Device, db, {"id": row.device_id, "name": row.scan_device_name}
        )
        row.checkin_list = _instance(
            CheckInList, db, {"id": row.checkin_list_id, "name": row.scan_list_name}
        )
    return rows


@functools.cache
def _extras_sql() -> str:
    ae, ex = AttendeeExtra, Extra
    return (
        f"SELECT e.{_column(ex, 'id')}, e.{_column(ex, 'name')}"
        f" FROM {_table(ae)} ae"
        f" JOIN {_table(ex)} e ON e.{_column(ex, 'id')} = ae.{_column(ae, 'extra')}"
        f" WHERE ae.{_column(ae, 'attendee')} = %s"
        f" ORDER BY e.{_column(ex, 'sort_order')}, e.{_column(ex, 'id')}"
    )


def attendee_extras(attendee: Attendee) -> list[tuple[int, str]]:
    """(id, name) of the extras the attendee bought, in the event's order."""
    with connection.cursor() as cursor:
        cursor.execute(_extras_sql(), [attendee.pk])
        return [(row[0], row[1]) for row in cursor.fetchall()]


@functools.cache
def _device_sql() -> str:
    return f"SELECT * FROM {_table(Device)} WHERE {_column(Device, 'token_hash')} = %s"


def device_by_token_hash(token_hash: str) -> Device | None:
    """The device with this token hash, revoked or not."""
    rows = list(Device.objects.raw(_device_sql(), [token_hash]))
    return rows[0] if rows else None


@functools.cache
def _list_sql() -> str:
    cl, ev = CheckInList, Event
    through = Device.events.through
    columns = ", ".join(
        f"cl.{connection.ops.quote_name(field.column)}"
        for field in cl._meta.concrete_fields
    )
    return (
        f"SELECT {columns}, e.{_column(ev, 'name')} AS scan_event_name,"
        f" e.{_column(ev, 'slug')} AS scan_event_slug,"
        f" e.{_column(ev, 'time_zone')} AS scan_event_time_zone"
        f" FROM {_table(cl)} cl"
        f" JOIN {_table(ev)} e ON e.{_column(ev, 'id')} = cl.{_column(cl, 'event')}"
        f" JOIN {_table(through)} de"
        f" ON de.{_column(through, 'event')} = cl.{_column(cl, 'event')}"
        f" WHERE cl.{_column(cl, 'id')} = %s AND de.{_column(through, 'device')} = %s"
    )


def list_for_device(device: Device, list_id: int) -> CheckInList | None:
    """The list `list_id` if it belongs to one of the device's events, with its
    event's name, slug and time zone attached (the rest of the event deferred)."""
    rows = list(CheckInList.objects.raw(_list_sql(), [list_id, device.pk]))
    if not rows:
        return None
    checkin_list = rows[0]
    checkin_list.event = _instance(
        Event,
        checkin_list._state.db,
        {
            "id": checkin_list.event_id,
            "name": checkin_list.scan_event_name,
            "slug": checkin_list.scan_event_slug,
            "time_zone": checkin_list.scan_event_time_zone,
        },
    )
    return checkin_list
