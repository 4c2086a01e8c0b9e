"""Error pages, and the answer to an unhandled error: 503 when the database is
out of reach, else 500.

A database restart or failover breaks the connections open at that moment:
the request in flight fails with OperationalError or InterfaceError, its
transaction is rolled back by PostgreSQL (nothing half-written), and the next
request opens a fresh connection (CONN_HEALTH_CHECKS). Such a failure is
temporary, so the client is told to try again (503 with Retry-After) rather
than that something is broken; Stripe, for one, retries a webhook that got a
5xx. The page is rendered without the request and its context processors, as
those may need the database.

Every error page (400, 403, 404, 429, 500, 503) renders whatever else is
broken, since it is shown exactly when something is: `render_error_page` tries
the page with the site's header, navigation and footer (base.html, which reads
site settings and pages from the database and static addresses from the
manifest) and, when that fails, renders the same template in
`error_layout.html`, which needs neither (templates/error_layout.html).
"""

import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from wagtail.contrib.redirects.middleware import (
    RedirectMiddleware as WagtailRedirectMiddleware,
)

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# Addresses answered in JSON: machines call them.
JSON_PREFIXES = ("/api/", "/payments/stripe/webhook/")
SITE_LAYOUT = "base.html"
STANDALONE_LAYOUT = "error_layout.html"


def render_error_page(
    request, template_name: str, context: dict | None = None, *, status: int
) -> HttpResponse:
    """The error page in the site's layout, or in the standalone one when that fails.

    The site layout needs the database (site settings, navigation, the home
    page) and every static file in the manifest; an error page is shown when
    one of them may be missing, so any failure there renders the page again
    without the request (no context processors, no database) in the layout
    that needs neither.
    """
    context = dict(context or {})
    try:
        body = loader.render_to_string(
            template_name, {**context, "layout": SITE_LAYOUT}, request
        )
    except Exception:  # the page must be shown, whatever broke the layout
        logger.warning(
            "%s rendered in the standalone layout", template_name, exc_info=True
        )
        body = loader.render_to_string(
            template_name, {**context, "layout": STANDALONE_LAYOUT}
        )
    return HttpResponse(body, status=status)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True for a lost or refused database connection (not a constraint or SQL error)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    # A lock wait that ran out is `busy`, answered where it happens.
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(("08", "57P"))


def database_unavailable(request) -> HttpResponse:
    """503 with Retry-After: the JSON error shape for machines, a page for people."""
    message = _(
        "The service is briefly unavailable. Nothing was saved; please try again "
        "in a few seconds."
    )
    if request.path.startswith(JSON_PREFIXES):
        response = JsonResponse(
            {
                "code": "unavailable",
                "detail": message,
                "retry_after": RETRY_AFTER_SECONDS,
            },
            status=503,
        )
    else:
        response = HttpResponse(
            loader.render_to_string("503.html", {"message": message}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def server_error(request, template_name="500.html") -> HttpResponse:
    """handler500: Django calls it inside its `except` block, so sys.exc_info() holds the error."""
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        logger.warning(
            "Database unavailable during %s %s", request.method, request.path
        )
        return database_unavailable(request)
    # Stands alone (error_layout.html): no request, no database.
    return HttpResponse(loader.render_to_string(template_name), status=500)


def api_not_found(request, exception=None):
    return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)


def not_found(request, exception=None):
    """404 for an address nothing matches; under /api/ the API's error shape."""
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return render_error_page(request, "404.html", status=404)


@requires_csrf_token
def bad_request(request, exception=None):
    """handler400: a request Django refused (an unknown host, a broken upload)."""
    return render_error_page(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception=None):
    """handler403: the visitor may not see this page."""
    return render_error_page(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its security token (an old tab, cookies off)."""
    return render_error_page(request, "403.html", {"csrf": True}, status=403)


class RedirectMiddleware(WagtailRedirectMiddleware):
    """Wagtail's redirects for 404s, leaving the 404 as it is when the redirect
    table cannot be read (the database is down): a 404 page, not a 503."""

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except DatabaseError:
            logger.warning(
                "Redirects not looked up for %s", request.path, exc_info=True
            )
            return response
