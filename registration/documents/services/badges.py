"""Name badges: one PDF for one attendee at the desk, or for a whole event.

Badges are HTML/CSS templates in `templates/documents/badges/` rendered by
WeasyPrint through `rendering.py`. Three layouts (`badge_layouts.py`): A6 (one
badge per page), US Letter 6-up 4×3 inch inserts (Avery 5392 style) and A4 4-up
(A6 cells cut from an A4 sheet). WeasyPrint runs no JavaScript, so the name's
font size is chosen from an estimate of its printed width (`name_fitting.py`).

Badges show the ticket type's role in words on its colour band, never the
colour alone, and a discreet youth marker for youth tickets; never the date of
birth or anything else from YouthDetails (DESIGN invariant 7). The QR code
carries only the attendee's secret (invariant 5).
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from registration import models as registration_models
from registration.audit.services import log_activity
from registration.documents.services import rendering as documents
from registration.documents.services.badge_layouts import (
    DEFAULT_LAYOUT as DEFAULT_LAYOUT,
)
from registration.documents.services.badge_layouts import (
    LAYOUT_CHOICES as LAYOUT_CHOICES,
)
from registration.documents.services.badge_layouts import (
    LAYOUTS as LAYOUTS,
)
from registration.documents.services.badge_layouts import (
    BadgeBack as BadgeBack,
)
from registration.documents.services.badge_layouts import (
    BadgeError as BadgeError,
)
from registration.documents.services.badge_layouts import (
    Layout,
)
from registration.documents.services.name_fitting import (
    name_language as name_language,
)
from registration.documents.services.name_fitting import (
    name_size_class as name_size_class,
)
from registration.documents.services.name_fitting import (
    role_size_class as role_size_class,
)
from registration.documents.services.name_fitting import (
    text_colour_on as text_colour_on,
)
from registration.documents.services.name_fitting import (
    text_width_em as text_width_em,
)
from registration.documents.services.tickets import event_dates, ticket_refusal
from registration.jobs import queue
from registration.jobs import services as jobs
from registration.models import (
    Attendee,
    BadgePrint,
    BadgePrintJob,
    BadgeSort,
    Event,
    TicketType,
)
from registration.orders.services import admitted_orders_q
from registration.reader import for_reader, reader_language

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

# Batches at least this big are split over processes; below it, starting
# workers (about a second each) costs more than it saves.
PARALLEL_THRESHOLD = 120
WORKERS = 2
# Badges per part when a progress bar follows the rendering in one process:
# small enough that the bar moves, big enough that each part's fixed cost
# (layout set-up, merging) stays small.
PROGRESS_PART = 24

# --- Which attendees and which layout ----------------------------------------------


def layout_for(ticket_type: TicketType) -> str:
    """The ticket type's badge layout (A6 if it names none this module knows)."""
    chosen = ticket_type.badge_layout
    return chosen if chosen in LAYOUTS else DEFAULT_LAYOUT


# Orders whose attendees are let in (services.orders.order_admits_attendees).
ADMITTED_ORDERS = admitted_orders_q()


def admissible_attendees(event: Event) -> QuerySet[Attendee]:
    """Attendees who get a badge: those of paid orders (or admitted before payment),
    by family then given name."""
    return (
        Attendee.objects.filter(ADMITTED_ORDERS, order__event=event)
        .select_related("order__event", "ticket_type", "delegation")
        .order_by("family_name", "given_name", "pk")
    )


# --- Rendering ---------------------------------------------------------------------


def badge_context(attendee: Attendee, *, layout: str = DEFAULT_LAYOUT) -> dict:
    """What one badge shows, as plain values (cheap to render and to pickle).

    Dates and country names are in the attendee's language (else the buyer's).
    """
    with for_reader(reader_language(attendee.language, attendee.order.language)):
        return _badge_context(attendee, layout=layout)


def _badge_context(attendee: Attendee, *, layout: str) -> dict:
    event = attendee.order.event
    ticket_type = attendee.ticket_type
    name = (
        attendee.badge_name.strip()
        or f"{attendee.given_name} {attendee.family_name}".strip()
    )
    country = attendee.country.code if attendee.country else ""
    place = ", ".join(
        part
        for part in (attendee.city, attendee.country.name if country else "")
        if part
    )
    delegation = attendee.delegation
    return {
        "name": name,
        "name_class": name_size_class(name, layout=layout),
        "name_dir": documents.text_direction(name),
        "name_lang": name_language(name, country),
        "name_latin": attendee.badge_name_transliteration,
        "organisation": attendee.organisation,
        "organisation_dir": documents.text_direction(attendee.organisation),
        "place": place,
        "place_dir": documents.text_direction(place),
        "delegation": delegation.name if delegation else "",
        "delegation_dir": documents.text_direction(delegation.name)
        if delegation
        else "ltr",
        "role": ticket_type.role_label,
        "role_class": role_size_class(ticket_type.role_label, layout=layout),
        "colour": ticket_type.badge_colour,
        "role_text_colour": text_colour_on(ticket_type.badge_colour),
        "youth": ticket_type.is_youth,
        "qr": documents.qr_data_uri(attendee.secret),
        "event_name": event.name,
        "event_dates": event_dates(event),
        "event_place": event.city,
    }


