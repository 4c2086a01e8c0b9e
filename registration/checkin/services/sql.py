# ruff: noqa: S608 - identifiers come from the models' own metadata; values are always parameters.
"""The door scan's statements, written as SQL once per process.

A scan is the hottest path of the system (DESIGN: notes for builders), and
with the ORM most of its CPU went into building SQL strings for every request,
not into running them. These functions hold the same reads and the one insert
as plain SQL, composed once from the models' own table and column names, and
hand back model instances with exactly the relations a scan touches already
attached, so no further query runs behind the caller's back.

A scan costs six round trips to the database: device and list together, BEGIN,
the attendee under its lock (with list rules and extras), earlier admissions,
the insert, COMMIT. On PostgreSQL the statements run through a server-side
binding cursor, so psycopg prepares them after a few uses and the server stops
planning them on every scan (Django's own cursors bind on the client, which
cannot be prepared).

Only registration/checkin/services/scans.py uses this module.
"""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.db import connection, models

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
    SessionSignup,
    TicketType,
    YouthDetails,
)

ATTENDEE_FIELDS = [
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
]
ORDER_FIELDS = ["id", "status", "event_id", "admit_before_payment", "tickets_blocked"]
# The name and badge role in every language too (catalogue/translation.py), so the
# answer reads the volunteer's language without loading the deferred columns.
TRANSLATED_TICKET_TYPE_FIELDS = [
    f"{name}_{code}"
    for name in ("name", "badge_role")
    for code, _n in settings.LANGUAGES
]
TICKET_TYPE_FIELDS = [
    "id",
    "name",
    "badge_role",
    "badge_colour",
    "min_age",
    "max_age",
    "requires_guardian_consent",
    *TRANSLATED_TICKET_TYPE_FIELDS,
]


def _cursor():
    """A cursor for the scan's statements: Django's wrapper (query logging,
    execute wrappers and error translation stay), and on PostgreSQL around a
    server-side binding psycopg cursor, whose statements psycopg prepares."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    connection.validate_thread_sharing()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def _fetch(sql: str, params) -> list[dict]:
    with _cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _sqlite_value(field, value):
    """What the ORM's SQLite converters make of a raw value (PostgreSQL's driver
    already hands back aware datetimes and booleans)."""
    if isinstance(field, models.DateTimeField):
        return connection.ops.convert_datetimefield_value(value, None, connection)
    if isinstance(field, models.BooleanField):
        return connection.ops.convert_booleanfield_value(value, None, connection)
    return value


def _instance(model, db: str, values: dict):
    """A model instance from some of its columns (the rest deferred), as the
    ORM builds one: `from_db` takes the values in the model's field order."""
    fields = [f for f in model._meta.concrete_fields if f.attname in values]
    row = [values[f.attname] for f in fields]
    if connection.vendor == "sqlite":
        row = [_sqlite_value(f, v) for f, v in zip(fields, row, strict=True)]
    return model.from_db(db, [f.attname for f in fields], row)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


