"""The volunteer check-in app at /checkin/ (not language-prefixed).

The page is an app shell: it holds no personal data and no token. The device
token lives on the phone (localStorage) and goes with each API call; the
service worker keeps the shell available offline.
"""

import hashlib
import json

from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

# What the service worker keeps for offline use.
SHELL_ASSETS = (
    "checkin/checkin.css",
    "js/checkin/app.js",
    "vendor/jsqr/jsQR.js",
    "checkin/icon.svg",
    "checkin/icon-192.png",
    "checkin/icon-512.png",
)


@require_GET
@cache_control(no_cache=True)
def app(request):
    """The shell in the volunteer's own language: the address has no language
    prefix, so the language cookie or the browser's Accept-Language decides."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = render(request, "registration/checkin/app.html")
    response["Content-Language"] = language
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    shell = ["/checkin/", *(static(path) for path in SHELL_ASSETS)]
    response = render(
        request,
        "registration/checkin/sw.js",
        {
            "shell_json": json.dumps(shell),
            "version": hashlib.sha256(" ".join(shell).encode()).hexdigest()[:12],
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/checkin/"
    return response


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    body = {
        "name": _("SCI Check-in"),
        "short_name": _("Check-in"),
        "description": _("Scan badges at the doors of Sister Cities events."),
        "start_url": "/checkin/",
        "scope": "/checkin/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#0b2545",
        "theme_color": "#0b2545",
        "icons": [
            {
                "src": static("checkin/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
            },
            {
                "src": static("checkin/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
            },
            {
                "src": static("checkin/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {
                "src": static("checkin/icon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
            },
        ],
    }
    return HttpResponse(
        json.dumps(body), content_type="application/manifest+json; charset=utf-8"
    )
