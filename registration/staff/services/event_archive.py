"""One event's full data as a portable archive, and back.

`export_event` writes a zip holding `manifest.json` (format, event, migration
state, row counts, the staff accounts referred to, document counters) and
`data.json` (Django's JSON serialisation of every row that belongs to the
event, in dependency order). `import_event` loads such an archive into a
database that does not hold the event yet (typically an empty one after
`migrate`), keeping every primary key, so secret links, QR badges and invoice
numbers keep working.

What belongs to an event: its ticket types, extras, questions, vouchers,
consent texts, refund policy, check-in lists and devices, orders with billing
details, invoices, credit notes, payments and refunds, attendees with their
extras, answers, youth details, guardian consents, travel plans, visa details
and letters, delegations with their invoices, waiting list, check-ins, badge
print log and activity log; plus, so that references hold, the member
organisations, partnerships and programmes those rows point at.

Left out on purpose: the e-mail outbox and Stripe's webhook log (transient),
generated files (badge PDFs, exports: made again on demand) and CMS pages (the
pg_dump backup covers them). A reference to something outside the archive that
the target cannot resolve (a staff account is recreated, see below; a Wagtail
document is not) is cleared and listed in the import summary.

Staff accounts are referred to by user name. An account missing in the target
is created inactive with no usable password: the history keeps its author,
and nobody can log in as it until an administrator sets it up.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q
from django.utils import timezone

from registration.models import Event

ARCHIVE_FORMAT = "sci-events-event-archive"
ARCHIVE_VERSION = 1


class ArchiveEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (Django's own cuts
    them to milliseconds, and an archive must give back what it was given)."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


class ArchiveError(Exception):
    """An archive that cannot be written or loaded, with a message for staff."""


def _model(name: str):
    return apps.get_model("registration", name)


def event_querysets(event: Event) -> list:
    """Every queryset of the event's rows, parents before children."""
    m = _model
    orders = Q(order__event=event)
    attendees = Q(attendee__order__event=event)
    delegations = m("Delegation").objects.filter(event=event)
    partnerships = m("Partnership").objects.filter(
        pk__in=delegations.exclude(partnership=None).values("partnership")
    )
    return [
        m("Event").objects.filter(pk=event.pk),
        m("Programme").objects.filter(partnerships__in=partnerships).distinct(),
        partnerships,
        m("MemberOrganisation")
        .objects.filter(
            Q(events=event)
            | Q(
                pk__in=m("Order")
                .objects.filter(event=event)
                .values("member_organisation")
            )
        )
        .distinct(),
        m("TicketType").objects.filter(event=event),
        m("Extra").objects.filter(event=event),
        m("Question").objects.filter(event=event),
        m("Voucher").objects.filter(event=event),
        m("ConsentText").objects.filter(event=event),
        m("RefundPolicy").objects.filter(event=event),
        delegations,
        m("Order").objects.filter(event=event),
        m("BillingDetails").objects.filter(orders),
        m("Invoice").objects.filter(orders),
        m("CreditNote").objects.filter(invoice__order__event=event),
        m("Payment").objects.filter(orders),
        m("Refund").objects.filter(orders),
        m("DelegationInvoice").objects.filter(delegation__event=event),
        m("Attendee").objects.filter(orders),
        m("AttendeeExtra").objects.filter(attendees),
        m("Answer").objects.filter(attendees),
        m("YouthDetails").objects.filter(attendees),
        m("GuardianConsent").objects.filter(youth__attendee__order__event=event),
        m("TravelPlan").objects.filter(attendees),
        m("VisaDetails").objects.filter(attendees),
        m("VisaLetter").objects.filter(attendees),
        m("WaitingListEntry").objects.filter(event=event),
        m("CheckInList").objects.filter(event=event),
        m("Device").objects.filter(events=event).distinct(),
        m("CheckIn").objects.filter(checkin_list__event=event),
        m("BadgePrint").objects.filter(attendees),
        m("ActivityLog").objects.filter(event=event),
    ]


@dataclass
class ArchiveSummary:
    event: str
    counts: Counter = field(default_factory=Counter)
    cleared: list[str] = field(default_factory=list)
    created_users: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"{label}: {n}" for label, n in sorted(self.counts.items())]
        lines += [f"created inactive staff account: {u}" for u in self.created_users]
        lines += [f"cleared reference: {c}" for c in self.cleared]
        return lines


def _label(model) -> str:
    return model._meta.label_lower


def _applied_migrations() -> dict[str, list[str]]:
    applied = MigrationRecorder(connection).applied_migrations()
    state: dict[str, list[str]] = {}
    for app, name in sorted(applied):
        state.setdefault(app, []).append(name)
    return state