@functools.cache
def _on_list_sql(*, session: bool, all_ticket_types: bool) -> str:
    """1 when the attendee is on the list (its parameters: the list or session id)."""
    a = Attendee
    if session:
        # A room host's list: on it are the people signed up for its session.
        su = SessionSignup
        return (
            f"CASE WHEN EXISTS (SELECT 1 FROM {_table(su)} su"
            f" WHERE su.{_column(su, 'session')} = %s"
            f" AND su.{_column(su, 'attendee')} = a.{_column(a, 'id')})"
            " THEN 1 ELSE 0 END"
        )
    if all_ticket_types:
        return "1"
    types = CheckInList.ticket_types.through
    extras = CheckInList.extras.through
    return (
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


def _extras_json_sql() -> str:
    """The extras the person bought, for the volunteer's screen, in the same
    round trip: a JSON array of [sort order, id, name], sorted by the caller."""
    a = Attendee
    if connection.vendor == "postgresql":
        aggregate = "json_agg(json_build_array(e.{so}, e.{id}, e.{name}))"
    else:
        aggregate = "json_group_array(json_array(e.{so}, e.{id}, e.{name}))"
    return (
        "(SELECT "
        + aggregate.format(
            so=_column(Extra, "sort_order"),
            id=_column(Extra, "id"),
            name=_column(Extra, "name"),
        )
        + f" FROM {_table(AttendeeExtra)} ax"
        f" JOIN {_table(Extra)} e"
        f" ON e.{_column(Extra, 'id')} = ax.{_column(AttendeeExtra, 'extra')}"
        f" WHERE ax.{_column(AttendeeExtra, 'attendee')} = a.{_column(a, 'id')})"
    )


def _attendee_sql(
    *, by_secret: bool, all_ticket_types: bool, lock: bool, session: bool = False
) -> str:
    a = Attendee
    attendee_columns = ", ".join(
        f"a.{_column(a, name)} AS {Attendee._meta.get_field(name).attname}"
        for name in ATTENDEE_FIELDS
    )
    order_columns = ", ".join(
        f"o.{_column(Order, name.removesuffix('_id'))} AS scan_order_{name}"
        for name in ORDER_FIELDS[1:]
    )
    ticket_columns = ", ".join(
        f"t.{_column(TicketType, name)} AS scan_tt_{name}"
        for name in TICKET_TYPE_FIELDS[1:]
    )
    on_list = _on_list_sql(session=session, all_ticket_types=all_ticket_types)
    extras_json = _extras_json_sql()
    # A badge's secret finds its ticket whatever the event (the door answers
    # `wrong_event`); an attendee id, which a device only has from its own
    # event's search or sync, finds nobody of another event.
    where = (
        f"a.{_column(a, 'secret')} = %s"
        if by_secret
        else f"a.{_column(a, 'id')} = %s AND o.{_column(Order, 'event')} = %s"
    )
    sql = (
        f"SELECT {attendee_columns}, {order_columns}, {ticket_columns},"
        f" d.{_column(Delegation, 'name')} AS scan_delegation_name,"
        f" y.{_column(YouthDetails, 'id')} AS scan_youth_id,"
        f" c.{_column(GuardianConsent, 'id')} AS scan_consent_id,"
        f" {on_list} AS scan_on_list,"
        f" {extras_json} AS scan_extras"
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
        f" WHERE {where}"
    )
    if lock and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF a"
    return sql


def _sorted_extras(value) -> list[tuple[int, str]]:
    if value is None:
        return []
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return [(pk, name) for _order, pk, name in sorted(value, key=lambda e: e[:2])]


def lock_scanned_attendee(
    checkin_list: CheckInList, *, secret: str | None, attendee_id: int | None
) -> Attendee | None:
    """The scanned attendee under a row lock (PostgreSQL; SQLite's write lock is
    taken at BEGIN), with order, ticket type, delegation and youth consent
    attached, `on_list` set (whether this list admits the person) and
    `scan_extras`: (id, name) of the extras bought, in the event's order.

    By `secret` the ticket may be of another event (the caller answers
    `wrong_event` and shows nothing of it); by `attendee_id` only a person of
    the list's event is found."""
    by_secret = attendee_id is None
    session_id = checkin_list.session_id
    sql = _attendee_sql(
        by_secret=by_secret,
        all_ticket_types=checkin_list.all_ticket_types,
        lock=True,
        session=session_id is not None,
    )
    if session_id is not None:
        params = [session_id]
    else:
        params = [] if checkin_list.all_ticket_types else [checkin_list.pk] * 2
    params += [secret] if by_secret else [attendee_id, checkin_list.event_id]
    rows = _fetch(sql, params)
    if not rows:
        return None
    row = rows[0]
    db = connection.alias
    attendee = _instance(Attendee, db, row)
    attendee.order = _instance(
        Order,
        db,
        {
            "id": attendee.order_id,
            "status": row["scan_order_status"],
            "event_id": row["scan_order_event_id"],
            "admit_before_payment": bool(row["scan_order_admit_before_payment"]),
            "tickets_blocked": bool(row["scan_order_tickets_blocked"]),
        },
    )
    attendee.ticket_type = _instance(
        TicketType,
        db,
        {
            "id": attendee.ticket_type_id,
            "name": row["scan_tt_name"],
            "badge_role": row["scan_tt_badge_role"],
            "badge_colour": row["scan_tt_badge_colour"],
            "min_age": row["scan_tt_min_age"],
            "max_age": row["scan_tt_max_age"],
            "requires_guardian_consent": bool(row["scan_tt_requires_guardian_consent"]),
            **{name: row[f"scan_tt_{name}"] for name in TRANSLATED_TICKET_TYPE_FIELDS},
        },
    )
    attendee.delegation = (
        _instance(
            Delegation,
            db,
            {"id": attendee.delegation_id, "name": row["scan_delegation_name"]},
        )
        if attendee.delegation_id
        else None
    )
    _attach_youth(attendee, row, db)
    attendee.on_list = bool(row["scan_on_list"])
    attendee.scan_extras = _sorted_extras(row["scan_extras"])
    return attendee


def _attach_youth(attendee: Attendee, row: dict, db: str) -> None:
    """Cache the attendee's youth details and their guardian consent (or None
    for each) from the scan row, so the consent check reads no more rows."""
    youth_relation = Attendee._meta.get_field("youth")
    if row["scan_youth_id"] is None:
        youth_relation.set_cached_value(attendee, None)
        return
    youth = _instance(
        YouthDetails, db, {"id": row["scan_youth_id"], "attendee_id": attendee.pk}
    )
    consent_relation = YouthDetails._meta.get_field("consent")
    if row["scan_consent_id"] is None:
        consent_relation.set_cached_value(youth, None)
    else:
        consent_relation.set_cached_value(
            youth,
            _instance(
                GuardianConsent,
                db,
                {"id": row["scan_consent_id"], "youth_id": youth.pk},
            ),
        )
    youth_relation.set_cached_value(attendee, youth)


EARLIER_FIELDS = [
    "id",
    "device",
    "nonce",
    "result",
    "type",
    "scanned_at",
    "checkin_list",
]


@functools.cache
def _earlier_sql() -> str:
    ci, dv, cl = CheckIn, Device, CheckInList
    columns = ", ".join(
        f"ci.{_column(ci, name)} AS {ci._meta.get_field(name).attname}"
        for name in EARLIER_FIELDS
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
    rows = _fetch(
        _earlier_sql(),
        [attendee.pk, checkin_list.pk, CheckInResult.OK, device.pk, nonce],
    )
    db = connection.alias
    scans = []
    for row in rows:
        check_in = _instance(CheckIn, db, row)
        check_in.device = _instance(
            Device, db, {"id": check_in.device_id, "name": row["scan_device_name"]}
        )
        check_in.checkin_list = _instance(
            CheckInList,
            db,
            {"id": check_in.checkin_list_id, "name": row["scan_list_name"]},
        )
        scans.append(check_in)
    return scans


@functools.cache
def _insert_sql() -> tuple[str, tuple]:
    fields = tuple(f for f in CheckIn._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    return (
        f"INSERT INTO {_table(CheckIn)} ({columns}) VALUES ({values})"
        f" RETURNING {_column(CheckIn, 'id')}",
        fields,
    )


def insert_check_in(check_in: CheckIn) -> None:
    """Write a new scan row and set its id: the ORM's insert, without composing
    the INSERT for every scan."""
    sql, fields = _insert_sql()
    params = [
        field.get_db_prep_save(getattr(check_in, field.attname), connection)
        for field in fields
    ]
    with _cursor() as cursor:
        cursor.execute(sql, params)
        check_in.pk = cursor.fetchone()[0]
    check_in._state.adding = False
    check_in._state.db = connection.alias


@functools.cache
def _device_sql() -> str:
    return f"SELECT * FROM {_table(Device)} WHERE {_column(Device, 'token_hash')} = %s"


def device_by_token_hash(token_hash: str) -> Device | None:
    """The device with this token hash, revoked or not."""
    rows = list(Device.objects.raw(_device_sql(), [token_hash]))
    return rows[0] if rows else None


LIST_EVENT_FIELDS = ["name", "slug", "time_zone"]


def _list_columns(alias: str) -> str:
    return ", ".join(
        f"{alias}.{connection.ops.quote_name(field.column)} AS list_{field.attname}"
        for field in CheckInList._meta.concrete_fields
    )


def _list_from_row(row: dict) -> CheckInList | None:
    if row.get("list_id") is None:
        return None
    db = connection.alias
    checkin_list = _instance(
        CheckInList,
        db,
        {
            f.attname: row[f"list_{f.attname}"]
            for f in CheckInList._meta.concrete_fields
        },
    )
    checkin_list.event = _instance(
        Event,
        db,
        {"id": checkin_list.event_id}
        | {name: row[f"event_{name}"] for name in LIST_EVENT_FIELDS},
    )
    return checkin_list


def _list_and_event_sql() -> str:
    cl, ev = CheckInList, Event
    through = Device.events.through
    event_columns = ", ".join(
        f"e.{_column(ev, name)} AS event_{name}" for name in LIST_EVENT_FIELDS
    )
    return (
        f"SELECT {_list_columns('cl')}, {event_columns},"
        f" de.{_column(through, 'device')} AS list_device_id"
        f" FROM {_table(cl)} cl"
        f" JOIN {_table(ev)} e ON e.{_column(ev, 'id')} = cl.{_column(cl, 'event')}"
        f" JOIN {_table(through)} de"
        f" ON de.{_column(through, 'event')} = cl.{_column(cl, 'event')}"
        f" WHERE cl.{_column(cl, 'id')} = %s"
    )


@functools.cache
def _list_sql() -> str:
    through = Device.events.through
    return _list_and_event_sql() + f" AND de.{_column(through, 'device')} = %s"


def list_for_device(device: Device, list_id: int) -> CheckInList | None:
    """The list `list_id` if it belongs to one of the device's events, with its
    event's name, slug and time zone attached (the rest of the event deferred)."""
    rows = _fetch(_list_sql(), [list_id, device.pk])
    return _list_from_row(rows[0]) if rows else None


@functools.cache
def _device_and_list_sql() -> str:
    device_columns = ", ".join(
        f"d.{connection.ops.quote_name(f.column)} AS {f.attname}"
        for f in Device._meta.concrete_fields
    )
    list_columns = (
        ", ".join(f"x.list_{f.attname}" for f in CheckInList._meta.concrete_fields)
        + ", "
        + ", ".join(f"x.event_{name}" for name in LIST_EVENT_FIELDS)
    )
    return (
        f"SELECT {device_columns}, {list_columns}"
        f" FROM {_table(Device)} d"
        f" LEFT JOIN ({_list_and_event_sql()}) x ON x.list_device_id = d.{_column(Device, 'id')}"
        f" WHERE d.{_column(Device, 'token_hash')} = %s"
    )


def device_and_list(
    token_hash: str, list_id: int
) -> tuple[Device | None, CheckInList | None]:
    """In one round trip: the device with this token hash (revoked or not), and
    the list `list_id` if the device may scan for it (see `list_for_device`)."""
    rows = _fetch(_device_and_list_sql(), [list_id, token_hash])
    if not rows:
        return None, None
    row = rows[0]
    device = _instance(
        Device,
        connection.alias,
        {f.attname: row[f.attname] for f in Device._meta.concrete_fields},
    )
    return device, _list_from_row(row)