@functools.cache
def layout_stylesheets(layout: str) -> tuple[str, ...]:
    """The CSS texts of a layout, built once per process: parsed once by documents."""
    spec = LAYOUTS[layout]
    sizes = "\n".join(
        f".{size.css_class} {{ font-size: {size.points}pt; }}"
        for size in (*spec.name_sizes, *spec.role_sizes)
    )
    return (
        render_to_string(
            "documents/badges/badge.css", {"font_stack": documents.FONT_STACK}
        ),
        render_to_string(spec.stylesheet),
        sizes,
    )


def _sheets(badges: Sequence[dict], spec: Layout, back: BadgeBack | None) -> list[dict]:
    """Pages of the document: each sheet of fronts, then its backs if asked.

    Backs of a multi-column sheet are mirrored left to right, so that after
    long-edge duplex printing each back lands behind its own front.
    """
    pages = []
    for start in range(0, len(badges), spec.per_page):
        cells = list(badges[start : start + spec.per_page])
        pages.append({"side": "front", "cells": cells})
        if back is not None:
            padded = cells + [None] * (spec.per_page - len(cells))
            mirrored = []
            for row in range(spec.rows):
                mirrored.extend(
                    reversed(padded[row * spec.columns : (row + 1) * spec.columns])
                )
            pages.append({"side": "back", "cells": mirrored})
    return pages


def _badges_html(badges: Sequence[dict], spec: Layout, back: BadgeBack | None) -> str:
    return render_to_string(
        spec.template,
        {"layout": spec, "pages": _sheets(badges, spec, back), "back": back},
    )


def _base_url() -> str:
    return str(settings.BASE_DIR / "templates" / "documents" / "assets") + "/"


