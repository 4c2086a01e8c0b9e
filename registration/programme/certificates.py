"""Certificates of attendance: issued by staff after the event, in one
background job, to every attendee of a paid order whom a door admitted; one
PDF per attendee in their language, with the event, its dates, the sessions
whose own check-in list admitted them, and a verification code that the
public page /certificates/<code>/ confirms.

A youth delegate's certificate also names the programme (the event, a youth
summit) and the city whose delegation chaperoned them.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from registration.audit.services import log_activity
from registration.documents.services import rendering as documents
from registration.documents.services.tickets import event_dates
from registration.errors import ProgrammeError
from registration.jobs import queue
from registration.jobs.services import JobOutput, run_job
from registration.models import (
    AttendanceCertificate,
    Attendee,
    CertificateJob,
    CheckIn,
    CheckInResult,
    CheckInType,
    Event,
    OrderStatus,
)
from registration.programme.selectors import attended_sessions
from registration.reader import for_reader, reader_language
from registration.tokens import random_code

CODE_LENGTH = 12  # about 59 bits: unguessable enough for a public check


def certified_attendees(event: Event):
    """Who gets a certificate: attendees of paid orders admitted at any door."""
    admitted = CheckIn.objects.filter(
        checkin_list__event=event,
        result=CheckInResult.OK,
        type=CheckInType.ENTRY,
    ).values("attendee_id")
    return (
        Attendee.objects.filter(
            order__event=event, order__status=OrderStatus.PAID, pk__in=admitted
        )
        .select_related("order__event", "ticket_type", "delegation")
        .order_by("family_name", "given_name", "pk")
    )


def _new_code() -> str:
    for _attempt in range(10):
        code = random_code(CODE_LENGTH)
        if not AttendanceCertificate.objects.filter(code=code).exists():
            return code
    raise RuntimeError("Could not find a free certificate code")  # pragma: no cover


def issue_certificate(attendee: Attendee, *, job: CertificateJob | None = None):
    """The attendee's certificate, made once; issuing again refreshes the
    sessions attended (a late upload of offline scans) and keeps the code."""
    with transaction.atomic():
        certificate, _created = AttendanceCertificate.objects.get_or_create(
            attendee=attendee, defaults={"code": _new_code(), "job": job}
        )
        certificate.sessions.set(attended_sessions(attendee))
    return certificate


def request_certificates(event: Event, *, by, now=None) -> CertificateJob:
    """Queue the job that issues `event`'s certificates; refused before the event ends."""
    now = now or timezone.now()
    if now < event.ends_at:
        raise ProgrammeError(
            _("Certificates are issued once the event has ended."),
            code="event_not_ended",
            field="event",
        )
    with transaction.atomic():
        job = CertificateJob.objects.create(event=event, requested_by=by)
        log_activity(job, action="certificates.requested", actor=by, event=event)
        transaction.on_commit(lambda: queue.enqueue("run_certificate_job", job.pk))
    return job


def run_certificate_job(job_id: int) -> CertificateJob:
    """Issue every certificate of the job's event and gather them in one PDF."""
    return run_job(CertificateJob, job_id, work=_issue_all, select_related=("event",))


def _issue_all(job: CertificateJob, progress) -> JobOutput:
    attendees = list(certified_attendees(job.event))
    job.total = len(attendees)
    progress(0, total=job.total)
    parts = []
    for number, attendee in enumerate(attendees, start=1):
        parts.append(render_certificate(issue_certificate(attendee, job=job)))
        progress(number)
    job.done = job.total
    if not parts:
        parts.append(documents.render_pdf(_("No certificates."), base_url=None))
    return JobOutput(
        name=f"certificates-{job.event.slug}.pdf", content=documents.merge_pdfs(parts)
    )


def certificate_language(attendee: Attendee) -> str:
    return reader_language(attendee.language, attendee.order.language)


def verification_url(certificate: AttendanceCertificate) -> str:
    return settings.SITE_URL + reverse(
        "registration:certificate", args=[certificate.code]
    )


def certificate_context(certificate: AttendanceCertificate, *, language: str) -> dict:
    """What a certificate says, for the PDF and the verification page."""
    attendee = certificate.attendee
    event = attendee.order.event
    delegation = attendee.delegation
    youth = attendee.ticket_type.is_youth
    return {
        "certificate": certificate,
        "attendee": attendee,
        "name": attendee.badge_name
        or f"{attendee.given_name} {attendee.family_name}".strip(),
        "event": event,
        "event_dates": event_dates(event),
        "sessions": [
            {"title": s.title_in(language), "session": s}
            for s in certificate.sessions.order_by("starts_at", "pk")
        ],
        "youth": youth,
        "chaperoning_city": (
            f"{delegation.home_city}, {delegation.home_country.name}"
            if youth and delegation
            else ""
        ),
        "verification_url": verification_url(certificate),
    }


@functools.cache
def _stylesheets() -> tuple[str, ...]:
    return (
        render_to_string(
            "documents/certificates/certificate.css",
            {"font_stack": documents.FONT_STACK},
        ),
    )


def render_certificate(certificate: AttendanceCertificate) -> bytes:
    """The certificate as PDF, in the attendee's language, times in the event's zone."""
    attendee = certificate.attendee
    language = certificate_language(attendee)
    with for_reader(language, attendee.order.event.tz):
        html = render_to_string(
            "documents/certificates/certificate.html",
            {
                **certificate_context(certificate, language=language),
                "qr": documents.qr_data_uri(verification_url(certificate)),
            },
        )
    return documents.render_pdf(
        html,
        base_url=str(settings.BASE_DIR / "templates" / "documents" / "assets") + "/",
        stylesheets=_stylesheets(),
    )