def _tidy_references(objects: list[dict], summary: ArchiveSummary) -> None:
    """Make the archive self-contained: a reference to a row of an archived
    model that is not in the archive is cleared (nullable) or dropped (many to
    many); references to other models stay as they are (users and content
    types by natural key), except Wagtail documents, which are cleared."""
    present: dict[str, set] = {}
    for obj in objects:
        present.setdefault(obj["model"], set()).add(obj["pk"])
    for obj in objects:
        model = apps.get_model(obj["model"])
        for f in model._meta.concrete_fields:
            if not (f.many_to_one or f.one_to_one):
                continue
            value = obj["fields"].get(f.name)
            if value is None:
                continue
            target = _label(f.related_model)
            if target in present:
                missing = value not in present[target]
            else:
                missing = f.related_model._meta.app_label == "wagtaildocs"
            if missing:
                if not f.null:
                    raise ArchiveError(
                        f"{obj['model']} {obj['pk']} needs {target} {value}, "
                        "which does not belong to this event."
                    )
                obj["fields"][f.name] = None
                summary.cleared.append(f"{obj['model']} {obj['pk']}.{f.name}")
        for f in model._meta.many_to_many:
            target = _label(f.related_model)
            if f.name in obj["fields"] and target in present:
                obj["fields"][f.name] = [
                    v for v in obj["fields"][f.name] if v in present[target]
                ]


def export_event(event: Event, path: Path) -> ArchiveSummary:
    """Write the archive of `event` to `path` (a .zip)."""
    summary = ArchiveSummary(event=event.slug)
    objects: list[dict] = []
    users: set[str] = set()
    for queryset in event_querysets(event):
        rows = serializers.serialize(
            "python",
            queryset.order_by("pk"),
            use_natural_foreign_keys=True,
        )
        summary.counts[_label(queryset.model)] += len(rows)
        objects.extend(rows)
    user_model = get_user_model()
    for obj in objects:
        model = apps.get_model(obj["model"])
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is user_model:
                key = obj["fields"].get(f.name)
                if key:
                    users.add(key[0])
    _tidy_references(objects, summary)
    accounts = [
        {
            "username": u.username,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "email": u.email,
        }
        for u in user_model.objects.filter(username__in=users).order_by("username")
    ]
    counters = list(
        _model("DocumentCounter").objects.values("series", "year", "last_number")
    )
    manifest = {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "event": {"slug": event.slug, "name": event.name},
        "exported_at": timezone.now().isoformat(),
        "migrations": _applied_migrations(),
        "counts": dict(summary.counts),
        "users": accounts,
        "document_counters": counters,
    }
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr("data.json", json.dumps(objects, cls=ArchiveEncoder, indent=1))
    return summary


def read_archive(path: Path) -> tuple[dict, str]:
    """The manifest and the serialised rows of an archive, checked."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            data = archive.read("data.json").decode()
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise ArchiveError(f"{path} is not an event archive: {exc}") from exc
    if manifest.get("format") != ARCHIVE_FORMAT:
        raise ArchiveError(f"{path} is not an event archive (format).")
    if manifest.get("version") != ARCHIVE_VERSION:
        raise ArchiveError(
            f"{path} has archive version {manifest.get('version')}; "
            f"this release reads version {ARCHIVE_VERSION}."
        )
    return manifest, data


def _check_migrations(manifest: dict) -> None:
    here = _applied_migrations()
    missing = [
        f"{app}.{name}"
        for app, names in manifest["migrations"].items()
        if app in ("registration", "auth", "contenttypes")
        for name in names
        if name not in here.get(app, [])
    ]
    if missing:
        raise ArchiveError(
            "The database is behind the archive; run `manage.py migrate` first "
            f"(missing: {', '.join(missing[:5])})."
        )


def _check_free(objects) -> None:
    """Refuse to overwrite: every archived row must be new to this database."""
    by_model: dict = {}
    for deserialized in objects:
        by_model.setdefault(type(deserialized.object), []).append(
            deserialized.object.pk
        )
    for model, pks in by_model.items():
        taken = model._base_manager.filter(pk__in=pks).count()
        if taken:
            raise ArchiveError(
                f"This database already holds {taken} {model._meta.verbose_name_plural} "
                "with the archive's ids: import into a database without this event "
                "(an empty one after `manage.py migrate`)."
            )


def _ensure_users(accounts: list[dict], summary: ArchiveSummary) -> None:
    user_model = get_user_model()
    for account in accounts:
        user, created = user_model.objects.get_or_create(
            username=account["username"],
            defaults={
                "first_name": account["first_name"],
                "last_name": account["last_name"],
                "email": account["email"],
                "is_active": False,
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            summary.created_users.append(user.username)


def _merge_counters(counters: list[dict]) -> None:
    """Numbering goes on after the archive's highest invoice and credit note."""
    counter_model = _model("DocumentCounter")
    for row in counters:
        counter, _ = counter_model.objects.select_for_update().get_or_create(
            series=row["series"], year=row["year"]
        )
        if counter.last_number < row["last_number"]:
            counter.last_number = row["last_number"]
            counter.save(update_fields=["last_number"])


def import_event(path: Path) -> ArchiveSummary:
    """Load an archive written by `export_event`; all or nothing."""
    manifest, data = read_archive(path)
    slug = manifest["event"]["slug"]
    summary = ArchiveSummary(event=slug)
    if Event.objects.filter(slug=slug).exists():
        raise ArchiveError(
            f"An event with the slug {slug!r} is already in this database."
        )
    _check_migrations(manifest)
    with transaction.atomic():
        _ensure_users(manifest.get("users", []), summary)
        objects = list(
            serializers.deserialize("json", data, handle_forward_references=True)
        )
        _check_free(objects)
        models = set()
        for deserialized in objects:
            deserialized.save()
            models.add(type(deserialized.object))
            summary.counts[_label(type(deserialized.object))] += 1
        _merge_counters(manifest.get("document_counters", []))
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(sql)
    return summary
