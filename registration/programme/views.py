"""Public programme pages: a session's calendar file, and the attendee's own
choices from their page (/attendees/<secret>/), sent as POST with CSRF."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from registration.catalogue.services.calendar import session_calendar
from registration.downloads import file_download
from registration.errors import RegistrationError
from registration.models import (
    AttendanceCertificate,
    Attendee,
    OrderStatus,
    ProgrammeSession,
)
from registration.programme import certificates, services


def session_ics(request, slug: str, session_id: int):
    """One session as an iCalendar file, in the page's language."""
    session = get_object_or_404(
        ProgrammeSession.objects.select_related("event"),
        pk=session_id,
        event__slug=slug,
    )
    content = session_calendar(
        session,
        url=request.build_absolute_uri(reverse("registration:checkout", args=[slug])),
        language=get_language(),
    )
    return file_download(
        content,
        filename=f"{slug}-session-{session.pk}.ics",
        content_type="text/calendar; charset=utf-8",
        personal=False,
    )


def _done(action: str, title: str) -> str:
    return {
        "sign_up": _("You are signed up for %(session)s."),
        "leave": _("You have left %(session)s."),
        "wait": _("You are on the waiting list for %(session)s."),
        "unwait": _("You are off the waiting list for %(session)s."),
    }[action] % {"session": title}


ACTIONS = {
    "sign_up": services.sign_up,
    "leave": services.leave_session,
    "wait": services.join_session_waitlist,
    "unwait": services.leave_session_waitlist,
}


@never_cache
@require_POST
def attendee_sessions(request, secret: str):
    """Sign up for a session, leave it, or join or leave its waiting list."""
    attendee = (
        Attendee.objects.select_related("order__event").filter(secret=secret).first()
    )
    if attendee is None:
        raise Http404
    back = reverse("registration:attendee", args=[attendee.secret]) + "#programme"
    action = request.POST.get("action", "")
    session = (
        ProgrammeSession.objects.filter(
            event_id=attendee.order.event_id, pk=request.POST.get("session") or 0
        ).first()
        if request.POST.get("session", "").isdigit()
        else None
    )
    if action not in ACTIONS or session is None:
        messages.error(request, _("Choose a session of your event."))
        return redirect(back)
    try:
        ACTIONS[action](attendee, session)
    except RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _done(action, session.title_in(get_language())))
    return redirect(back)


def certificate_verification(request, code: str):
    """The public check of a certificate's code: what it certifies, nothing more."""
    certificate = (
        AttendanceCertificate.objects.select_related(
            "attendee__order__event", "attendee__ticket_type", "attendee__delegation"
        )
        .filter(code=code.upper(), attendee__order__status=OrderStatus.PAID)
        .first()
    )
    if certificate is None:
        raise Http404
    return render(
        request,
        "registration/programme/certificate_verify.html",
        certificates.certificate_context(certificate, language=get_language()),
    )


@never_cache
def own_certificate(request, secret: str):
    """The attendee's certificate as PDF, from their own page."""
    certificate = (
        AttendanceCertificate.objects.select_related(
            "attendee__order__event", "attendee__ticket_type", "attendee__delegation"
        )
        .filter(attendee__secret=secret)
        .first()
    )
    if certificate is None:
        raise Http404
    return file_download(
        certificates.render_certificate(certificate),
        filename=f"certificate-{certificate.code}.pdf",
        content_type="application/pdf",
    )
