"""The privacy notice buyers agree to at checkout (services.py keeps its version)."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from registration.privacy.services import PRIVACY_NOTICE_VERSION


@require_safe
def privacy_notice(request):
    return render(
        request,
        "registration/privacy/privacy_notice.html",
        {
            "version": PRIVACY_NOTICE_VERSION,
            "youth_retention_days": settings.YOUTH_RETENTION_DAYS,
            "visa_retention_days": settings.VISA_RETENTION_DAYS,
        },
    )