def render_badges(
    attendees: Iterable[Attendee],
    *,
    layout: str = DEFAULT_LAYOUT,
    back_side: BadgeBack | None = None,
    workers: int | None = None,
    part_size: int = 250,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """One PDF with the badges of `attendees`, in the order given.

    Batches of `PARALLEL_THRESHOLD` or more are cut into parts of about
    `part_size` badges (whole sheets), rendered by `workers` processes (default
    `WORKERS`) while the next parts are prepared, and merged. `workers=1`
    renders everything in this process, as one document, unless `progress`
    is given: then it renders parts of about `PROGRESS_PART` badges, and
    `progress(count)` is called with the number of badges rendered so far
    after each part.
    """
    if layout not in LAYOUTS:
        raise BadgeError(
            _("Unknown badge layout %(layout)s.") % {"layout": layout},
            code="unknown_layout",
        )
    spec = LAYOUTS[layout]
    attendees = list(attendees)
    if not attendees:
        raise BadgeError(_("There are no badges to print."), code="no_badges")
    if workers is None:
        workers = WORKERS if len(attendees) >= PARALLEL_THRESHOLD else 1
    step = len(attendees)
    if progress is not None:
        step = -(-min(PROGRESS_PART, step) // spec.per_page) * spec.per_page
    if workers > 1:
        # Whole sheets per part, at most `part_size`, and work for every worker.
        share = min(part_size, -(-len(attendees) // workers))
        step = -(-share // spec.per_page) * spec.per_page

    def parts():
        for start in range(0, len(attendees), step):
            chunk = attendees[start : start + step]
            badges = [badge_context(attendee, layout=layout) for attendee in chunk]
            yield _badges_html(badges, spec, back_side)

    def on_part(index: int) -> None:
        if progress is not None:
            progress(min(len(attendees), (index + 1) * step))

    return documents.render_pdf_parts(
        parts(),
        base_url=_base_url(),
        stylesheets=layout_stylesheets(layout),
        workers=workers,
        on_part=on_part,
    )


def render_badge(
    attendee: Attendee, *, layout: str | None = None, back_side: BadgeBack | None = None
) -> bytes:
    """The badge of one attendee, in the ticket type's layout unless told otherwise."""
    return render_badges(
        [attendee],
        layout=layout or layout_for(attendee.ticket_type),
        back_side=back_side,
        workers=1,
    )


def render_event_badges(
    event: Event,
    *,
    layout: str = DEFAULT_LAYOUT,
    back_side: BadgeBack | None = None,
) -> tuple[bytes, int]:
    """The badges of every admissible attendee of `event`; returns the PDF and the count."""
    attendees = list(admissible_attendees(event))
    return render_badges(attendees, layout=layout, back_side=back_side), len(attendees)


# --- Printing for staff: selections, background jobs, single reprints ---------------


@dataclass(frozen=True)
class BadgeFilters:
    """Which admissible attendees of an event a print job takes, and in which order.

    Empty `ticket_types` or `delegations` means all of them; `checked_in`
    None means either; `not_printed_since` keeps the attendees with no badge
    printed at or after that moment (never printed included).
    """

    ticket_types: tuple[int, ...] = ()
    delegations: tuple[int, ...] = ()
    checked_in: bool | None = None
    not_printed_since: datetime | None = None
    order_by: str = BadgeSort.FAMILY_NAME

    def as_json(self) -> dict:
        return {
            "ticket_types": list(self.ticket_types),
            "delegations": list(self.delegations),
            "checked_in": self.checked_in,
            "not_printed_since": self.not_printed_since.isoformat()
            if self.not_printed_since
            else None,
            "order_by": self.order_by,
        }

    @classmethod
    def from_json(cls, data: dict) -> BadgeFilters:
        since = data.get("not_printed_since")
        return cls(
            ticket_types=tuple(data.get("ticket_types") or ()),
            delegations=tuple(data.get("delegations") or ()),
            checked_in=data.get("checked_in"),
            not_printed_since=datetime.fromisoformat(since) if since else None,
            order_by=data.get("order_by") or BadgeSort.FAMILY_NAME,
        )


def _checked_in_query() -> Exists | None:
    """Attendees admitted at least once at any door of their event; None without check-in."""
    check_in = getattr(registration_models, "CheckIn", None)
    if check_in is None:  # the door check-in models are not installed
        return None
    return Exists(
        check_in.objects.filter(
            attendee=OuterRef("pk"),
            result=registration_models.CheckInResult.OK,
            type=registration_models.CheckInType.ENTRY,
        )
    )


def select_attendees(event: Event, filters: BadgeFilters) -> QuerySet[Attendee]:
    """The admissible attendees of `event` that `filters` choose, in print order."""
    attendees = admissible_attendees(event)
    if filters.ticket_types:
        attendees = attendees.filter(ticket_type__in=filters.ticket_types)
    if filters.delegations:
        attendees = attendees.filter(delegation__in=filters.delegations)
    if filters.checked_in is not None:
        checked_in = _checked_in_query()
        if checked_in is None:
            raise BadgeError(
                _("Door check-in is not installed; filter by other criteria."),
                code="no_checkin",
            )
        attendees = attendees.filter(checked_in if filters.checked_in else ~checked_in)
    if filters.not_printed_since is not None:
        attendees = attendees.exclude(
            badge_prints__printed_at__gte=filters.not_printed_since
        )
    if filters.order_by == BadgeSort.DELEGATION:
        # People without a delegation come last, still by family name.
        return attendees.order_by(
            F("delegation__name").asc(nulls_last=True),
            "family_name",
            "given_name",
            "pk",
        )
    return attendees


def back_side_as_json(back_side: BadgeBack | None) -> dict:
    if back_side is None:
        return {}
    return {
        "programme": list(back_side.programme),
        "wifi_network": back_side.wifi_network,
        "wifi_password": back_side.wifi_password,
        "emergency_contact": back_side.emergency_contact,
    }


def back_side_from_json(data: dict) -> BadgeBack:
    return BadgeBack(
        programme=tuple(data.get("programme") or ()),
        wifi_network=data.get("wifi_network", ""),
        wifi_password=data.get("wifi_password", ""),
        emergency_contact=data.get("emergency_contact", ""),
    )


def start_badge_print_job(
    event: Event,
    *,
    filters: BadgeFilters,
    layout: str,
    back_side: BadgeBack | None,
    by: User | None,
) -> BadgePrintJob:
    """Freeze the chosen attendees into a queued job and render it in the background.

    Side effects: a BadgePrintJob row with the attendee ids in print order, an
    ActivityLog entry `badges.print_requested`, and, after the commit, the
    rendering task queued. Raises BadgeError (`unknown_layout`, `no_badges`,
    `no_checkin`) before anything is written.
    """
    if layout not in LAYOUTS:
        raise BadgeError(
            _("Unknown badge layout %(layout)s.") % {"layout": layout},
            code="unknown_layout",
        )
    attendee_ids = list(select_attendees(event, filters).values_list("pk", flat=True))
    if not attendee_ids:
        raise BadgeError(
            _("No attendee matches these filters: there are no badges to print."),
            code="no_badges",
        )
    with transaction.atomic():
        job = BadgePrintJob.objects.create(
            event=event,
            requested_by=by if getattr(by, "is_authenticated", False) else None,
            layout=layout,
            with_back_side=back_side is not None,
            back_side=back_side_as_json(back_side),
            filters=filters.as_json(),
            attendee_ids=attendee_ids,
            total=len(attendee_ids),
        )
        log_activity(
            job,
            action="badges.print_requested",
            actor=by,
            event=event,
            data={"layout": layout, "count": len(attendee_ids), **filters.as_json()},
        )
        transaction.on_commit(partial(queue_badge_print_job, job.pk))
    return job


def queue_badge_print_job(job_id: int) -> None:
    """Hand a job to the task queue; a job left queued can be queued again from the admin."""
    try:
        queue.enqueue("render_badge_print_job", job_id)
    except Exception:
        logger.exception("Could not queue badge print job %s", job_id)


def _job_attendees(job: BadgePrintJob) -> list[Attendee]:
    """The job's attendees in their frozen order; those deleted since are left out."""
    found = (
        Attendee.objects.filter(pk__in=job.attendee_ids)
        .select_related("order__event", "ticket_type", "delegation")
        .in_bulk()
    )
    return [found[pk] for pk in job.attendee_ids if pk in found]


def run_badge_print_job(job_id: int) -> BadgePrintJob:
    """Render a queued job's badges into its PDF, moving `done` as parts finish.

    Side effects: the job goes queued → running → done (with its PDF) or
    failed (with the error); when done, one BadgePrint row per badge and an
    ActivityLog entry `badges.printed`; when failed, `badges.print_failed`.
    A job that is not queued (already taken by another worker, or finished)
    is returned unchanged.
    """
    # The badges recorded as printed are exactly those rendered.
    rendered: list[Attendee] = []

    def render(job: BadgePrintJob, progress: jobs.Progress) -> jobs.JobOutput:
        rendered.extend(_job_attendees(job))
        pdf = render_badges(
            rendered,
            layout=job.layout,
            back_side=back_side_from_json(job.back_side)
            if job.with_back_side
            else None,
            progress=progress,
        )
        job.total = job.done = len(rendered)
        return jobs.JobOutput(
            f"badges-{job.event.slug}-{job.pk}-{secrets.token_urlsafe(12)}.pdf", pdf
        )

    def record_prints(job: BadgePrintJob) -> None:
        BadgePrint.objects.bulk_create(
            BadgePrint(
                attendee=attendee,
                job=job,
                printed_by=job.requested_by,
                layout=job.layout,
            )
            for attendee in rendered
        )
        log_activity(
            job,
            action="badges.printed",
            actor=job.requested_by,
            event=job.event,
            data={"layout": job.layout, "count": len(rendered)},
        )

    def log_failure(job: BadgePrintJob) -> None:
        log_activity(
            job,
            action="badges.print_failed",
            actor=job.requested_by,
            event=job.event,
            data={"error": job.error},
        )

    return jobs.run_job(
        BadgePrintJob,
        job_id,
        work=render,
        on_done=record_prints,
        on_failed=log_failure,
        error_text=lambda error: f"{type(error).__name__}: {error}",
        select_related=("event", "requested_by"),
    )


def badge_refusal(attendee: Attendee) -> str | None:
    """Why `attendee` may not get a badge (`canceled`, `unpaid`); None when they may.

    Missing guardian consent does not stop a badge: the door flags it.
    """
    refusal = ticket_refusal(attendee)
    return refusal if refusal in {"canceled", "unpaid"} else None


def reprint_badge(
    attendee: Attendee, *, by: User | None, layout: str | None = None
) -> bytes:
    """One attendee's badge, printed at the desk, in the ticket type's layout by default.

    Side effects: a BadgePrint row (no job) and an ActivityLog entry
    `badge.reprinted`. Raises BadgeError `not_admitted` for an attendee whose
    order is canceled, expired or unpaid (and not admitted before payment).
    """
    refusal = badge_refusal(attendee)
    if refusal is not None:
        raise BadgeError(
            _("This attendee is not admitted (%(reason)s): no badge is printed.")
            % {"reason": refusal},
            code="not_admitted",
        )
    layout = layout or layout_for(attendee.ticket_type)
    pdf = render_badge(attendee, layout=layout)
    with transaction.atomic():
        BadgePrint.objects.create(
            attendee=attendee,
            printed_by=by if getattr(by, "is_authenticated", False) else None,
            layout=layout,
        )
        log_activity(
            attendee,
            action="badge.reprinted",
            actor=by,
            event=attendee.order.event,
            data={"layout": layout},
        )
    return pdf
