"""The guardian's consent page at a single-purpose token link."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registration.consent.services import (
    current_consent_text,
    find_youth_by_consent_token,
    sign_guardian_consent,
)
from registration.errors import ConsentError, ConsentInvalid
from registration.models import ConsentText

FIELDS = (
    "signed_name",
    "medical_notes",
    "emergency_contact_name",
    "emergency_contact_phone",
)


@never_cache
@require_http_methods(["GET", "POST"])
def consent_form(request, token: str):
    try:
        youth = find_youth_by_consent_token(token)
    except ConsentError as exc:
        if exc.code == "unknown_token":
            raise Http404 from exc
        return render(
            request,
            "registration/consent/consent_closed.html",
            {"message": exc.message},
        )
    attendee = youth.attendee
    event = attendee.order.event
    # The guardian reads the page's language; without a text in it, English.
    language = translation.get_language()
    text = current_consent_text(event, language=language)
    context = {
        "youth": youth,
        "attendee": attendee,
        "event": event,
        "consent_text": text,
        "signed": youth.is_consent_signed,
        "values": {name: getattr(youth, name, "") for name in FIELDS[1:]}
        | {"signed_name": ""},
        "errors": {},
    }
    if request.method == "GET" or context["signed"] or text is None:
        return render(request, "registration/consent/consent_form.html", context)

    values = {name: request.POST.get(name, "").strip() for name in FIELDS}
    context["values"] = values
    context["photo_release"] = request.POST.get("photo_release") == "yes"
    shown = ConsentText.objects.filter(pk=request.POST.get("consent_text") or 0).first()
    try:
        sign_guardian_consent(
            youth,
            consent_text=shown or text,
            photo_release=context["photo_release"],
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            language=language,
            **values,
        )
    except ConsentInvalid as exc:
        context["errors"] = {e.field: [e.message] for e in exc.errors}
        return render(
            request, "registration/consent/consent_form.html", context, status=400
        )
    except ConsentError as exc:
        context["alert"] = exc.message
        context["signed"] = exc.code == "already_signed"
        return render(
            request, "registration/consent/consent_form.html", context, status=409
        )
    context["signed"] = True
    context["just_signed"] = True
    return render(request, "registration/consent/consent_form.html", context)
